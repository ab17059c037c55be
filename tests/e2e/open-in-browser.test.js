'use strict';
// Open in Browser in browser-based VS Code (issue 15, point 3), in a real code-server and
// headless Chromium: the command opens the app through code-server's own proxy
// (/absproxy/<port>/, which forwards the full path; the extension has the app served under
// that prefix); the page is styled by its stylesheet (a url_for link), a link to another
// route stays inside the proxy, and a save in the editor reloads the open page (live
// reload through the proxy). Then the same in the Simple Browser tab
// (failsafeFlask.browser: simpleBrowser).
// Run by scripts/test-e2e.sh; same environment variables as failsafe-flask.test.js.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { CodeServer, reapUnder } = require('./lib/codeserver');
const { Workbench } = require('./lib/workbench');
const { quietSettings } = require('./lib/settings');
const { launchChromium } = require('./lib/browser');
const { until, freePort, copyTree, log } = require('./lib/util');

const REPO = path.resolve(__dirname, '..', '..');
const VSIX = process.env.FAILSAFE_VSIX || path.join(REPO, 'failsafe-flask.vsix');
const PYTHON = process.env.FAILSAFE_PYTHON || path.join(REPO, '.venv', 'bin', 'python');
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(REPO, '.e2e', `open-in-browser-${process.pid}`);
const STATUS_ID = 'failsafeFlask.status';
const STYLED = 'rgb(0, 102, 153)'; // h1's colour in examples/hello/hello/static/site.css
const INIT = fs.readFileSync(path.join(REPO, 'examples', 'hello', 'hello', '__init__.py'), 'utf8');
const SHOWN = { timeout: 30_000, interval: 100 };

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'failsafe-e2e-open-'));
const project = path.join(runDir, 'projects', 'hello');

/** Text and colour of the page's h1 in `frame` (a page or a frame), or undefined. */
function heading(frame) {
  return frame
    .evaluate(() => {
      const h1 = document.querySelector('h1');
      return h1 ? { text: h1.textContent.trim(), colour: getComputedStyle(h1).color } : undefined;
    })
    .catch(() => undefined);
}

/** Waits until `frame()` (looked up again each time) shows an h1 with `text`, styled. */
async function showsHeading(what, frame, text) {
  let seen;
  try {
    return await until(
      what,
      async () => {
        const f = frame();
        seen = f && (await heading(f));
        return seen?.text === text && seen.colour === STYLED;
      },
      SHOWN,
    );
  } catch (err) {
    err.message += ` (last seen: ${JSON.stringify(seen)})`;
    throw err;
  }
}

