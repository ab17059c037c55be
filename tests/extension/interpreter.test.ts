import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  type InterpreterProvider,
  checkInterpreter,
  fixedProvider,
  interpreterChain,
  judgeProbe,
  pathProvider,
  pipInstallFlask,
  resolveInterpreter,
  which,
} from '../../extension/src/interpreter';

const failing: InterpreterProvider = { name: 'broken', find: () => Promise.reject(new Error('no API')) };

describe('resolveInterpreter', () => {
  it('takes the first provider that answers and logs each decision', async () => {
    const log: string[] = [];
    const found = await resolveInterpreter(
      [fixedProvider('setting', ''), failing, fixedProvider('python extension', '/venv/bin/python'), fixedProvider('path', '/usr/bin/python3')],
      (m) => log.push(m),
    );
    assert.deepEqual(found, { python: '/venv/bin/python', source: 'python extension' });
    assert.deepEqual(log, [
      'Interpreter: setting gives nothing',
      'Interpreter: broken failed: no API',
      'Interpreter: python extension gives /venv/bin/python',
    ]);
  });

  it('orders the setting, then the Python extension, then PATH', async () => {
    const chain = interpreterChain({
      onPath: fixedProvider('path', '/usr/bin/python3'),
      pythonExtension: fixedProvider('python extension', '/venv/bin/python'),
      setting: fixedProvider('setting', ''),
    });
    assert.deepEqual(chain.map((p) => p.name), ['setting', 'python extension', 'path']);
    assert.equal((await resolveInterpreter(chain, () => undefined))?.source, 'python extension');
    const noExtension = interpreterChain({ setting: fixedProvider('setting', ''), pythonExtension: failing, onPath: fixedProvider('path', '/usr/bin/python3') });
    assert.equal((await resolveInterpreter(noExtension, () => undefined))?.python, '/usr/bin/python3');
  });

  it('gives undefined when no provider answers', async () => {
    const log: string[] = [];
    assert.equal(await resolveInterpreter([fixedProvider('a', '')], (m) => log.push(m)), undefined);
    assert.equal(log.at(-1), 'Interpreter: no provider found one');
  });
});

describe('PATH lookup', () => {
  const exists = (files: string[]) => (f: string) => Promise.resolve(files.includes(f));

  it('prefers python3, in PATH order', async () => {
    const provider = pathProvider(['python3', 'python'], {
      pathEnv: '/a:/b',
      platform: 'linux',
      isExecutable: exists(['/a/python', '/b/python3']),
    });
    assert.equal(await provider.find(), '/b/python3');
    assert.equal(provider.name, 'python3/python on PATH');
  });

  it('uses PATHEXT on Windows', async () => {
    const found = await which('python', {
      pathEnv: 'C:\\Py;C:\\Other',
      platform: 'win32',
      pathExt: '.COM;.EXE',
      isExecutable: exists(['C:\\Py/python.EXE', 'C:\\Py\\python.EXE']),
    });
    assert.ok(found?.endsWith('python.EXE'));
  });

  it('finds nothing on an empty PATH', async () => {
    assert.equal(await which('python3', { pathEnv: undefined, platform: 'linux' }), undefined);
  });
});

describe('judgeProbe', () => {
  const answer = (o: object) => ({ stdout: `${JSON.stringify(o)}\n` });

  it('accepts Python >= 3.9 with Flask', () => {
    const r = judgeProbe('/venv/bin/python', answer({ version: [3, 9, 18], flask: '3.0.0', executable: '/venv/bin/python', error: null }));
    assert.deepEqual(r, { ok: true, version: '3.9.18', flask: '3.0.0', executable: '/venv/bin/python' });
  });

  it('refuses an old Python', () => {
    const r = judgeProbe('/usr/bin/python3', answer({ version: [3, 8, 10], flask: '2.0', executable: '', error: null }));
    assert.ok(!r.ok);
    assert.match(r.problem, /needs Python 3\.9 or newer; \/usr\/bin\/python3 is Python 3\.8\.10/);
  });

  it('gives the exact pip command when Flask is missing', () => {
    const r = judgeProbe('/usr/bin/python3', answer({ version: [3, 12, 1], flask: null, error: "ModuleNotFoundError: No module named 'flask'" }));
    assert.ok(!r.ok);
    assert.equal(r.fix, 'Install it with: /usr/bin/python3 -m pip install flask');
  });

  it('explains an interpreter that does not run', () => {
    const r = judgeProbe('/nope/python', { stdout: '', error: 'spawn /nope/python ENOENT' });
    assert.ok(!r.ok);
    assert.match(r.problem, /could not run the Python interpreter \/nope\/python \(spawn \/nope\/python ENOENT\)/);
  });
});

describe('pipInstallFlask', () => {
  it('quotes a path with spaces', () => {
    assert.equal(pipInstallFlask('/My Env/bin/python'), '"/My Env/bin/python" -m pip install flask');
    assert.equal(pipInstallFlask('C:\\Python312\\python.exe'), 'C:\\Python312\\python.exe -m pip install flask');
  });
});

describe('checkInterpreter (runs a real interpreter)', () => {
  const python = (() => {
    try {
      return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  })();

  it('reports the version of python3 on PATH', { skip: python === undefined }, async () => {
    const r = await checkInterpreter(python ?? '');
    if (r.ok) assert.match(r.version, /^3\.\d+\.\d+$/);
    else assert.match(r.problem, /Flask is not installed|needs Python/);
  });

  it('explains a missing executable', async () => {
    const r = await checkInterpreter('/definitely/not/python');
    assert.ok(!r.ok);
    assert.match(r.problem, /could not run the Python interpreter \/definitely\/not\/python/);
  });
});
