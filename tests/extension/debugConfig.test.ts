import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  attachArguments,
  debugCommandArgs,
  initialConfiguration,
  resolveDebugConfig,
} from '../../extension/src/debugConfig';

function resolved(raw: Record<string, unknown>) {
  const result = resolveDebugConfig(raw);
  assert.ok('config' in result, `refused: ${'error' in result ? result.error : ''}`);
  return result.config;
}

function refused(raw: Record<string, unknown>): string {
  const result = resolveDebugConfig(raw);
  assert.ok('error' in result, 'accepted');
  return result.error;
}

describe('resolveDebugConfig', () => {
  it('F5 with no launch.json: the initial configuration', () => {
    assert.deepEqual(resolved({}), initialConfiguration());
    assert.deepEqual(initialConfiguration(), {
      type: 'failsafe-flask',
      request: 'launch',
      name: 'Failsafe Flask',
      justMyCode: true,
      stopOnLoad: true,
    });
  });

  it('fills the defaults and keeps what is set', () => {
    const config = resolved({ type: 'failsafe-flask', request: 'launch', name: '', app: 'shop:create_app()', port: 5001, justMyCode: false });
    assert.equal(config.name, 'Failsafe Flask');
    assert.equal(config.app, 'shop:create_app()');
    assert.equal(config.port, 5001);
    assert.equal(config.justMyCode, false);
    assert.equal(config.stopOnLoad, true);
  });

  it('says what is wrong', () => {
    assert.match(refused({ type: 'failsafe-flask', request: 'attach' }), /"request" must be "launch"/);
    assert.match(refused({ type: 'failsafe-flask', port: 70000 }), /"port" must be a whole number/);
    assert.match(refused({ type: 'failsafe-flask', port: '5000' }), /"port"/);
    assert.match(refused({ type: 'failsafe-flask', app: 3 }), /"app" must be a string/);
    assert.match(refused({ type: 'failsafe-flask', stopOnLoad: 'yes' }), /"stopOnLoad" must be true or false/);
    assert.match(refused({ type: 'python', request: 'launch', name: 'x' }), /not a failsafe-flask configuration/);
  });
});

describe('what a configuration asks for', () => {
  it('the language server: the folder, the app, the debugger waited for', () => {
    const config = resolved({ type: 'failsafe-flask', app: 'shop', port: 0 });
    assert.deepEqual(debugCommandArgs(config, '/work/shop', undefined), { workspaceFolder: '/work/shop', debugpyWait: true, app: 'shop', port: 0 });
    const named = resolved({ type: 'failsafe-flask', appName: 'admin', stopOnLoad: false });
    assert.deepEqual(debugCommandArgs(named, '/work', 'file:///work#admin'), { workspaceFolder: '/work', debugpyWait: false, appId: 'file:///work#admin' });
  });

  it('debugpy: attach with Jinja templates, no subprocesses, our own frames hidden', () => {
    assert.deepEqual(attachArguments(resolved({}), ['/ext/bundled']), {
      name: 'Failsafe Flask',
      justMyCode: true,
      jinja: true,
      subProcess: false,
      redirectOutput: false,
      rules: [{ path: '/ext/bundled', include: false }],
    });
  });
});
