'use strict';
// The last step of `scripts/run.sh --vscode` (scripts/run-vscode.sh installs everything
// first): code-server with the Failsafe Flask extension on a project, for a person at a
// browser. Runs on Node 24 (code-server's own runtime) with the e2e harness's helpers.
//   node run-vscode.cjs --state DIR --vsix FILE --python PY --project DIR [--port N]
// Prints one line on stdout: the URL to open. Everything else goes to stderr.
// SIGINT / SIGTERM / SIGHUP stop code-server's process group and every process of the
// run (found by an environment mark: the app's groups live in sessions of their own),
// then exit 0; 1 when something could not be stopped or code-server ended by itself.
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const LIB = path.join(__dirname, '..', 'tests', 'e2e', 'lib');
const { CodeServer, processesWithEnv, withDescendants } = require(path.join(LIB, 'codeserver'));
const { quietSettings } = require(path.join(LIB, 'settings'));
const { until, freePort } = require(path.join(LIB, 'util'));

// Every process of the run inherits MARK=<state folder>: that is how they are found.
const MARK = 'FAILSAFE_VSCODE_RUN';
const APP_PORT = 5000; // the extension's default, when free
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function say(line) {
  process.stderr.write(`run-vscode: ${line}\n`);
}

function parseArgs(argv) {
  const o = { port: 8080 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!['state', 'vsix', 'python', 'project', 'port'].includes(key) || argv[i + 1] === undefined) {
      throw new Error(`bad argument ${argv[i]}`);
    }
    o[key] = key === 'port' ? Number(argv[i + 1]) : path.resolve(argv[i + 1]);
  }
  for (const key of ['state', 'vsix', 'python', 'project']) {
    if (!o[key]) throw new Error(`--${key} is required`);
  }
  return o;
}

/** true when nothing listens on 127.0.0.1:port (we could bind it). */
function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function choosePort(wanted, what) {
  if (await portFree(wanted)) return wanted;
  const port = await freePort();
  say(`port ${wanted} is taken: ${what} uses ${port}`);
  return port;
}

/** One run per state folder: a second one would share (and clean up) the first's processes. */
function claimState(state) {
  const pidFile = path.join(state, 'run.pid');
  const other = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : 0);
  if (other && other !== process.pid && isRunVscode(other)) {
    throw new Error(`already running (pid ${other}) with the state folder ${state}: stop it first`);
  }
  fs.writeFileSync(pidFile, String(process.pid));
  process.on('exit', () => fs.rmSync(pidFile, { force: true }));
}

function isRunVscode(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('run-vscode.cjs');
  } catch {
    return false;
  }
}

/** Installs the .vsix unless this very file is the one installed last time. */
function installOnce(cs, vsix, state) {
  const stamp = path.join(state, 'installed-vsix.sha256');
  const hash = crypto.createHash('sha256').update(fs.readFileSync(vsix)).digest('hex');
  const installed = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash;
  const present = fs.existsSync(cs.extensionsDir) && fs.readdirSync(cs.extensionsDir).some((d) => d.includes('failsafe-flask'));
  if (installed && present) return;
  say(`installing ${path.basename(vsix)} into code-server`);
  cs.installExtension(vsix, { force: true });
  fs.writeFileSync(stamp, hash);
}

/**
 * The run's processes: those carrying the mark and their descendants (the extension
 * starts the language server with an environment of its own), and the `known` ones not
 * ended yet (a dying process's environment reads empty while it still holds its sockets).
 */
function runProcesses(mark, known = []) {
  return withDescendants([...new Set([...processesWithEnv(MARK, mark), ...known])]);
}

/** TERM, then KILL, every process of the run; true once none is left. */
async function sweep(mark, known = []) {
  for (const signal of ['SIGTERM', 'SIGKILL']) {
    const left = runProcesses(mark, known);
    if (left.length === 0) return true;
    say(`${signal} to ${left.length} process(es) left by the run: ${left.join(' ')}`);
    for (const pid of left) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile
      }
    }
    const gone = await until('the run to end', () => runProcesses(mark, left).length === 0, { timeout: 5000 }).catch(() => false);
    if (gone) return true;
  }
  return runProcesses(mark, known).length === 0;
}

/** The stop path shared by signals and code-server's own end: once, then exit. */
function makeStop(cs, mark) {
  let stopping;
  const stop = (why, code = 0) => {
    stopping ??= (async () => {
      say(`${why}: stopping code-server and the app`);
      const known = runProcesses(mark);
      await cs.stop();
      const clean = await sweep(mark, known);
      say(clean ? 'stopped; nothing left running' : 'some processes could not be stopped');
      process.exit(clean ? code : 1);
    })();
    return stopping;
  };
  stop.requested = () => stopping !== undefined;
  return stop;
}

/** The workbench URL; the folder stays readable (slashes are fine in a query). */
function workbenchUrl(port, folder) {
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder).replace(/%2F/g, '/')}`;
}

function newCodeServer(o, appPort) {
  return new CodeServer({
    dir: path.join(o.state, 'code-server'),
    extensionsDir: path.join(o.state, 'extensions'),
    settings: quietSettings({ python: o.python, appPort }),
    workspaceTrust: false, // --disable-workspace-trust: the folder opens trusted
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  fs.mkdirSync(o.state, { recursive: true });
  claimState(o.state);
  process.env[MARK] = o.state;
  // Leftovers of a run that was killed without its cleanup (SIGKILL) go first.
  await sweep(o.state);
  const cs = newCodeServer(o, await choosePort(APP_PORT, 'the app'));
  const stop = makeStop(cs, o.state);
  // Ours replace the harness's handlers, which kill at once and exit 130.
  for (const signal of SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, () => stop(signal));
  }
  installOnce(cs, o.vsix, o.state);
  const port = await cs.start({ port: await choosePort(o.port, 'code-server'), timeout: 120_000 }).catch((err) => {
    if (!stop.requested()) return stop(`code-server did not start (${err.message})`, 1);
  });
  if (port === undefined) return; // stopping: stop() exits
  process.stdout.write(`Failsafe Flask in VS Code: ${workbenchUrl(port, o.project)}  (Ctrl+C stops it)\n`);
  const how = await cs.exited;
  if (stop.requested()) return; // the stop we asked for
  say(`code-server exited (${how}); its log: ${cs.logFile}`);
  await stop('code-server ended', 1);
}

main().catch((err) => {
  say(err.message);
  process.exit(1);
});
