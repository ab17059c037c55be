'use strict';
// `failsafe-flask run` from the repository's .venv on a copy of a project, in its own
// process group (ended as a group), for tests and benchmarks that need only a browser.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { until, freePort, get, portClosed, copyTree } = require('./util');

const REPO = path.resolve(__dirname, '..', '..', '..');
const FAILSAFE = process.env.FAILSAFE_FLASK || path.join(REPO, '.venv', 'bin', 'failsafe-flask');

/** Copies `fixture` to a fresh folder and serves it; resolves once `/` answers 200. */
async function startApp(fixture, args = []) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'failsafe-live-'));
  copyTree(fixture, root);
  const port = await freePort();
  const child = spawn(FAILSAFE, ['run', '--port', String(port), ...args], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const app = { root, port, child, output: '', url: `http://127.0.0.1:${port}` };
  child.stdout.on('data', (d) => (app.output += d));
  child.stderr.on('data', (d) => (app.output += d));
  await until(`the app on :${port} (output: ${app.output})`, async () => (await get(port, '/')).status === 200, {
    timeout: 60_000,
  });
  return app;
}

/** Writes a file of the app's project, as an editor's save does (no editor: the watcher sees it). */
function save(app, rel, text) {
  fs.writeFileSync(path.join(app.root, rel), text);
}

/** Ends the whole group (SIGTERM, then SIGKILL) and waits for the port to close. */
async function stopApp(app) {
  if (!app) return;
  for (const signal of ['SIGTERM', 'SIGKILL']) {
    try {
      process.kill(-app.child.pid, signal);
    } catch {
      break; // gone
    }
    try {
      await until('the app to stop', () => portClosed(app.port), { timeout: 10_000 });
      break;
    } catch {
      // escalate
    }
  }
  fs.rmSync(app.root, { recursive: true, force: true });
}

module.exports = { REPO, startApp, save, stopApp };
