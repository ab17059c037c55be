import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULTS, expandInterpreter, isSetByUser, readSettings, serverLaunch, serverSettings } from '../../extension/src/config';

const none = (): unknown => undefined;

describe('readSettings', () => {
  it('gives the defaults when nothing is set', () => {
    assert.deepEqual(readSettings(none), DEFAULTS);
  });

  it('reads every setting', () => {
    const values: Record<string, unknown> = {
      app: 'hello:create_app()',
      host: '0.0.0.0',
      port: 8000,
      env: { A: '1', B: 2, C: true, D: { nested: 1 } },
      envFile: '',
      extraWatch: ['config/*.toml', 3],
      excludes: ['data'],
      debug: false,
      preload: 'packages',
      liveReload: false,
      urlPrefix: ' /absproxy/{port} ',
      loadTimeout: 5,
      apps: [{ name: 'admin', root: 'admin' }],
      interpreter: '.venv/bin/python',
      browser: 'simpleBrowser',
    };
    assert.deepEqual(
      readSettings((k) => values[k]),
      {
        app: 'hello:create_app()',
        host: '0.0.0.0',
        port: 8000,
        env: { A: '1', B: '2', C: 'true' },
        envFile: '',
        extraWatch: ['config/*.toml'],
        excludes: ['data'],
        debug: false,
        preload: 'packages',
        liveReload: false,
        urlPrefix: '/absproxy/{port}',
        loadTimeout: 5,
        apps: [{ name: 'admin', root: 'admin' }],
        interpreter: '.venv/bin/python',
        browser: 'simpleBrowser',
      },
    );
  });

  it('reads the preload values of earlier versions: true is on, false is off', () => {
    assert.equal(readSettings((k) => (k === 'preload' ? true : undefined)).preload, 'on');
    assert.equal(readSettings((k) => (k === 'preload' ? false : undefined)).preload, 'off');
  });

  it('falls back on mistyped values', () => {
    const bad: Record<string, unknown> = {
      port: 70000, host: '  ', debug: 'yes', env: ['x'], browser: 'lynx', preload: 1, liveReload: 'no', loadTimeout: -1,
    };
    const s = readSettings((k) => bad[k]);
    assert.equal(s.port, 5000);
    assert.equal(s.host, '127.0.0.1');
    assert.equal(s.debug, true);
    assert.deepEqual(s.env, {});
    assert.equal(s.browser, 'external');
    assert.equal(s.preload, 'on');
    assert.equal(s.liveReload, true);
    assert.equal(s.loadTimeout, 30);
  });

  it('agrees with the defaults declared in package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default: unknown; markdownDescription?: string }> } };
    };
    const props = pkg.contributes.configuration.properties;
    for (const [key, value] of Object.entries(DEFAULTS)) {
      const declared = props[`failsafeFlask.${key}`];
      assert.ok(declared, `failsafeFlask.${key} is declared`);
      assert.deepEqual(declared.default, value, key);
      assert.ok(declared.markdownDescription, `${key} has a description`);
    }
  });
});

describe('DEFAULTS', () => {
  it('are taken for every declared setting, the browser one of its enum', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { enum?: unknown[] }> } };
    };
    const props = pkg.contributes.configuration.properties;
    // trace.server is vscode-languageclient's own: it reads it by the client's id.
    const declared = Object.keys(props)
      .map((key) => key.replace(/^failsafeFlask\./, ''))
      .filter((key) => key !== 'trace.server');
    assert.deepEqual(Object.keys(DEFAULTS).sort(), declared.sort());
    assert.ok(props['failsafeFlask.browser']?.enum?.includes(DEFAULTS.browser));
  });
});

describe('serverSettings', () => {
  it('is the server contract: the settings plus python, without client-only keys', () => {
    const s = serverSettings({ ...DEFAULTS, interpreter: 'ignored', browser: 'simpleBrowser' }, '/usr/bin/python3', () => true);
    assert.deepEqual(s, {
      app: '',
      host: '127.0.0.1',
      port: 5000,
      env: {},
      envFile: '',
      extraWatch: [],
      excludes: [],
      debug: true,
      preload: 'on',
      liveReload: true,
      urlPrefix: '',
      loadTimeout: 30,
      apps: [],
      python: '/usr/bin/python3',
    });
  });
  it('sends app, host, port and debug as null unless the user set them: the server falls back to FLASK_*', () => {
    const s = serverSettings({ ...DEFAULTS, port: 8000 }, '/usr/bin/python3', (key) => key === 'port');
    assert.equal(s.port, 8000);
    assert.equal(s.app, null);
    assert.equal(s.host, null);
    assert.equal(s.debug, null);
    assert.equal(s.loadTimeout, DEFAULTS.loadTimeout);
  });

  it('passes every non-default value through, env and lists as copies', () => {
    const settings = readSettings((k) => CHANGED[k]);
    const s = serverSettings(settings, '/venv/bin/python', () => true);
    const expected: Partial<typeof settings> = { ...settings };
    delete expected.interpreter; // the client's own settings
    delete expected.browser;
    assert.deepEqual(s, { ...expected, python: '/venv/bin/python' });
    for (const key of Object.keys(expected) as Array<keyof typeof expected & keyof typeof s>) {
      assert.notDeepEqual(s[key], DEFAULTS[key], `${key} is a non-default value`);
    }
    assert.equal(s.env.API_URL, 'http://127.0.0.1:9000');
    s.env.EXTRA = 'x';
    s.extraWatch.push('more');
    assert.deepEqual(settings.env, { API_URL: 'http://127.0.0.1:9000', DEBUG_SQL: '1' });
    assert.deepEqual(settings.extraWatch, ['config/*.toml']);
  });
});

