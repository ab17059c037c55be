'use strict';
// End to end in a real VS Code (code-server + headless Chromium), issue 16: a two-folder
// workspace (api/ and admin/, each a Flask app on its own port set in its folder's
// settings). Start offers "Start All"; both serve, each with its own status bar item;
// a SyntaxError saved in admin/ shows in admin's item while api keeps serving; Stop asks
// which app and stops that one alone.
// Run by scripts/test-e2e.sh; same environment variables as failsafe-flask.test.js.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { CodeServer, reapUnder } = require('./lib/codeserver');
const { Workbench } = require('./lib/workbench');
const { quietSettings } = require('./lib/settings');
const { CHROMIUM_FLAGS } = require('./lib/browser');
const { until, freePort, get, portClosed, log } = require('./lib/util');

const REPO = path.resolve(__dirname, '..', '..');
const VSIX = process.env.FAILSAFE_VSIX || path.join(REPO, 'failsafe-flask.vsix');
const PYTHON = process.env.FAILSAFE_PYTHON || path.join(REPO, '.venv', 'bin', 'python');
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(REPO, '.e2e', `several-${process.pid}`);

function appFiles(word, port) {
  return {
    'app.py':
      'from flask import Flask, render_template\n\napp = Flask(__name__)\n\n\n' +
      `@app.route("/")\ndef index():\n    return render_template("index.html", word="${word}")\n`,
    'templates/index.html': '<h1>{{ word }}</h1>\n',
    '.flaskenv': 'FLASK_DEBUG=1\n',
    '.vscode/settings.json': JSON.stringify({ 'failsafeFlask.port': port }, null, 2),
  };
}

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'failsafe-e2e-several-'));
const projects = path.join(runDir, 'projects');
let browser;
let cs;
let failed = false;


/** The status bar item of the app in folder `name` (its id ends with the folder's URI). */
const itemOf = (name) => `/projects/${name}`;

describe('two folders, two apps, in a real VS Code', { timeout: 300_000 }, () => {
  let page;
  let wb;
  const ports = {};

  before(async () => {
    assert.ok(fs.existsSync(VSIX), `no extension package at ${VSIX}: build it with scripts/build-extension.sh`);
    for (const name of ['api', 'admin']) {
      ports[name] = await freePort();
      for (const [rel, text] of Object.entries(appFiles(name, ports[name]))) {
        fs.mkdirSync(path.dirname(path.join(projects, name, rel)), { recursive: true });
        fs.writeFileSync(path.join(projects, name, rel), text);
      }
    }
    const workspace = path.join(projects, 'both.code-workspace');
    fs.writeFileSync(workspace, JSON.stringify({ folders: [{ path: 'api' }, { path: 'admin' }] }));
    const home = path.join(runDir, 'browser-home');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: CHROMIUM_FLAGS,
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
    });
    cs = new CodeServer({ dir: path.join(runDir, 'cs'), extensionsDir: path.join(runDir, 'extensions'), settings: quietSettings({ python: PYTHON }) });
    cs.installExtension(VSIX);
    await cs.start();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(`http://127.0.0.1:${cs.port}/?workspace=${encodeURIComponent(workspace)}`, {
      waitUntil: 'domcontentloaded',
      timeout: 60_000,
    });
    wb = new Workbench(page);
  });

  after(async () => {
    if (failed) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page?.screenshot({ path: path.join(ARTIFACTS, 'several-FAILED.png') }).catch(() => undefined);
      cs?.collectLogs(path.join(ARTIFACTS, 'several-cs'));
      log(`several apps: screenshot and logs in ${ARTIFACTS}`);
    }
    await browser?.close().catch(() => undefined);
    await cs?.stop();
    const left = await reapUnder(projects, 'the projects');
    if (!failed) fs.rmSync(runDir, { recursive: true, force: true });
    assert.deepEqual(left, [], 'processes outlived code-server (killed now)');
  });

  /** The quick input asks the question `title` (the command's own quick pick is open). */
  async function asked(title) {
    await page.waitForFunction(
      (want) => (document.querySelector('.quick-input-widget .quick-input-title')?.textContent ?? '').includes(want),
      title,
      { timeout: 30_000 },
    );
  }

  async function serves(name, word = name) {
    const res = await until(`GET / on ${name}'s :${ports[name]} -> 200`, async () => {
      const r = await get(ports[name], '/');
      return r.status === 200 ? r : undefined;
    });
    assert.match(res.body, new RegExp(`<h1>${word}</h1>`));
  }

  it('starts both, shows each, and an error in one leaves the other serving', async () => {
    try {
      await wb.ready();
      await wb.waitStatus('failsafeFlask.status', 'the item is shown (extension activated)', () => true, { timeout: 60_000 });
      await wb.runCommand('Failsafe Flask: Start', { closes: false });
      await asked('start which app');
      await wb.pickRow('Start All', 'Start All');
      for (const name of ['api', 'admin']) {
        const item = await wb.waitStatus(
          itemOf(name),
          `${name} running on :${ports[name]}`,
          (s) => /running/.test(s.aria) && s.text.includes(`${name} :${ports[name]}`),
          { timeout: 60_000 },
        );
        log(`status ${name}: ${JSON.stringify(item)}`);
        await serves(name);
      }
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'several-both-running.png') });

      // A SyntaxError in admin: admin's item says so, api's keeps running and serving.
      fs.writeFileSync(path.join(projects, 'admin', 'app.py'), 'from flask import Flask\n\napp = Flask(__name__\n');
      await wb.waitStatus(itemOf('admin'), 'admin failed', (s) => /failed/.test(s.aria) && /admin: 1 error/.test(s.text), {
        timeout: 60_000,
      });
      await wb.waitStatus(itemOf('api'), 'api still running', (s) => /running/.test(s.aria));
      await serves('api');
      await page.screenshot({ path: path.join(ARTIFACTS, 'several-one-failed.png') });

      // Stop asks which app (no editor is active); admin stops, api serves on.
      await wb.runCommand('Failsafe Flask: Stop', { closes: false });
      await asked('Stop which app');
      await wb.pickRow('admin', 'admin');
      await until(`admin's port ${ports.admin} closed`, () => portClosed(ports.admin));
      await wb.waitStatus(itemOf('api'), 'api still running', (s) => /running/.test(s.aria));
      await serves('api');
    } catch (err) {
      failed = true;
      throw err;
    }
  });
});
