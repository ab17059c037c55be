'use strict';
// Smoke test of `scripts/run.sh --vscode` (issue 19), as a person runs it: the command
// starts and prints one URL, the URL answers, the workbench loads in headless Chromium
// with the extension's status bar item, Start runs the app, and SIGINT (Ctrl+C) leaves
// no process of the run and no bound port; a second run reuses the installation and
// stops on SIGTERM. Run by scripts/test-e2e.sh:
//   node --test tests/e2e/run-vscode.test.js
// Environment: FAILSAFE_VSIX (passed on: no rebuild), E2E_ARTIFACTS (screenshots).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { processesUnder, processesWithEnv, withDescendants } = require('./lib/codeserver');
const { launchChromium } = require('./lib/browser');
const { Workbench } = require('./lib/workbench');
const { until, get, portClosed, copyTree, log } = require('./lib/util');

const REPO = path.resolve(__dirname, '..', '..');
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(REPO, '.e2e', `run-vscode-${process.pid}`);
const STATUS_ID = 'failsafeFlask.status';
const MARK = 'FAILSAFE_VSCODE_RUN'; // set by scripts/run-vscode.cjs on every process of the run
// Set-up is done by scripts/test-e2e.sh before; without a given .vsix the command builds one.
const URL_TIMEOUT = process.env.FAILSAFE_VSIX ? 180_000 : 600_000;

/** Starts the command in its own process group; collects its stdout and stderr. */
function startRun(project, state) {
  const child = spawn('bash', [path.join(REPO, 'scripts', 'run.sh'), '--vscode', project], {
    env: { ...process.env, FAILSAFE_VSCODE_STATE: state },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run = { child, stdout: '', stderr: '', exit: undefined };
  child.stdout.on('data', (d) => (run.stdout += d));
  child.stderr.on('data', (d) => (run.stderr += d));
  run.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((run.exit = { code, signal }))));
  return run;
}

/** The URL line, once printed; fails at once when the command ends first. */
async function waitUrl(run) {
  return until(
    'the command to print its URL',
    () => {
      if (run.exit) throw new Error(`the command ended (${JSON.stringify(run.exit)}) before printing a URL`);
      return /https?:\/\/\S+/.exec(run.stdout)?.[0];
    },
    { timeout: URL_TIMEOUT, interval: 250 },
  );
}

function kill(pid) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function describeProcess(pid) {
  try {
    return `${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/[\0\s]+/g, ' ').trim().slice(0, 120)}`;
  } catch {
    return `${pid} (gone)`;
  }
}

/**
 * The run's processes: marked by the command, or running in the project, or `known`
 * before; and their descendants (the language server gets an environment of its own).
 */
function runProcesses(state, project, known = []) {
  return withDescendants([...new Set([...processesWithEnv(MARK, state), ...processesUnder(project), ...known])]);
}

/**
 * Signals the command and checks it ends cleanly, leaving no process and no port; returns
 * what ran before (pid and command line).
 */
async function stopAndCheck(ctx, signal, ports) {
  const running = runProcesses(ctx.state, ctx.project);
  const described = running.map(describeProcess);
  log(`${signal} to the command; the run's processes: ${described.join('; ')}`);
  process.kill(ctx.run.child.pid, signal);
  const exit = await until('the command to exit', () => ctx.run.exit, { timeout: 60_000 });
  assert.deepEqual(exit, { code: 0, signal: null }, `clean exit; stderr:\n${ctx.run.stderr.slice(-2000)}`);
  const left = runProcesses(ctx.state, ctx.project, running).map(describeProcess);
  assert.deepEqual(left, [], 'no process of the run is left');
  for (const port of ports) assert.ok(await portClosed(port), `port ${port} is free`);
  return described;
}

