'use strict';
// End to end in a real VS Code (code-server + headless Chromium), issue 14: "Failsafe
// Flask: Debug" from the palette runs the app under the debugger; a breakpoint set by a
// click in the gutter of a view is hit when the route is requested (the editor paused on
// that line, the call stack naming the view); Continue lets the response through. After a
// save the new app process stops at the same breakpoint in the same session; a SyntaxError
// saved while debugging is a squiggle, and saving its fix resumes debugging. The debug
// toolbar's Restart restarts the app in the same session. A breakpoint in a Jinja template
// is hit too. Ending the debug session stops the app. The README's docs/debug-vscode.png and docs/debug-vscode-error.png
// are copies of this run's debug-paused-0.png and debug-syntax-error.png (in E2E_ARTIFACTS).
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
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(REPO, '.e2e', `debug-${process.pid}`);
const STATUS_ID = 'failsafeFlask.status';

/**
 * app.py, with `suffix` in the responses; the breakpoint goes on the return line (8).
 * /version has no breakpoint: it tells when the new code is served.
 */
function appSource(suffix) {
  return (
    'from flask import Flask, render_template\n\napp = Flask(__name__)\n\n' +
    '@app.route("/items/<int:n>")\ndef item(n):\n    doubled = n * 2\n' +
    `    return f"item {doubled}${suffix}"\n\n\n` +
    `@app.route("/version")\ndef version():\n    return "v${suffix}"\n\n\n` +
    '@app.route("/page")\ndef page():\n    return render_template("page.html", doubled=42)\n'
  );
}
/** The template /page renders; its breakpoint goes on line 2. */
const TEMPLATE = '<h1>Page</h1>\n<p>{{ doubled }}</p>\n';
const BREAK_LINE = 8;
const VERSION_LINE = 13;

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'failsafe-e2e-debug-'));
const project = path.join(runDir, 'projects', 'shop');
let browser;
let cs;
let failed = false;

/** The 1-based line the debugger's "current line" arrow (the paused frame) is on, or undefined. */
async function pausedLine(page) {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    const arrow = editor?.querySelector('.margin [class*="codicon-debug-stackframe"]');
    if (!arrow) return undefined;
    const mid = (arrow.getBoundingClientRect().top + arrow.getBoundingClientRect().bottom) / 2;
    const numbers = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')];
    const hit = numbers.find((n) => n.getBoundingClientRect().top <= mid && mid <= n.getBoundingClientRect().bottom);
    return hit ? Number(hit.textContent.trim()) : undefined;
  });
}

async function callStack(page) {
  return page.$$eval('.debug-call-stack .monaco-list-row', (rows) => rows.map((r) => r.textContent.replace(/\s+/g, ' ').trim()));
}

/** Clicks the gutter (glyph margin) of `line` in the active editor, as a user sets a breakpoint. */
async function clickGutter(page, line) {
  const box = await page.evaluate((want) => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    const number = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].find((n) => n.textContent.trim() === String(want));
    const glyphs = editor.querySelector('.glyph-margin') ?? editor.querySelector('.margin');
    if (!number || !glyphs) return undefined;
    const n = number.getBoundingClientRect();
    const g = glyphs.getBoundingClientRect();
    return { x: g.left + Math.min(g.width, 18) / 2, y: (n.top + n.bottom) / 2 };
  }, line);
  assert.ok(box, `line ${line} is on screen`);
  await page.mouse.move(box.x, box.y);
  await page.mouse.click(box.x, box.y);
}

/**
 * The lines of the active editor with a breakpoint; `verified`: only those the debugger has
 * confirmed (a breakpoint shows at once, unverified, before the debugger has it).
 */
async function breakpointLines(page, { verified = false } = {}) {
  return page.evaluate((onlyVerified) => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    const numbers = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')];
    const selector = onlyVerified ? '.margin .codicon-debug-breakpoint' : '.margin [class*="codicon-debug-breakpoint"]';
    return [...editor.querySelectorAll(selector)].flatMap((b) => {
      const mid = (b.getBoundingClientRect().top + b.getBoundingClientRect().bottom) / 2;
      const hit = numbers.find((n) => n.getBoundingClientRect().top <= mid && mid <= n.getBoundingClientRect().bottom);
      return hit ? [Number(hit.textContent.trim())] : [];
    });
  }, verified);
}

