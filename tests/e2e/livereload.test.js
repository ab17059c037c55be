'use strict';
// Live reload (issue 15) in headless Chromium against a real app under `failsafe-flask
// run`: the open page follows a view save, a template save and a stylesheet save (typed
// text and scroll kept), a crash shows the error page and the fix brings the real page
// back, all without the test navigating; with debug off no script is injected; JSON and
// a download are byte-identical with and without the feature; a page with a CSP works.
//   node --test tests/e2e/livereload.test.js   (after scripts/setup-python.sh and setup-e2e.sh)
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { launchChromium } = require('./lib/browser');
const { startApp, save, stopApp } = require('./lib/failsafe');
const { until } = require('./lib/util');

const SHOP = path.join(__dirname, 'fixtures', 'shop');
const VIEWS = fs.readFileSync(path.join(SHOP, 'shop', 'views.py'), 'utf8');
const TEMPLATE = fs.readFileSync(path.join(SHOP, 'shop', 'templates', 'home.html'), 'utf8');
const SCRIPT_MARK = '__failsafe-flask__';
const SHOWN = { timeout: 30_000, interval: 50 };

/** The raw bytes and headers of a GET, for byte-for-byte comparison. */
function raw(port, urlPath) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

/** A page value read again until it is as expected: the page reloads by itself meanwhile. */
function shows(page, what, read, expected) {
  return until(what, async () => (await page.evaluate(read).catch(() => undefined)) === expected, SHOWN);
}

const message = () => document.querySelector('#message')?.textContent;

describe('live reload in a real browser', () => {
  let browser, home, app, plain;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'failsafe-chromium-'));
    browser = await launchChromium(home);
    app = await startApp(SHOP);
  });

  after(async () => {
    await browser?.close();
    await stopApp(app);
    await stopApp(plain);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('follows a view save, a template save and a stylesheet save', async () => {
    const page = await browser.newPage();
    await page.goto(app.url + '/');
    assert.equal(await page.evaluate(message), 'first');

    save(app, 'shop/views.py', VIEWS.replace('MESSAGE = "first"', 'MESSAGE = "second"'));
    await shows(page, 'the view save on the page', message, 'second');

    save(app, 'shop/templates/home.html', TEMPLATE.replace('Welcome', 'Welcome back'));
    await shows(page, 'the template save on the page', () => document.querySelector('#tagline')?.textContent, 'Welcome back');

    await page.fill('#name', 'typed by hand');
    await page.evaluate(() => { window.scrollTo(0, 500); window.notReloaded = true; });
    const colour = () => getComputedStyle(document.querySelector('#message')).color;
    assert.equal(await page.evaluate(colour), 'rgb(0, 0, 255)');
    save(app, 'shop/static/css/site.css', 'h1 { color: rgb(255, 0, 0); }\n.spacer { height: 3000px; }\n');
    await shows(page, 'the new stylesheet applied', colour, 'rgb(255, 0, 0)');
    assert.equal(await page.inputValue('#name'), 'typed by hand');
    assert.equal(await page.evaluate(() => window.notReloaded), true);
    assert.equal(await page.evaluate(() => window.scrollY), 500);
    await page.close();
  });

  it('shows the error page on a crash and the real page after the fix', async () => {
    const page = await browser.newPage();
    await page.goto(app.url + '/');
    const good = fs.readFileSync(path.join(app.root, 'shop', 'views.py'), 'utf8');
    save(app, 'shop/views.py', good + '\ndef broken(:\n');
    await shows(page, 'the error page', () => document.title, 'Failsafe Flask: app failed to load');
    save(app, 'shop/views.py', good.replace(/MESSAGE = "\w+"/, 'MESSAGE = "fixed"'));
    await shows(page, 'the real page after the fix', message, 'fixed');
    await page.close();
  });

  it('keeps working on a page with a Content-Security-Policy', async () => {
    const page = await browser.newPage();
    const violations = [];
    page.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
    await page.goto(app.url + '/strict');
    const text = fs.readFileSync(path.join(app.root, 'shop', 'templates', 'home.html'), 'utf8');
    save(app, 'shop/templates/home.html', text.replace(/Welcome[^<]*/, 'Strict welcome'));
    await shows(page, 'the template save on the CSP page', () => document.querySelector('#tagline')?.textContent, 'Strict welcome');
    assert.deepEqual(violations, []);
    await page.close();
  });

  it('injects nothing with debug off; JSON and a download are byte-identical', async () => {
    plain = await startApp(SHOP, ['--no-debug']);
    const page = await browser.newPage();
    const response = await page.goto(plain.url + '/');
    assert.ok(!(await response.text()).includes(SCRIPT_MARK));
    await page.close();
    const off = await startApp(SHOP, ['--no-live-reload']);
    try {
      for (const urlPath of ['/api/items', '/download']) {
        const [on, without] = [await raw(app.port, urlPath), await raw(off.port, urlPath)];
        assert.ok(on.body.equals(without.body), urlPath);
        assert.equal(on.headers['content-length'], without.headers['content-length']);
        assert.equal(on.headers['content-type'], without.headers['content-type']);
      }
      assert.ok(!(await raw(off.port, '/')).body.toString().includes(SCRIPT_MARK));
      assert.ok((await raw(app.port, '/')).body.toString().includes(SCRIPT_MARK));
    } finally {
      await stopApp(off);
    }
  });
});
