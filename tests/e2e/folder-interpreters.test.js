'use strict';
// End to end in a real VS Code (code-server + headless Chromium), issue 16: a two-folder
// workspace whose folders each name their own interpreter (failsafeFlask.interpreter in
// the folder's settings: two virtual environments made by tests/python/venvs.py). Start
// All runs both apps in one language server, each with its own interpreter: each serves
// its own sys.executable.
// Run by scripts/test-e2e.sh; same environment variables as failsafe-flask.test.js.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { CodeServer, reapUnder } = require('./lib/codeserver');
const { Workbench } = require('./lib/workbench');
const { quietSettings } = require('./lib/settings');
const { CHROMIUM_FLAGS } = require('./lib/browser');
const { until, freePort, get, log } = require('./lib/util');

const REPO = path.resolve(__dirname, '..', '..');
const VSIX = process.env.FAILSAFE_VSIX || path.join(REPO, 'failsafe-flask.vsix');
const PYTHON = process.env.FAILSAFE_PYTHON || path.join(REPO, '.venv', 'bin', 'python');
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(REPO, '.e2e', `interpreters-${process.pid}`);

const APP =
  'import sys\n\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\n' +
  '@app.route("/")\ndef index():\n    return sys.executable\n';

/** A throwaway virtual environment (it sees Flask through a .pth); its python. */
function makeVenv(where) {
  const code = 'import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import venvs; print(venvs.make_venv(Path(sys.argv[2])))';
  return execFileSync(PYTHON, ['-c', code, path.join(REPO, 'tests', 'python'), where], { encoding: 'utf8' }).trim();
}

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'failsafe-e2e-interpreters-'));
const projects = path.join(runDir, 'projects');
let browser;
let cs;
let failed = false;


/** The status bar item of the app in folder `name` (its id ends with the folder's URI). */
const itemOf = (name) => `/projects/${name}`;

describe('two folders, two interpreters, in a real VS Code', { timeout: 300_000 }, () => {
  let page;
  let wb;
  const ports = {};
  const pythons = {};

  before(async () => {
    assert.ok(fs.existsSync(VSIX), `no extension package at ${VSIX}: build it with scripts/build-extension.sh`);
    for (const name of ['api', 'admin']) {
      ports[name] = await freePort();
      pythons[name] = makeVenv(path.join(runDir, `venv-${name}`));
      const settings = { 'failsafeFlask.port': ports[name], 'failsafeFlask.interpreter': pythons[name] };
      fs.mkdirSync(path.join(projects, name, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(projects, name, 'app.py'), APP);
      fs.writeFileSync(path.join(projects, name, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
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
      await page?.screenshot({ path: path.join(ARTIFACTS, 'interpreters-FAILED.png') }).catch(() => undefined);
      cs?.collectLogs(path.join(ARTIFACTS, 'interpreters-cs'));
      log(`folder interpreters: screenshot and logs in ${ARTIFACTS}`);
    }
    await browser?.close().catch(() => undefined);
    await cs?.stop();
    const left = await reapUnder(projects, 'the projects');
    if (!failed) fs.rmSync(runDir, { recursive: true, force: true });
    assert.deepEqual(left, [], 'processes outlived code-server (killed now)');
  });

  it("runs each folder's app with that folder's interpreter", async () => {
    try {
      await wb.ready();
      await wb.waitStatus('failsafeFlask.status', 'the item is shown (extension activated)', () => true, { timeout: 60_000 });
      await wb.runCommand('Failsafe Flask: Start', { closes: false });
      await page.waitForFunction(
        () => (document.querySelector('.quick-input-widget .quick-input-title')?.textContent ?? '').includes('start which app'),
        undefined,
        { timeout: 30_000 },
      );
      await wb.pickRow('Start All', 'Start All');
      for (const name of ['api', 'admin']) {
        await wb.waitStatus(itemOf(name), `${name} running`, (s) => /running/.test(s.aria), { timeout: 60_000 });
        const res = await until(`GET / on ${name}'s :${ports[name]} -> 200`, async () => {
          const r = await get(ports[name], '/');
          return r.status === 200 ? r : undefined;
        });
        log(`${name} runs with ${res.body}`);
        assert.equal(res.body, pythons[name], `${name} runs with its own interpreter`);
      }
    } catch (err) {
      failed = true;
      throw err;
    }
  });
});
