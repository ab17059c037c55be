'use strict';
// code-server (VS Code in the browser, from npm) in a throw-away run folder: its config,
// user data, extensions and XDG folders all live there, so nothing is written under the
// home folder. Started in its own process group and ended by killing the whole group
// (the extension host and the language server can outlive a plain kill of the parent).
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { until, freePort, get, log } = require('./util');

const ENTRY = path.join(__dirname, '..', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

// Leader of code-server's process group: starts it, forwards TERM/INT, and kills the whole
// group (itself included) once code-server has exited or the test process ($1) is gone.
const GUARD = `
parent=$1; shift
"$@" &
cs=$!
trap 'kill -TERM "$cs" 2>/dev/null; wait "$cs"; kill -KILL 0' TERM INT
while kill -0 "$parent" 2>/dev/null && kill -0 "$cs" 2>/dev/null; do sleep 1; done
kill -KILL 0
`;

/** Every live code-server group, killed on exit/SIGINT/SIGTERM even when a test throws. */
const live = new Set();
function killAllSync() {
  for (const cs of live) cs.killSync();
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: killing code-server process groups`);
    killAllSync();
    process.exit(130);
  });
}

class CodeServer {
  /**
   * @param {object} o
   * @param {string} o.dir       run folder of this instance (created)
   * @param {string} o.extensionsDir  shared extensions folder
   * @param {object} o.settings  User/settings.json content
   * @param {boolean} o.trust    false: pass --disable-workspace-trust (no trust prompt)
   */
  constructor({ dir, extensionsDir, settings, workspaceTrust = false }) {
    this.dir = dir;
    this.extensionsDir = extensionsDir;
    this.userDataDir = path.join(dir, 'user-data');
    this.config = path.join(dir, 'config.yaml');
    this.logFile = path.join(dir, 'code-server.log');
    this.workspaceTrust = workspaceTrust;
    this.proc = undefined;
    this.port = undefined;
    for (const d of ['user-data/User', 'xdg/config', 'xdg/data', 'xdg/cache', 'home']) {
      fs.mkdirSync(path.join(dir, d), { recursive: true });
    }
    fs.mkdirSync(extensionsDir, { recursive: true });
    fs.writeFileSync(this.config, 'auth: none\ncert: false\n');
    fs.writeFileSync(path.join(this.userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  }

  env() {
    return {
      ...process.env,
      HOME: path.join(this.dir, 'home'),
      XDG_CONFIG_HOME: path.join(this.dir, 'xdg', 'config'),
      XDG_DATA_HOME: path.join(this.dir, 'xdg', 'data'),
      XDG_CACHE_HOME: path.join(this.dir, 'xdg', 'cache'),
      // The editor's own environment must not leak into the one under test.
      VSCODE_IPC_HOOK_CLI: '',
      PASSWORD: '',
    };
  }

  baseArgs() {
    return [
      ENTRY,
      '--config', this.config,
      '--user-data-dir', this.userDataDir,
      '--extensions-dir', this.extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
    ];
  }

  /**
   * `code-server --install-extension file.vsix` into this instance's folders; `force`
   * replaces an installed copy of the same version (a rebuilt .vsix).
   */
  installExtension(vsix, { force = false } = {}) {
    const args = [...this.baseArgs(), '--install-extension', vsix, ...(force ? ['--force'] : [])];
    const out = execFileSync(process.execPath, args, {
      env: this.env(),
      encoding: 'utf8',
      timeout: 120_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    log(`install-extension: ${out.trim().split('\n').pop()}`);
  }

  /** Starts on `port` (default: a free one) in a new process group and waits for /healthz. */
  async start({ timeout = 60_000, port } = {}) {
    this.port = port ?? (await freePort());
    const args = [
      ...this.baseArgs(),
      '--bind-addr', `127.0.0.1:${this.port}`,
      '--auth', 'none',
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ];
    if (!this.workspaceTrust) args.push('--disable-workspace-trust');
    const logFd = fs.openSync(this.logFile, 'a');
    // The group's leader is a small guard: it ends the whole group when code-server exits
    // or when this test process is gone, even by SIGKILL (then no handler of ours runs).
    this.proc = spawn('bash', ['-c', GUARD, 'e2e-guard', String(process.pid), process.execPath, ...args], {
      env: this.env(),
      cwd: this.dir,
      detached: true, // setsid: its own process group, killed as a whole
      stdio: ['ignore', logFd, logFd],
    });
    fs.closeSync(logFd);
    live.add(this);
    const exited = new Promise((resolve) => this.proc.once('exit', (code, sig) => resolve(`${code ?? sig}`)));
    this.exited = exited;
    let gone;
    exited.then((how) => (gone = how));
    await until(
      `code-server /healthz on :${this.port}`,
      async () => {
        if (gone !== undefined) throw new Error(`code-server exited (${gone}); see ${this.logFile}`);
        const res = await get(this.port, '/healthz', { timeout: 2000 });
        return res.status === 200;
      },
      { timeout },
    );
    log(`code-server up on :${this.port} (pid ${this.proc.pid}, trust ${this.workspaceTrust ? 'on' : 'off'})`);
    return this.port;
  }

  url(folder) {
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(folder)}`;
  }

  /** TERM the whole group, then KILL it if it lingers; waits for the leader to exit. */
  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) {
      this.killGroup('SIGKILL'); // leftovers of an exited leader
      live.delete(this);
      return;
    }
    this.killGroup('SIGTERM');
    const done = await Promise.race([this.exited, new Promise((r) => setTimeout(() => r(undefined), 5000))]);
    this.killGroup('SIGKILL');
    if (done === undefined) await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
    live.delete(this);
  }

  killGroup(signal) {
    if (!this.proc?.pid) return;
    try {
      process.kill(-this.proc.pid, signal);
    } catch {
      // the group is gone already
    }
  }

  killSync() {
    this.killGroup('SIGKILL');
  }

  /** Copies the user-data logs (output channels included) and code-server's log to `to`. */
  collectLogs(to) {
    fs.mkdirSync(to, { recursive: true });
    try {
      fs.cpSync(path.join(this.userDataDir, 'logs'), path.join(to, 'logs'), { recursive: true });
    } catch {
      // no logs yet
    }
    try {
      fs.copyFileSync(this.logFile, path.join(to, 'code-server.log'));
    } catch {
      // not started
    }
  }
}

