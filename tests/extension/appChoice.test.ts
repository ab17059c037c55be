import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { appPicks, checkAppForm, noAppToast, parseNoApp } from '../../extension/src/appChoice';
import { platformProblem } from '../../extension/src/platform';

// What the language client rejects with when the server refuses a start (RequestFailed).
const refusal = new ResponseError(-32803, 'No Flask app found in /p: ... Apps found in the project: flaskr:create_app (flaskr/__init__.py).', {
  reason: 'noApp',
  setting: 'failsafeFlask.app',
  candidates: [
    { app: 'flaskr:create_app', file: 'flaskr/__init__.py', name: 'create_app', factory: true },
    { app: 'backend/app.py:app', file: 'backend/app.py', name: 'app', factory: false },
  ],
});

describe('parseNoApp', () => {
  it('reads the refusal the client rejects with', () => {
    const noApp = parseNoApp(refusal);
    assert.ok(noApp);
    assert.equal(noApp.setting, 'failsafeFlask.app');
    assert.deepEqual(
      noApp.candidates.map((c) => c.app),
      ['flaskr:create_app', 'backend/app.py:app'],
    );
    assert.match(noApp.message, /No Flask app found/);
  });

  it('is undefined for every other failure', () => {
    assert.equal(parseNoApp(new ResponseError(-32803, 'Port 5000 is already in use')), undefined);
    assert.equal(parseNoApp(new ResponseError(-32803, 'x', { reason: 'other' })), undefined);
    assert.equal(parseNoApp(new Error('the language server did not start')), undefined);
    assert.equal(parseNoApp(undefined), undefined);
  });

  it('drops malformed candidates and keeps the refusal', () => {
    const odd = new ResponseError(-32803, 'm', { reason: 'noApp', candidates: [{ app: '' }, 3, { app: 'a', file: 'a.py', name: 'app' }] });
    assert.deepEqual(
      parseNoApp(odd)?.candidates.map((c) => c.app),
      ['a'],
    );
    assert.equal(parseNoApp(odd)?.setting, 'failsafeFlask.app');
  });
});

describe('the choice offered', () => {
  it('lists each candidate with its file, then a way to type another', () => {
    const noApp = parseNoApp(refusal);
    assert.ok(noApp);
    const picks = appPicks(noApp);
    assert.deepEqual(
      picks.map((p) => [p.label, p.description, p.app]),
      [
        ['flaskr:create_app', 'flaskr/__init__.py', 'flaskr:create_app'],
        ['backend/app.py:app', 'backend/app.py', 'backend/app.py:app'],
        ['Another app…', '', undefined],
      ],
    );
    assert.equal(picks[0]?.detail, 'the create_app() factory');
    assert.match(picks[2]?.detail ?? '', /failsafeFlask\.app/);
  });

  it('with nothing found, the toast names the setting and offers to set it', () => {
    const toast = noAppToast('shop', { message: '', setting: 'failsafeFlask.app', candidates: [] });
    assert.match(toast.text, /no Flask app in shop/);
    assert.match(toast.text, /Set failsafeFlask\.app/);
    assert.equal(toast.action, 'Set failsafeFlask.app');
  });

  it('the input box accepts one non-empty line', () => {
    assert.equal(checkAppForm(' hello:create_app '), undefined);
    assert.ok(checkAppForm('   '));
    assert.ok(checkAppForm('a\nb'));
  });
});

describe('platformProblem', () => {
  it('Windows is told in one sentence; Linux and macOS run', () => {
    assert.match(platformProblem('win32') ?? '', /Linux and macOS only/);
    assert.equal(platformProblem('linux'), undefined);
    assert.equal(platformProblem('darwin'), undefined);
  });
});
