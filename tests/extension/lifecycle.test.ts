import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { type Problem, usableInterpreter } from '../../extension/src/interpreter';
import { ClientLifecycle, type ManagedClient } from '../../extension/src/lifecycle';
import type { Status } from '../../extension/src/status';

// Real executables that answer the interpreter probe as a Python would: the check that
// runs on them is the real one (a process is started and its answer judged).
const dir = mkdtempSync(path.join(tmpdir(), 'ff-lifecycle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fakePython(name: string, version: number[]): string {
  const file = path.join(dir, name);
  const answer = JSON.stringify({ version, executable: file, flask: '3.0.3', error: null });
  writeFileSync(file, `#!/bin/sh\necho '${answer}'\n`);
  chmodSync(file, 0o755);
  return file;
}

class Client implements ManagedClient {
  running = false;
  disposed = false;
  constructor(readonly python: string) {}
  start(): Promise<void> {
    this.running = true;
    return Promise.resolve();
  }
  dispose(): Promise<void> {
    this.running = false;
    this.disposed = true;
    return Promise.resolve();
  }
  isRunning(): boolean {
    return this.running;
  }
}

/** A lifecycle whose interpreter lookup answers `selected.python`, as the user changes it. */
function setUp(first: string) {
  const selected = { python: first };
  const created: Client[] = [];
  const problems: string[] = [];
  const statuses: Status[] = [];
  const log = { info: () => undefined, warn: () => undefined };
  const report = (problem: Problem): void => void problems.push(problem.problem);
  const lifecycle = new ClientLifecycle<Client, string>({
    usable: () => usableInterpreter({ python: selected.python, source: 'test' }, report, log),
    resolve: () => Promise.resolve(selected.python),
    create: (python) => {
      const client = new Client(python);
      created.push(client);
      return client;
    },
    log,
    onStatus: (status) => statuses.push(status),
  });
  return { selected, created, problems, statuses, lifecycle };
}

describe('ClientLifecycle', { skip: process.platform === 'win32' }, () => {
  const good = fakePython('python-good', [3, 12, 1]);
  const old = fakePython('python-old', [3, 8, 10]);
  const other = fakePython('python-other', [3, 11, 4]);

  it('checks the interpreter again when the client is rebuilt with another one', async () => {
    const t = setUp(good);
    assert.ok(await t.lifecycle.ensure('/project'));
    t.selected.python = old;
    assert.equal(await t.lifecycle.rebuild('/project'), false);
    assert.deepEqual(t.created.map((c) => c.python), [good]); // never built on the old one
    assert.equal(t.created[0]?.disposed, true);
    assert.equal(t.problems.length, 1);
    assert.match(t.problems[0] ?? '', /needs Python 3\.9 or newer; .*python-old is Python 3\.8\.10/);
    assert.equal(t.statuses.at(-1)?.state, 'stopped');

    t.selected.python = other;
    assert.equal(await t.lifecycle.rebuild('/project'), true);
    assert.deepEqual(t.created.map((c) => c.python), [good, other]);
    assert.equal(t.lifecycle.running?.python, other);
  });

  it('keeps the running client when the interpreter did not change', async () => {
    const t = setUp(good);
    const first = await t.lifecycle.ensure('/project');
    assert.equal(await t.lifecycle.rebuild('/project'), false);
    assert.equal(t.lifecycle.running, first);
    assert.deepEqual(t.created.map((c) => c.disposed), [false]);
  });

  it('starts a new client when the old one died, on the same interpreter', async () => {
    const t = setUp(good);
    await t.lifecycle.ensure('/project');
    await t.created[0]?.dispose();
    assert.equal(await t.lifecycle.rebuild('/project'), true);
    assert.deepEqual(t.created.map((c) => c.python), [good, good]);
    assert.deepEqual(t.statuses.map((s) => s.state), ['starting', 'stopped', 'starting']);
  });
});