/**
 * Live processes whose working folder is under `dir` and, when given, whose command line
 * matches `cmdline` (the app the extension started from a copied project): their pids.
 */
function processesUnder(dir, cmdline) {
  const found = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue; // a zombie holds nothing
      const cwd = fs.readlinkSync(`/proc/${name}/cwd`);
      if (cwd !== dir && !cwd.startsWith(dir + path.sep)) continue;
      if (cmdline && !cmdline.test(fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' '))) continue;
      found.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/**
 * Live processes whose environment holds `name=value`: every process of a run that set
 * the variable before starting code-server, also those in sessions of their own (the
 * supervisor starts the app's process groups with setsid).
 */
function processesWithEnv(name, value) {
  const want = `${name}=${value}`;
  const found = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      if (/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))) continue;
      if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(want)) found.push(Number(pid));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** The live ones of `pids` and all their live descendants (from /proc/<pid>/stat). */
function withDescendants(pids) {
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const m = /\) (\S) (\d+) /.exec(fs.readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (!m || m[1] === 'Z') continue; // a zombie holds nothing
      const parent = Number(m[2]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
      children.set(Number(name), children.get(Number(name)) ?? []);
    } catch {
      // gone
    }
  }
  const found = new Set(pids.filter((pid) => children.has(pid)));
  for (const pid of found) for (const child of children.get(pid)) found.add(child);
  return [...found];
}

/**
 * After the editor is gone: waits (5 s at most) for every process running in `dir` to end,
 * then ends what is left by pid. Returns the pids that were left, for the test to report:
 * anything there escaped code-server's process group.
 */
async function reapUnder(dir, what) {
  let left = [];
  await until(`no process left in ${what}`, () => (left = processesUnder(dir)).length === 0, { timeout: 5000 }).catch(
    () => undefined,
  );
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return left;
}

module.exports = { CodeServer, processesUnder, processesWithEnv, reapUnder, withDescendants };
