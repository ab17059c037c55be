import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  TASK_TYPE,
  installOutcome,
  installTask,
  parseInstall,
  parseUseSettings,
  splitAppId,
  withEntrySettings,
} from '../../extension/src/quickFixes';

const install = {
  appId: 'file:///api',
  distribution: 'PyYAML',
  commandLine: ['/api/.venv/bin/python', '-m', 'pip', 'install', 'PyYAML'],
};

describe('quick fixes in VS Code', () => {
  it('runs only `<python> -m pip install <the distribution>`', () => {
    assert.deepEqual(parseInstall(install), install);
    assert.equal(parseInstall({ ...install, commandLine: ['/py', '-m', 'pip', 'install', 'PyYAML', '--index-url', 'x'] }), undefined);
    assert.equal(parseInstall({ ...install, commandLine: ['/py', '-c', 'import os', 'install', 'PyYAML'] }), undefined);
    assert.equal(parseInstall({ ...install, distribution: '-rreqs.txt' }), undefined);
    assert.equal(parseInstall({ ...install, commandLine: ['', '-m', 'pip', 'install', 'PyYAML'] }), undefined);
    assert.equal(parseInstall(undefined), undefined);
  });

  it('is a failsafeFlask task named after the distribution', () => {
    assert.deepEqual(installTask(install), {
      definition: { type: TASK_TYPE, distribution: 'PyYAML', appId: 'file:///api' },
      name: 'pip install PyYAML',
    });
  });

  it('restarts the app after pip succeeded, says once that it failed otherwise', () => {
    assert.deepEqual(installOutcome(install, 0), { restart: true });
    assert.deepEqual(installOutcome(install, 1), {
      restart: false,
      failure: 'Failsafe Flask: pip install PyYAML failed (exit 1); see its terminal.',
    });
    assert.equal(installOutcome(install, undefined).failure, 'Failsafe Flask: pip install PyYAML was stopped; see its terminal.');
  });

  it('takes a port or an app to use, nothing else', () => {
    assert.deepEqual(parseUseSettings({ appId: 'a', settings: { port: 5001 } }), { appId: 'a', settings: { port: 5001 } });
    assert.deepEqual(parseUseSettings({ appId: 'a', settings: { app: 'flaskr:create_app' } }), {
      appId: 'a',
      settings: { app: 'flaskr:create_app' },
    });
    assert.equal(parseUseSettings({ appId: 'a', settings: { port: 70000 } }), undefined);
    assert.equal(parseUseSettings({ appId: 'a', settings: { python: '/x' } }), undefined);
    assert.equal(parseUseSettings({ settings: { port: 5001 } }), undefined);
  });

  it("saves into the folder's setting, or the entry of failsafeFlask.apps", () => {
    assert.deepEqual(splitAppId('file:///mono'), { folderUri: 'file:///mono', entry: undefined });
    assert.deepEqual(splitAppId('file:///mono#admin'), { folderUri: 'file:///mono', entry: 'admin' });
    const apps = [
      { name: 'backend', port: 5000 },
      { name: 'admin', port: 5000 },
    ];
    assert.deepEqual(withEntrySettings(apps, 'admin', { port: 5001 }), [
      { name: 'backend', port: 5000 },
      { name: 'admin', port: 5001 },
    ]);
    assert.equal(withEntrySettings(apps, 'other', { port: 5001 }), undefined);
    assert.equal(withEntrySettings(undefined, 'admin', { port: 5001 }), undefined);
  });
});
