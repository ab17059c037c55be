'use strict';
// End to end in a real VS Code (code-server + headless Chromium), issue 13: a project in
// Flask's tutorial layout (a package with create_app, no app.py or wsgi.py) activates
// the extension; Start offers the candidate in a quick pick; choosing it saves
// failsafeFlask.app for the folder, runs the app, and the status bar names it.
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
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(REPO, '.e2e', `discovery-${process.pid}`);
const STATUS_ID = 'failsafeFlask.status';
const CANDIDATE = 'flaskr:create_app';

// Flask's tutorial layout, trimmed: the factory registers a blueprint with a template.
const TUTORIAL = {
  'flaskr/__init__.py':
    'from flask import Flask\n\n\ndef create_app(test_config=None):\n' +
    '    app = Flask(__name__, instance_relative_config=True)\n' +
    '    app.config.from_mapping(SECRET_KEY="dev")\n\n' +
    '    from . import blog\n\n    app.register_blueprint(blog.bp)\n    return app\n',
  'flaskr/blog.py':
    'from flask import Blueprint, render_template\n\nbp = Blueprint("blog", __name__)\n\n\n' +
    '@bp.route("/")\ndef index():\n    return render_template("blog/index.html", title="Tutorial posts")\n',
  'flaskr/templates/blog/index.html': '<h1>{{ title }}</h1>\n',
  'flaskr/static/style.css': 'body { font-family: sans-serif; }\n',
  'tests/conftest.py': 'from flaskr import create_app\n',
  'pyproject.toml': '[project]\nname = "flaskr"\nversion = "1.0.0"\ndependencies = ["flask"]\n',
};

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'failsafe-e2e-discovery-'));
const project = path.join(runDir, 'projects', 'flaskr');
let browser;
let cs;
let failed = false;


describe('a package-layout project in a real VS Code', { timeout: 300_000 }, () => {
  let page;
  let wb;
  let appPort;

  before(async () => {
    assert.ok(fs.existsSync(VSIX), `no extension package at ${VSIX}: build it with scripts/build-extension.sh`);
    for (const [rel, text] of Object.entries(TUTORIAL)) {
      fs.mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
      fs.writeFileSync(path.join(project, rel), text);
    }
    const home = path.join(runDir, 'browser-home');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: CHROMIUM_FLAGS,
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
    });
    appPort = await freePort();
    cs = new CodeServer({ dir: path.join(runDir, 'cs'), extensionsDir: path.join(runDir, 'extensions'), settings: quietSettings({ python: PYTHON, appPort }) });
    cs.installExtension(VSIX);
    await cs.start();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(cs.url(project), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    wb = new Workbench(page);
  });

  after(async () => {
    if (failed) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page?.screenshot({ path: path.join(ARTIFACTS, 'discovery-FAILED.png') }).catch(() => undefined);
      cs?.collectLogs(path.join(ARTIFACTS, 'discovery-cs'));
      log(`discovery: screenshot and logs in ${ARTIFACTS}`);
    }
    await browser?.close().catch(() => undefined);
    await cs?.stop();
    const left = await reapUnder(project, 'the project');
    if (!failed) fs.rmSync(runDir, { recursive: true, force: true });
    assert.deepEqual(left, [], 'processes outlived code-server (killed now)');
  });

  it('activates, offers the candidate, runs the one chosen and names it', async () => {
    try {
      await wb.ready();
      // Activated at start-up by the package at the top (workspaceContains:*/__init__.py).
      await wb.waitStatus(STATUS_ID, 'the item is shown (extension activated)', () => true, { timeout: 60_000 });
      await wb.runCommand('Failsafe Flask: Start');
      await page.waitForSelector('.quick-input-widget .quick-input-title', { state: 'visible', timeout: 60_000 });
      const title = await page.textContent('.quick-input-widget .quick-input-title');
      assert.match(title ?? '', /which app runs in flaskr/);
      await wb.pickRow('flaskr', CANDIDATE);
      const item = await wb.waitStatus(
        STATUS_ID,
        `running ${CANDIDATE} on :${appPort}`,
        (s) => /running/.test(s.aria) && s.text.includes(CANDIDATE) && s.text.includes(`:${appPort}`),
        { timeout: 60_000 },
      );
      log(`status: ${JSON.stringify(item)}`);
      const res = await until(`GET / on :${appPort} -> 200`, async () => {
        const r = await get(appPort, '/');
        return r.status === 200 ? r : undefined;
      });
      assert.match(res.body, /<h1>Tutorial posts<\/h1>/);
      const saved = JSON.parse(fs.readFileSync(path.join(project, '.vscode', 'settings.json'), 'utf8'));
      assert.equal(saved['failsafeFlask.app'], CANDIDATE, 'the choice is saved for the folder');
      await wb.runCommand('Failsafe Flask: Stop');
      await wb.waitStatus(STATUS_ID, 'stopped', (s) => /stopped/.test(s.aria));
      await until(`port ${appPort} closed`, () => portClosed(appPort));
    } catch (err) {
      failed = true;
      throw err;
    }
  });
});