describe('debugging with breakpoints in a real VS Code', { timeout: 420_000 }, () => {
  let page;
  let wb;
  let appPort;

  const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `debug-${name}.png`) });

  /** Requests /items/21 (it waits while the debugger holds the view), sees the editor paused on the breakpoint, continues. */
  async function hitAndContinue(expected) {
    // The new code is served (not the old process's, while it ends): then the view is asked for.
    await until(`/version -> v${expected}`, async () => (await get(appPort, '/version')).body === `v${expected}`, { timeout: 60_000 });
    const reply = get(appPort, '/items/21', { timeout: 120_000 });
    reply.catch(() => undefined);
    let seen;
    await until(
      `the editor paused on line ${BREAK_LINE}`,
      async () => (seen = await pausedLine(page)) === BREAK_LINE,
      { timeout: 60_000 },
    ).catch((err) => {
      err.message += ` (paused line: ${seen})`;
      throw err;
    });
    const stack = await until('the call stack naming the view', async () => {
      const rows = await callStack(page);
      if (rows.some((r) => r.startsWith('item') && r.includes('app.py'))) return rows; // the frame's row: name, file, line
      // The paused thread's frames show once its row is expanded (VS Code may leave it closed).
      const paused = page.locator('.debug-call-stack .monaco-list-row[aria-expanded="false"]:has-text("paused on breakpoint")');
      if (await paused.count()) {
        await paused.first().click();
        await page.keyboard.press('ArrowRight'); // a click selects the row; the arrow key opens it
      }
      return undefined;
    });
    log(`call stack: ${JSON.stringify(stack)}`);
    await page.waitForSelector('.debug-toolbar .codicon-debug-continue', { timeout: 10_000 });
    await shot(`paused-${expected.length}`);
    await page.click('.debug-toolbar .codicon-debug-continue');
    const res = await reply;
    assert.equal(res.status, 200);
    assert.equal(res.body, `item 42${expected}`);
  }

  /**
   * Types at the end of `line` of the active editor (after `left` steps back, `erase`
   * characters removed), as a user edits: the breakpoints stay on their lines (replacing
   * the whole text would move them).
   */
  async function editLine(line, { left = 0, erase = 0, text = '' }) {
    await wb.focusEditor();
    await wb.openQuickInput('Control+G', ':');
    await page.keyboard.type(String(line));
    await page.keyboard.press('Enter');
    await page.waitForSelector('.quick-input-widget', { state: 'hidden', timeout: 10_000 });
    await wb.focusEditor();
    await page.keyboard.press('End');
    for (let i = 0; i < left; i += 1) await page.keyboard.press('ArrowLeft');
    for (let i = 0; i < erase; i += 1) await page.keyboard.press('Backspace');
    if (text) await page.keyboard.type(text);
  }

  /** Adds "!" to both responses (before their closing quotes). */
  async function exclaim() {
    await editLine(BREAK_LINE, { left: 1, text: '!' });
    await editLine(VERSION_LINE, { left: 1, text: '!' });
  }

  async function save() {
    await page.waitForSelector('.tab.active.dirty', { timeout: 10_000 });
    await page.keyboard.press('Control+S');
    await page.waitForSelector('.tab.active.dirty', { state: 'detached', timeout: 10_000 });
  }

  /** The newest app process the debug session attached to (1 = the first), from the extension's log. */
  function generation() {
    const logs = path.join(cs.userDataDir, 'logs');
    let newest = 1;
    for (const run of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
      const file = path.join(logs, run, 'exthost1', 'failsafe-flask.failsafe-flask', 'Failsafe Flask.log');
      if (!fs.existsSync(file)) continue;
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/Attaching to the new app process \(generation (\d+)\)/g)) {
        newest = Math.max(newest, Number(m[1]));
      }
    }
    return newest;
  }

  before(async () => {
    assert.ok(fs.existsSync(VSIX), `no extension package at ${VSIX}: build it with scripts/build-extension.sh`);
    fs.mkdirSync(project, { recursive: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(project, 'app.py'), appSource(''));
    fs.mkdirSync(path.join(project, 'templates'));
    fs.writeFileSync(path.join(project, 'templates', 'page.html'), TEMPLATE);
    const home = path.join(runDir, 'browser-home');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: CHROMIUM_FLAGS,
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
    });
    appPort = await freePort();
    const settings = {
      ...quietSettings({ python: PYTHON, appPort }),
      'files.autoSave': 'off',
      'failsafeFlask.liveReload': false,
      // Typing in the test must land as typed.
      'editor.autoClosingBrackets': 'never',
      'editor.autoClosingQuotes': 'never',
      'editor.autoIndent': 'none',
      'editor.formatOnSave': false,
    };
    cs = new CodeServer({ dir: path.join(runDir, 'cs'), extensionsDir: path.join(runDir, 'extensions'), settings });
    cs.installExtension(VSIX);
    await cs.start();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(cs.url(project), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    wb = new Workbench(page);
  });

  after(async () => {
    if (failed) {
      await page?.screenshot({ path: path.join(ARTIFACTS, 'debug-FAILED.png') }).catch(() => undefined);
      cs?.collectLogs(path.join(ARTIFACTS, 'debug-cs'));
      log(`debug: screenshot and logs in ${ARTIFACTS}`);
    }
    await browser?.close().catch(() => undefined);
    await cs?.stop();
    const left = await reapUnder(project, 'the project');
    if (!failed) fs.rmSync(runDir, { recursive: true, force: true });
    assert.deepEqual(left, [], 'processes outlived code-server (killed now)');
  });

  it('stops at a gutter breakpoint, again after a save, a fixed SyntaxError and Restart; ending the session stops the app', async () => {
    try {
      await wb.ready();
      await wb.waitStatus(STATUS_ID, 'the item is shown (extension activated)', () => true, { timeout: 60_000 });
      await wb.openFile('app.py');
      await wb.runCommand('Failsafe Flask: Debug');
      await wb.waitStatus(STATUS_ID, `running on :${appPort}`, (s) => /running/.test(s.aria) && s.text.includes(`:${appPort}`), { timeout: 90_000 });
      await page.waitForSelector('.debug-toolbar', { timeout: 30_000 });
      await wb.focusEditor();
      await clickGutter(page, BREAK_LINE);
      await until(`a verified breakpoint on line ${BREAK_LINE}`, async () => (await breakpointLines(page, { verified: true })).includes(BREAK_LINE));

      log('1: the breakpoint is hit in the first app process');
      await hitAndContinue('');

      log('1b: a breakpoint in a Jinja template');
      await wb.openFile('templates/page.html');
      await clickGutter(page, 2);
      await until('a breakpoint on line 2 of the template', async () => (await breakpointLines(page)).includes(2));
      // A template breakpoint stays unverified until the template is compiled: the page is
      // asked for until one request stops there (the first may come before the debugger has it).
      let rendered;
      await until(
        'the template editor paused on line 2',
        async () => {
          if ((await pausedLine(page)) === 2) return true;
          if (!rendered) {
            rendered = get(appPort, '/page', { timeout: 120_000 });
            rendered.then(() => (rendered = undefined), () => undefined);
          }
          return false;
        },
        { timeout: 60_000 },
      );
      const held = rendered; // the request the debugger holds
      await shot('paused-template');
      await page.click('.debug-toolbar .codicon-debug-continue');
      assert.match((await held).body, /<p>42<\/p>/);
      await wb.openFile('app.py');

      log('2: a save restarts the app; the same breakpoint is hit in the new process');
      await exclaim();
      await save();
      await hitAndContinue('!');

      log('3: a SyntaxError while debugging is a squiggle; its fix resumes debugging');
      await editLine(7, { text: ' +' }); // doubled = n * 2 +
      await save();
      await wb.waitSquiggleOn(7, { timeout: 60_000 });
      await wb.waitStatus(STATUS_ID, 'failed', (s) => /failed/.test(s.aria), { timeout: 60_000 });
      await shot('syntax-error');
      assert.ok(await page.$('.debug-toolbar'), 'the debug session goes on');
      await editLine(7, { erase: 2 });
      await exclaim();
      await save();
      await wb.waitNoSquiggle({ timeout: 60_000 });
      await hitAndContinue('!!');

      log("4: the debug toolbar's Restart restarts the app, in the same session");
      const before = generation();
      await page.click('.debug-toolbar .codicon-debug-restart');
      await until('the session attached to a new app process', () => generation() > before, { timeout: 60_000 });
      await hitAndContinue('!!');
      assert.equal(await page.$$eval('.debug-toolbar', (bars) => bars.length), 1, 'one debug session');

      log('5: ending the debug session stops the app');
      await page.click('.debug-toolbar .codicon-debug-stop, .debug-toolbar .codicon-debug-disconnect');
      await wb.waitStatus(STATUS_ID, 'stopped', (s) => /stopped/.test(s.aria), { timeout: 60_000 });
      await until(`port ${appPort} closed`, () => portClosed(appPort));
      await page.waitForSelector('.debug-toolbar', { state: 'hidden', timeout: 30_000 });
    } catch (err) {
      failed = true;
      throw err;
    }
  });
});