describe('Open in Browser in browser-based VS Code (code-server)', { timeout: 300_000 }, () => {
  let browser, cs, page, wb, appPort, appRoot;
  let failed = false;

  /** Types `greeting` into hello/__init__.py in the editor and saves: a restart. */
  async function saveGreeting(greeting) {
    await wb.openFile('hello/__init__.py');
    const text = INIT.replace('Hello from Failsafe Flask', greeting);
    await wb.replaceAndSave(text);
    assert.equal(fs.readFileSync(path.join(project, 'hello', '__init__.py'), 'utf8'), text);
  }

  before(async () => {
    assert.ok(fs.existsSync(VSIX), `no extension package at ${VSIX}: build it with scripts/build-extension.sh`);
    copyTree(path.join(REPO, 'examples', 'hello'), project);
    browser = await launchChromium(path.join(runDir, 'browser-home'));
    appPort = await freePort();
    const settings = { ...quietSettings({ python: PYTHON, appPort }), 'files.autoSave': 'off', 'editor.autoIndent': 'none' };
    cs = new CodeServer({ dir: path.join(runDir, 'cs'), extensionsDir: path.join(runDir, 'extensions'), settings });
    cs.installExtension(VSIX);
    await cs.start();
    appRoot = `http://127.0.0.1:${cs.port}/absproxy/${appPort}/`;
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(cs.url(project), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    wb = new Workbench(page);
  });

  after(async () => {
    if (failed) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page?.screenshot({ path: path.join(ARTIFACTS, 'open-in-browser-FAILED.png') }).catch(() => undefined);
      cs?.collectLogs(path.join(ARTIFACTS, 'open-in-browser-cs'));
      log(`open-in-browser: screenshot and logs in ${ARTIFACTS}`);
    }
    await browser?.close().catch(() => undefined);
    await cs?.stop();
    const left = await reapUnder(project, 'the project');
    if (!failed) fs.rmSync(runDir, { recursive: true, force: true });
    assert.deepEqual(left, [], 'processes outlived code-server (killed now)');
  });

  /** Marks a failure for the after hook (screenshot, logs). */
  const marked = (fn) => async () => {
    try {
      await fn();
    } catch (err) {
      failed = true;
      throw err;
    }
  };

  it(
    'opens the styled page through the proxy; a link works; a save reloads it',
    marked(async () => {
      await wb.ready();
      await wb.waitStatus(STATUS_ID, 'the item is shown (extension activated)', () => true, { timeout: 60_000 });
      await wb.runCommand('Failsafe Flask: Start');
      await wb.waitStatus(STATUS_ID, `running on :${appPort}`, (s) => /running/.test(s.aria) && s.text.includes(`:${appPort}`), {
        timeout: 60_000,
      });
      const opened = page.context().waitForEvent('page', { timeout: 30_000 });
      await wb.runCommand('Failsafe Flask: Open in Browser');
      const tab = await opened;
      await tab.waitForLoadState('domcontentloaded', { timeout: 30_000 });
      log(`Open in Browser opened ${tab.url()}`);
      assert.equal(tab.url(), appRoot, "code-server's full-path proxy route");
      await showsHeading('the styled page', () => tab, 'Hello from Failsafe Flask');

      await tab.click('#about');
      await showsHeading('the About page, styled', () => tab, 'About');
      assert.equal(tab.url(), `${appRoot}about`, 'the link stayed inside the proxy');
      await tab.click('#home');
      await showsHeading('the home page again', () => tab, 'Hello from Failsafe Flask');

      await saveGreeting('Hello through the proxy');
      await showsHeading('the save on the open page, by itself', () => tab, 'Hello through the proxy');
      assert.equal(tab.url(), appRoot);
      await tab.close();
    }),
  );

  it(
    'does the same in the Simple Browser tab',
    marked(async () => {
      fs.mkdirSync(path.join(project, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(project, '.vscode', 'settings.json'), JSON.stringify({ 'failsafeFlask.browser': 'simpleBrowser' }));
      const appFrame = () => page.frames().find((f) => f.url().startsWith(appRoot));
      const simpleTab = () => page.$('.tab[aria-label^="Simple Browser"]');
      // VS Code reads the settings file changed on disk a moment later: until it has,
      // the command still opens the external browser (that tab is closed, and it is run
      // again). Once the Simple Browser's tab is there, its page is waited for, not opened
      // again: each run navigates it anew, and a webview slow to load would never get to
      // show the app.
      const openInSimpleBrowser = () =>
        until(
          'Open in Browser to use the Simple Browser',
          async () => {
            const popup = page.context().waitForEvent('page', { timeout: 3000 }).catch(() => undefined);
            await wb.runCommand('Failsafe Flask: Open in Browser');
            if (await until('the Simple Browser tab', simpleTab, { timeout: 3000 }).catch(() => undefined)) return true;
            await (await popup)?.close();
            return false;
          },
          { timeout: 60_000, interval: 200 },
        );
      // code-server's first webview of a session sometimes never loads at all (a blank
      // tab, no request reaching code-server's proxy; seen in about half of the full e2e
      // runs on 2026-12-06, never when this file ran alone): a new tab is opened then, at
      // most twice, and the log says so.
      for (let attempt = 1; ; attempt += 1) {
        await openInSimpleBrowser();
        const shown = await until('the app in a frame of the Simple Browser', appFrame, { timeout: 10_000 }).catch((err) => err);
        if (!(shown instanceof Error)) break;
        if (attempt === 3) throw shown;
        log(`open-in-browser: the Simple Browser stayed blank (attempt ${attempt}); closing its tab, opening it again`);
        await wb.runCommand('View: Close Editor');
        await until('the Simple Browser tab closed', async () => !(await simpleTab()), { timeout: 10_000 });
      }
      await showsHeading('the styled page in the Simple Browser', appFrame, 'Hello through the proxy');
      await saveGreeting('Hello in the Simple Browser');
      await showsHeading('the save in the Simple Browser, by itself', appFrame, 'Hello in the Simple Browser');
    }),
  );
});
