import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coalesce } from '../../extension/src/coalesce';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('coalesce', () => {
  it('folds requests made during a run into one further run', async () => {
    const runs: string[][] = [];
    const first = gate();
    const restart = coalesce(async (reasons) => {
      runs.push(reasons);
      if (runs.length === 1) await first.promise;
    });
    const a = restart('interpreter changed');
    const b = restart('trust granted');
    const c = restart('setting changed');
    first.open();
    await Promise.all([a, b, c]);
    assert.deepEqual(runs, [['interpreter changed'], ['trust granted', 'setting changed']]);
  });

  it('runs again for a request after the last run finished', async () => {
    let count = 0;
    const restart = coalesce(() => {
      count += 1;
      return Promise.resolve();
    });
    await restart('one');
    await restart('two');
    assert.equal(count, 2);
  });

  it('rejects only the callers of the failed run, and goes on', async () => {
    const first = gate();
    let n = 0;
    const restart = coalesce(async () => {
      n += 1;
      if (n === 1) {
        await first.promise;
        throw new Error('boom');
      }
    });
    const a = restart('a');
    const b = restart('b');
    first.open();
    await assert.rejects(a, /boom/);
    await b;
    assert.equal(n, 2);
  });
});
