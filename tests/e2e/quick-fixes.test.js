'use strict';
// End to end in a real VS Code (code-server + headless Chromium), issue 18: a
// ModuleNotFoundError's quick fix. The app imports a module its interpreter lacks; Start
// shows the squiggle; Quick Fix (Ctrl+.) offers to install it; choosing it runs pip as a
// `failsafeFlask` task in a terminal with the app's interpreter; once pip is done the app
// restarts and serves. pip installs from a local wheel (no index) into a throwaway
// virtual environment made by tests/python/venvs.py, never into the repository's .venv.
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
const { until, freePort, get, portClosed, log } = require('./lib/util');

const REPO = path.resolve(__dirname, '..', '..');
const VSIX = process.env.FAILSAFE_VSIX || path.join(REPO, 'failsafe-flask.vsix');
const PYTHON = process.env.FAILSAFE_PYTHON || path.join(REPO, '.venv', 'bin', 'python');
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(REPO, '.e2e', `quick-fixes-${process.pid}`);
const STATUS_ID = 'failsafeFlask.status';
const MODULE = 'fsf_quickfix_demo';
const DIST = 'fsf-quickfix-demo';

const APP =
  'from flask import Flask\nimport fsf_quickfix_demo\n\napp = Flask(__name__)\n\n\n' +
  '@app.get("/")\ndef index():\n    return fsf_quickfix_demo.WORD\n';

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'failsafe-e2e-quickfix-'));
const project = path.join(runDir, 'projects', 'needs-a-package');
const venv = path.join(runDir, 'venv');
const wheels = path.join(runDir, 'wheels');
let browser;
let cs;
let failed = false;

/** The throwaway interpreter (it sees Flask through a .pth) and the wheel pip installs. */
function makeEnvironment() {
  const code =
    'import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import venvs; ' +
    'print(venvs.make_venv(Path(sys.argv[2]))); ' +
    `venvs.make_wheel(Path(sys.argv[3]), "${MODULE}", "WORD = 'installed by the quick fix'\\n")`;
  const out = execFileSync(PYTHON, ['-c', code, path.join(REPO, 'tests', 'python'), venv, wheels], { encoding: 'utf8' });
  return out.trim();
}

describe('a quick fix in a real VS Code', { timeout: 300_000 }, () => {
  let page;
  let wb;
  let appPort;

  before(async () => {
    assert.ok(fs.existsSync(VSIX), `no extension package at ${VSIX}: build it with scripts/build-extension.sh`);
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(path.join(project, 'app.py'), APP);
    const python = makeEnvironment();
    // pip, run by the task in code-server's terminal, inherits these: offline, the folder.
    Object.assign(process.env, { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels, PIP_DISABLE_PIP_VERSION_CHECK: '1' });
    const home = path.join(runDir, 'browser-home');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: CHROMIUM_FLAGS,
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
    });
    appPort = await freePort();
    cs = new CodeServer({ dir: path.join(runDir, 'cs'), extensionsDir: path.join(runDir, 'extensions'), settings: quietSettings({ python, appPort }) });
    cs.installExtension(VSIX);
    await cs.start();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(cs.url(project), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    wb = new Workbench(page);
  });

  after(async () => {
    if (failed) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page?.screenshot({ path: path.join(ARTIFACTS, 'quick-fixes-FAILED.png') }).catch(() => undefined);
      cs?.collectLogs(path.join(ARTIFACTS, 'quick-fixes-cs'));
      log(`quick-fixes: screenshot and logs in ${ARTIFACTS}`);
    }
    await browser?.close().catch(() => undefined);
    await cs?.stop();
    const left = await reapUnder(project, 'the project');
    if (!failed) fs.rmSync(runDir, { recursive: true, force: true });
    assert.deepEqual(left, [], 'processes outlived code-server (killed now)');
  });

  it('installs the missing package with pip in a terminal, and the app comes back', async () => {
    try {
      await wb.ready();
      await wb.waitStatus(STATUS_ID, 'the item is shown (extension activated)', () => true, { timeout: 60_000 });
      await wb.runCommand('Failsafe Flask: Start');
      await wb.waitStatus(STATUS_ID, 'failed: 1 error', (s) => /failed|error/.test(s.aria), { timeout: 60_000 });
      await wb.openFile('app.py');
      await wb.waitSquiggleOn(2);
      await openQuickFixes(page, 2);
      const title = `Install ${DIST}`;
      const row = page.locator('.action-widget .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: 20_000 });
      log(`quick fix: ${await row.textContent()}`);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'quick-fix-menu.png') });
      await row.click();
      // pip runs as a task, in a terminal of its own.
      await page.waitForSelector('.terminal-wrapper, .xterm', { timeout: 30_000 });
      const item = await wb.waitStatus(STATUS_ID, `running on :${appPort}`, (s) => /running/.test(s.aria), { timeout: 120_000 });
      log(`status: ${JSON.stringify(item)}`);
      const res = await until(`GET / on :${appPort} -> 200`, async () => {
        const r = await get(appPort, '/');
        return r.status === 200 ? r : undefined;
      });
      assert.equal(res.body, 'installed by the quick fix');
      const installed = fs.readdirSync(path.join(venv, 'lib')).some((py) => fs.existsSync(path.join(venv, 'lib', py, 'site-packages', `${MODULE}.py`)));
      assert.ok(installed, 'pip installed into the app\'s interpreter');
      await wb.waitNoSquiggle();
      await wb.runCommand('Failsafe Flask: Stop');
      await wb.waitStatus(STATUS_ID, 'stopped', (s) => /stopped/.test(s.aria));
      await until(`port ${appPort} closed`, () => portClosed(appPort));
    } catch (err) {
      failed = true;
      throw err;
    }
  });
});

/** Puts the cursor on `line` (Go to Line, Ctrl+G). */
async function goToLine(page, line) {
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget input.input', { state: 'visible', timeout: 10_000 });
  await page.keyboard.insertText(String(line));
  await page.keyboard.press('Enter');
  await page.waitForSelector('.quick-input-widget', { state: 'hidden', timeout: 10_000 });
}

/** The quick fix menu on `line` (Ctrl+.), retried: the first press may come before the
 * editor has the server's code actions. */
async function openQuickFixes(page, line) {
  await until('the quick fix menu', async () => {
    await goToLine(page, line);
    await page.keyboard.press('Control+.');
    try {
      await page.waitForSelector('.action-widget .monaco-list-row', { state: 'visible', timeout: 3_000 });
      return true;
    } catch {
      await page.keyboard.press('Escape');
      return false;
    }
  }, { timeout: 30_000 });
}
