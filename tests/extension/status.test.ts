import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  STATES,
  STOPPED,
  type Status,
  appName,
  browsableUrl,
  parseStatus,
  portSuffix,
  renderStatus,
  TOOLTIP_COMMANDS,
} from '../../extension/src/status';

const running: Status = {
  state: 'running',
  url: 'http://127.0.0.1:5000/',
  pid: 4242,
  restarts: 3,
  lastRestartMs: 187.6,
  errors: 0,
  message: 'Serving app.py',
  app: '',
  appId: '',
  name: '',
  folder: '',
  debugpy: null,
};

describe('renderStatus', () => {
  it('stopped: a start icon; a click starts', () => {
    const view = renderStatus(STOPPED);
    assert.equal(view.text, '$(debug-start) Flask');
    assert.equal(view.command.id, 'failsafeFlask.start');
    assert.equal(view.error, false);
    assert.match(view.tooltip, /\[Start\]\(command:failsafeFlask\.start\)/);
  });

  it('stopped after a failed start: the failure on the error background, the reason in the tooltip; a click starts', () => {
    const view = renderStatus({ ...STOPPED, errors: 1, message: 'Start failed: Port 5000 is already in use' });
    assert.equal(view.text, '$(error) Flask: start failed');
    assert.equal(view.command.id, 'failsafeFlask.start');
    assert.equal(view.error, true);
    assert.match(view.tooltip, /Start failed: Port 5000 is already in use/);
    assert.match(view.tooltip, /\[Start\]\(command:failsafeFlask\.start\)/);
  });

  it('starting and restarting spin', () => {
    assert.equal(renderStatus({ ...STOPPED, state: 'starting' }).text, '$(sync~spin) Flask');
    const restarting = renderStatus({ ...running, state: 'restarting' });
    assert.equal(restarting.text, '$(sync~spin) Flask :5000');
    assert.equal(restarting.command.id, 'failsafeFlask.showLogs');
    assert.equal(restarting.error, false);
  });

  it('running: the port; a click opens the app', () => {
    const view = renderStatus(running);
    assert.equal(view.text, '$(pass) Flask :5000');
    assert.equal(view.command.id, 'failsafeFlask.openInBrowser');
    assert.equal(view.error, false);
  });

  it('failed: the error count on the error background; a click shows Problems', () => {
    const view = renderStatus({ ...running, state: 'failed', errors: 2 });
    assert.equal(view.text, '$(error) Flask: 2 errors');
    assert.equal(view.command.id, 'workbench.actions.view.problems');
    assert.equal(view.error, true);
    assert.equal(renderStatus({ ...running, state: 'failed', errors: 1 }).text, '$(error) Flask: 1 error');
  });

  it('the tooltip gives URL, pid, restarts and the last restart time', () => {
    const tip = renderStatus(running).tooltip;
    assert.match(tip, /\*\*Failsafe Flask\*\*: running/);
    assert.match(tip, /URL: http:\/\/127\\\.0\\\.0\\\.1:5000\//);
    assert.match(tip, /Process id: 4242/);
    assert.match(tip, /Restarts: 3/);
    assert.match(tip, /Last restart: 188 ms/);
    assert.match(tip, /Serving app\\\.py/);
  });

  it('links Open in Browser only when there is a URL', () => {
    assert.match(renderStatus(running).tooltip, /\[Open in Browser\]\(command:failsafeFlask\.openInBrowser\)/);
    assert.doesNotMatch(renderStatus({ ...running, state: 'failed', url: null }).tooltip, /Open in Browser/);
  });

  it('the tooltip offers Debug in every state, for its app', () => {
    assert.match(renderStatus(STOPPED).tooltip, /\[Debug\]\(command:failsafeFlask\.debug\)/);
    assert.match(renderStatus(running).tooltip, /\[Debug\]\(command:failsafeFlask\.debug\)/);
    const app = renderStatus({ ...running, appId: 'file:///work#admin' }).tooltip;
    assert.ok(app.includes(`[Debug](command:failsafeFlask.debug?${encodeURIComponent(JSON.stringify(['file:///work#admin']))})`));
    assert.ok(TOOLTIP_COMMANDS.includes('failsafeFlask.debug'), 'the tooltip may run it');
  });

  it('escapes Markdown in the server message', () => {
    const tip = renderStatus({ ...running, message: '[click](command:evil) *x*' }).tooltip;
    assert.ok(!tip.includes('[click](command:evil)'));
    assert.match(tip, /\\\[click\\\]/);
  });

  it('every state has a face with a command', () => {
    for (const state of STATES) {
      const view = renderStatus({ ...running, state });
      assert.ok(view.text.includes('Flask'), state);
      assert.ok(view.command.id.length > 0, state);
    }
  });
});

describe('the app that runs', () => {
  const named: Status = { ...running, app: 'hello:create_app' };

  it('names the status bar item in every state but stopped', () => {
    assert.equal(renderStatus(named).text, '$(pass) hello:create_app :5000');
    assert.equal(renderStatus({ ...named, state: 'restarting' }).text, '$(sync~spin) hello:create_app :5000');
    assert.equal(renderStatus({ ...named, state: 'failed', errors: 1 }).text, '$(error) hello:create_app: 1 error');
    assert.equal(renderStatus({ ...named, state: 'stopped' }).text, '$(debug-start) Flask');
  });

  it('is in the tooltip, escaped', () => {
    assert.match(renderStatus(named).tooltip, /App: hello:create\\_app/);
    assert.doesNotMatch(renderStatus(running).tooltip, /App:/);
  });

  it('is shortened in the middle when long, and never draws an icon', () => {
    const long = appName({ ...running, app: 'backend/services/api/application.py:create_app' });
    assert.equal(long.length, 31);
    assert.ok(long.startsWith('backend/service') && long.endsWith('…n.py:create_app'), long);
    assert.equal(appName({ ...running, app: '$(alert)x' }), '$ (alert)x');
    assert.equal(appName(running), 'Flask');
  });

  it('is optional in the payload (an older server)', () => {
    const old: Record<string, unknown> = { ...named };
    delete old.app;
    assert.equal(parseStatus(old)?.app, '');
  });
});

describe('parseStatus', () => {
  it('accepts the documented payload', () => {
    assert.deepEqual(parseStatus({ ...running }), running);
  });
  it('rejects an unknown state or a non-object', () => {
    assert.equal(parseStatus({ ...running, state: 'dancing' }), undefined);
    assert.equal(parseStatus(null), undefined);
    assert.equal(parseStatus('running'), undefined);
  });
  it('fills missing fields with neutral values', () => {
    assert.deepEqual(parseStatus({ state: 'starting' }), { ...STOPPED, state: 'starting' });
  });

  it('keeps where a debugger attaches, and nothing malformed', () => {
    const debugpy = { host: '127.0.0.1', port: 5678 };
    assert.deepEqual(parseStatus({ ...running, debugpy })?.debugpy, debugpy);
    assert.equal(parseStatus({ ...running, debugpy: { host: 1, port: 'x' } })?.debugpy, null);
    assert.equal(parseStatus({ ...running, debugpy: null })?.debugpy, null);
  });
});

describe('urls', () => {
  it('portSuffix', () => {
    assert.equal(portSuffix('http://127.0.0.1:8080/'), ' :8080');
    assert.equal(portSuffix('http://localhost/'), ' :80');
    assert.equal(portSuffix(null), '');
    assert.equal(portSuffix('not a url'), '');
  });
  it('browsableUrl maps the any-address to loopback', () => {
    assert.equal(browsableUrl('http://0.0.0.0:5000/'), 'http://127.0.0.1:5000/');
    assert.equal(browsableUrl('http://[::]:5000/'), 'http://[::1]:5000/');
    assert.equal(browsableUrl('http://127.0.0.1:5000/x'), 'http://127.0.0.1:5000/x');
  });
});