async function urlAnswers(ctx) {
  ctx.url = await waitUrl(ctx.run);
  log(`URL: ${ctx.url}`);
  const lines = ctx.run.stdout.split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 1, `stdout is one line: ${JSON.stringify(ctx.run.stdout)}`);
  const u = new URL(ctx.url);
  assert.equal(u.hostname, '127.0.0.1');
  assert.equal(u.searchParams.get('folder'), ctx.project);
  const res = await get(Number(u.port), `${u.pathname}${u.search}`);
  assert.equal(res.status, 200, 'the workbench page answers');
}

async function workbenchRunsTheApp(ctx) {
  assert.ok(ctx.url, 'no URL');
  ctx.browser = await launchChromium(path.join(ctx.tmp, 'browser-home'));
  const page = await (await ctx.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(ctx.url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  const wb = new Workbench(page);
  await wb.ready();
  assert.ok((await wb.explorerNames()).includes('app.py'), 'the project is open');
  await wb.waitStatus(STATUS_ID, 'shown (extension activated)', () => true, { timeout: 60_000 });
  await wb.openFile('hello/views.py'); // for the screenshot (the README's)
  await wb.runCommand('Failsafe Flask: Start');
  const item = await wb.waitStatus(STATUS_ID, 'running', (s) => /running/.test(s.aria) && /:\d+/.test(s.text), { timeout: 60_000 });
  ctx.appPort = Number(/:(\d+)/.exec(item.text)[1]);
  const res = await get(ctx.appPort, '/');
  assert.equal(res.status, 200, `the app answers on :${ctx.appPort}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'run-vscode-running.png') });
}

async function sigintStopsAll(ctx) {
  assert.ok(ctx.url, 'no URL');
  await ctx.browser?.close();
  ctx.browser = undefined;
  const ports = [Number(new URL(ctx.url).port), ...(ctx.appPort ? [ctx.appPort] : [])];
  const running = await stopAndCheck(ctx, 'SIGINT', ports);
  assert.ok(running.some((p) => p.includes('failsafe_flask.child')), `the app ran: ${running.join('; ')}`);
}

async function secondRunReuses(ctx) {
  ctx.run = startRun(ctx.project, ctx.state);
  ctx.runs.push(ctx.run);
  const again = await waitUrl(ctx.run);
  assert.doesNotMatch(ctx.run.stderr, /installing|building the extension/, 'nothing is installed or built again');
  const res = await get(Number(new URL(again).port), '/healthz');
  assert.equal(res.status, 200, 'code-server answers');
  await stopAndCheck(ctx, 'SIGTERM', [Number(new URL(again).port)]);
}

async function cleanUp(ctx) {
  await ctx.browser?.close().catch(() => undefined);
  for (const r of ctx.runs.filter((r) => !r.exit)) kill(-r.child.pid);
  for (const pid of runProcesses(ctx.state, ctx.project)) kill(pid);
  const saved = path.join(ARTIFACTS, 'run-vscode.stderr.log');
  fs.writeFileSync(saved, ctx.runs.map((r) => r.stderr).join('\n---- the next run ----\n'));
  log(`the command's stderr: ${saved}`);
  fs.rmSync(ctx.tmp, { recursive: true, force: true });
}

describe('scripts/run.sh --vscode', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'failsafe-run-vscode-'));
  const ctx = { tmp, project: path.join(tmp, 'hello'), state: path.join(tmp, 'state'), runs: [] };

  before(() => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    copyTree(path.join(REPO, 'examples', 'hello'), ctx.project);
    ctx.run = startRun(ctx.project, ctx.state);
    ctx.runs.push(ctx.run);
  });
  after(() => cleanUp(ctx));

  it('prints one line with the URL, and the URL answers', () => urlAnswers(ctx));
  it('loads the workbench with the status bar item, and Start runs the app', () => workbenchRunsTheApp(ctx));
  it('stops code-server and the app on SIGINT: no process, no bound port', () => sigintStopsAll(ctx));
  it('runs again reusing what is installed, and stops on SIGTERM', () => secondRunReuses(ctx));
});
