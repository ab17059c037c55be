import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FolderInterpreters, INITIALIZATION_OPTIONS, answerConfiguration, folderPython } from '../../extension/src/folderSettings';

describe('folder settings', () => {
  it('answers our section per folder, with that folder as scope, and others as VS Code did', async () => {
    const items = [
      { section: 'failsafeFlask', scopeUri: 'file:///api' },
      { section: 'python', scopeUri: 'file:///api' },
      { section: 'failsafeFlask', scopeUri: 'file:///admin' },
    ];
    const pythons: Record<string, string> = { 'file:///api': '/api/.venv/bin/python', 'file:///admin': '/admin/.venv/bin/python' };
    const answers = await answerConfiguration(items, [null, { x: 1 }, null], 'failsafeFlask', (scope) =>
      Promise.resolve({ python: pythons[scope ?? ''] ?? '' }),
    );
    assert.deepEqual(answers, [{ python: '/api/.venv/bin/python' }, { x: 1 }, { python: '/admin/.venv/bin/python' }]);
  });

  it("takes the folder's own interpreter, else the server's", () => {
    assert.equal(folderPython('/admin/.venv/bin/python', '/usr/bin/python3'), '/admin/.venv/bin/python');
    assert.equal(folderPython(undefined, '/usr/bin/python3'), '/usr/bin/python3');
    assert.equal(folderPython('', '/usr/bin/python3'), '/usr/bin/python3');
  });

  it('sends nothing in initializationOptions: it would apply to every folder', () => {
    assert.deepEqual({ ...INITIALIZATION_OPTIONS }, {});
  });

  it("resolves each folder's interpreter once until cleared, and a failure as none", async () => {
    const asked: string[] = [];
    let answer = '/a/python';
    const known = new FolderInterpreters((uri) => {
      asked.push(uri);
      return uri === 'file:///broken' ? Promise.reject(new Error('no API')) : Promise.resolve(answer);
    });
    assert.equal(await known.get('file:///a'), '/a/python');
    assert.equal(await known.get('file:///a'), '/a/python');
    assert.equal(await known.get('file:///broken'), undefined);
    answer = '/a/new/python';
    known.clear();
    assert.equal(await known.get('file:///a'), '/a/new/python');
    assert.deepEqual(asked, ['file:///a', 'file:///broken', 'file:///a']);
  });
});
