import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { START_ALL, parsePortTaken, startChoices, targetApp, workspaceApps } from '../../extension/src/apps';
import { STOPPED, type Status, renderApps } from '../../extension/src/status';

const API = { uri: 'file:///w/api', name: 'api', apps: undefined };
const MONO = { uri: 'file:///w/mono', name: 'mono', apps: [{ name: 'backend', root: 'backend' }, { name: 'admin' }, { port: 1 }] };

describe('workspaceApps', () => {
  it('counts a folder as one app, and each named entry of failsafeFlask.apps as one', () => {
    const apps = workspaceApps([API, MONO]);
    assert.deepEqual(
      apps.map((a) => [a.appId, a.name, a.folderName]),
      [
        ['file:///w/api', 'api', 'api'],
        ['file:///w/mono#backend', 'backend', 'mono'],
        ['file:///w/mono#admin', 'admin', 'mono'],
      ],
    );
  });
});

describe('targetApp', () => {
  const apps = workspaceApps([API, MONO]);
  it('takes the app given, by id or name', () => {
    assert.equal(targetApp(apps, 'file:///w/mono#admin', undefined)?.name, 'admin');
    assert.equal(targetApp(apps, 'api', 'file:///w/mono')?.appId, 'file:///w/api');
    assert.equal(targetApp(apps, 'nope', 'file:///w/api'), undefined);
  });
  it('without one: the only app, else the only app of the active folder', () => {
    assert.equal(targetApp(apps.slice(0, 1), undefined, undefined)?.name, 'api');
    assert.equal(targetApp(apps, undefined, 'file:///w/api')?.name, 'api');
    assert.equal(targetApp(apps, undefined, undefined), undefined); // ask
  });
  it('a folder with several apps: the only one running there, else ask', () => {
    assert.equal(targetApp(apps, undefined, 'file:///w/mono', ['file:///w/mono#admin'])?.name, 'admin');
    assert.equal(targetApp(apps, undefined, 'file:///w/mono', []), undefined);
    assert.equal(targetApp(apps, undefined, undefined, ['file:///w/api'])?.name, 'api');
  });
});

describe('startChoices', () => {
  const apps = workspaceApps([API, MONO]);
  it('offers Start All first, then each app; the remembered choice comes first', () => {
    assert.deepEqual(startChoices(apps, undefined), [START_ALL, 'file:///w/api', 'file:///w/mono#backend', 'file:///w/mono#admin']);
    assert.deepEqual(startChoices(apps, 'file:///w/mono#admin')[0], 'file:///w/mono#admin');
    assert.equal(startChoices(apps, 'file:///w/mono#admin').length, 4);
    assert.deepEqual(startChoices(apps, 'file:///gone')[0], START_ALL); // no longer an app
  });
});

function status(appId: string, name: string, state: Status['state'], extra: Partial<Status> = {}): Status {
  return { ...STOPPED, appId, name, folder: appId.split('#')[0] ?? '', state, app: 'app.py', ...extra };
}

describe('renderApps', () => {
  const api = status('file:///w/api', 'api', 'running', { url: 'http://127.0.0.1:5001/', pid: 1 });
  const admin = status('file:///w/admin', 'admin', 'failed', { errors: 1, url: 'http://127.0.0.1:5002/' });

  it('one app: one item, as ever (not named)', () => {
    const items = renderApps([api], false);
    assert.equal(items.length, 1);
    const only = items[0];
    assert.ok(only);
    assert.equal(only.view.text, '$(pass) app.py :5001');
    assert.equal(only.view.command.arguments, undefined);
  });

  it('several: one item per app not idle, each named, acting on its own app', () => {
    const idle = status('file:///w/docs', 'docs', 'stopped');
    const items = renderApps([api, admin, idle], true);
    assert.deepEqual(
      items.map((i) => [i.appId, i.view.text, i.view.error]),
      [
        ['file:///w/api', '$(pass) api :5001', false],
        ['file:///w/admin', '$(error) admin: 1 error', true],
      ],
    );
    assert.deepEqual(items[0]?.view.command, { id: 'failsafeFlask.openInBrowser', title: 'Open in Browser', arguments: ['file:///w/api'] });
    const tooltip = items[1]?.view.tooltip ?? '';
    assert.match(tooltip, /Failsafe Flask · admin\*\*: failed/);
    assert.match(tooltip, /Folder: \/w\/admin/);
    // Its links act on its app: command:failsafeFlask.stop?["file:///w/admin"]
    assert.ok(tooltip.includes(`command:failsafeFlask.stop?${encodeURIComponent(JSON.stringify(['file:///w/admin']))}`));
  });

  it('several: a failed start is named; nothing running is the one Start item', () => {
    const refused = status('file:///w/admin', 'admin', 'stopped', { errors: 1, message: 'Start failed: Port 5001 is already used' });
    const item = renderApps([refused], true)[0];
    assert.ok(item);
    assert.equal(item.view.text, '$(error) admin: start failed');
    assert.deepEqual(item.view.command.arguments, ['file:///w/admin']);
    const idle = renderApps([status('file:///w/api', 'api', 'stopped')], true);
    assert.deepEqual(
      idle.map((i) => [i.appId, i.view.text]),
      [['', '$(debug-start) Flask']],
    );
  });
});

describe('parsePortTaken', () => {
  it('reads the refusal of a port another app serves, and nothing else', () => {
    const err = { message: 'Port 5000 is already used by the app api', data: { reason: 'portTaken', port: 5000, by: 'file:///w/api', suggestedPort: 5001 } };
    assert.deepEqual(parsePortTaken(err), { message: 'Port 5000 is already used by the app api', port: 5000, suggestedPort: 5001 });
    assert.equal(parsePortTaken({ ...err, data: { ...err.data, suggestedPort: null } })?.suggestedPort, undefined);
    assert.equal(parsePortTaken({ message: 'x', data: { reason: 'noApp' } }), undefined);
    assert.equal(parsePortTaken(new Error('boom')), undefined);
  });
});