describe('isSetByUser', () => {
  it('is true for a value in any scope, language scopes too, and false for the default alone', () => {
    assert.equal(isSetByUser(undefined), false);
    assert.equal(isSetByUser({}), false);
    assert.equal(isSetByUser({ workspaceFolderValue: 5000 }), true);
    assert.equal(isSetByUser({ globalLanguageValue: false }), true);
    assert.equal(isSetByUser({ workspaceValue: '' }), true);
  });
});

// A value other than the default for every setting.
const CHANGED: Record<string, unknown> = {
  app: 'hello:create_app()',
  host: '0.0.0.0',
  port: 8000,
  env: { API_URL: 'http://127.0.0.1:9000', DEBUG_SQL: '1' },
  envFile: 'dev.env',
  extraWatch: ['config/*.toml'],
  excludes: ['data'],
  debug: false,
  preload: 'off',
  liveReload: false,
  urlPrefix: '/shop',
  loadTimeout: 5,
  apps: [{ name: 'admin', root: 'admin', port: 5001 }],
  interpreter: '.venv/bin/python',
  browser: 'simpleBrowser',
};

describe('serverLaunch', () => {
  it("keeps the extension host's environment: the server and the app need PATH, HOME, LANG", () => {
    const launch = serverLaunch({
      python: '/venv/bin/python',
      extensionPath: '/ext',
      baseEnv: { PATH: '/usr/bin', HOME: '/home/u', LANG: 'C.UTF-8', SECRET_KEY: 'x' },
      exists: () => true,
      delimiter: ':',
    });
    assert.equal(launch.env.PATH, '/usr/bin');
    assert.equal(launch.env.HOME, '/home/u');
    assert.equal(launch.env.LANG, 'C.UTF-8');
    assert.equal(launch.env.SECRET_KEY, 'x');
    assert.equal(launch.env.PYTHONUNBUFFERED, '1');
  });


  it('puts the bundled libs and server first on PYTHONPATH and names them', () => {
    const launch = serverLaunch({
      python: '/venv/bin/python',
      extensionPath: '/ext',
      baseEnv: { PYTHONPATH: '/user/lib:' },
      exists: () => true,
      delimiter: ':',
    });
    assert.equal(launch.command, '/venv/bin/python');
    assert.deepEqual(launch.args, ['-m', 'failsafe_flask', 'lsp']);
    assert.equal(launch.env.PYTHONPATH, '/ext/bundled/libs:/ext/bundled/server:/user/lib');
    assert.equal(launch.env.FAILSAFE_FLASK_BUNDLED, '/ext/bundled/libs:/ext/bundled/server');
  });

  it('runs from a source checkout when nothing is bundled', () => {
    const launch = serverLaunch({ python: 'python3', extensionPath: '/src', baseEnv: {}, exists: () => false, delimiter: ':' });
    assert.equal(launch.env.PYTHONPATH, '/src/server');
    assert.equal(launch.env.FAILSAFE_FLASK_BUNDLED, '/src/server');
  });
});

describe('expandInterpreter', () => {
  it('expands ${workspaceFolder}, ~ and relative paths', () => {
    assert.equal(expandInterpreter('${workspaceFolder}/.venv/bin/python', '/proj', '/home/u'), '/proj/.venv/bin/python');
    assert.equal(expandInterpreter('.venv/bin/python', '/proj', '/home/u'), '/proj/.venv/bin/python');
    assert.equal(expandInterpreter('~/py/bin/python', '/proj', '/home/u'), '/home/u/py/bin/python');
    assert.equal(expandInterpreter('python3.12', '/proj', '/home/u'), 'python3.12');
    assert.equal(expandInterpreter('  ', '/proj', '/home/u'), '');
  });
});
