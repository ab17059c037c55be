// Which Python runs the server and the app, and whether it can. Pure (no 'vscode'): the
// editor-specific providers live in python.ts and plug into the chain here.
import { execFile } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { errorText } from './errors';

/** One place an interpreter may come from; `find` returns undefined to pass. */
export interface InterpreterProvider {
  readonly name: string;
  find(): Promise<string | undefined>;
}

export interface ResolvedInterpreter {
  python: string;
  source: string; // the provider's name
}

/** Asks each provider in order; the first answer wins. Every decision is logged. */
export async function resolveInterpreter(
  providers: readonly InterpreterProvider[],
  log: (message: string) => void,
): Promise<ResolvedInterpreter | undefined> {
  for (const provider of providers) {
    let found: string | undefined;
    try {
      found = await provider.find();
    } catch (err) {
      log(`Interpreter: ${provider.name} failed: ${errorText(err)}`);
      continue;
    }
    if (found) {
      log(`Interpreter: ${provider.name} gives ${found}`);
      return { python: found, source: provider.name };
    }
    log(`Interpreter: ${provider.name} gives nothing`);
  }
  log('Interpreter: no provider found one');
  return undefined;
}

/**
 * The lookup order: an explicit failsafeFlask.interpreter setting is the user's own
 * choice for this tool and wins; then the interpreter selected in the Python extension;
 * then python3/python on PATH.
 */
export function interpreterChain(sources: {
  setting: InterpreterProvider;
  pythonExtension: InterpreterProvider;
  onPath: InterpreterProvider;
}): InterpreterProvider[] {
  return [sources.setting, sources.pythonExtension, sources.onPath];
}

export function fixedProvider(name: string, value: string): InterpreterProvider {
  return { name, find: () => Promise.resolve(value || undefined) };
}

export interface PathLookup {
  pathEnv: string | undefined;
  platform: NodeJS.Platform;
  pathExt?: string | undefined; // Windows' PATHEXT
  isExecutable?: (file: string) => Promise<boolean>;
}

/** The first of `names` found on PATH (python3 before python, as `flask run` users expect). */
export function pathProvider(names: readonly string[], lookup: PathLookup): InterpreterProvider {
  return {
    name: `${names.join('/')} on PATH`,
    find: async () => {
      for (const name of names) {
        const found = await which(name, lookup);
        if (found) return found;
      }
      return undefined;
    },
  };
}

export async function which(name: string, lookup: PathLookup): Promise<string | undefined> {
  const isExecutable = lookup.isExecutable ?? defaultIsExecutable;
  const windows = lookup.platform === 'win32';
  const sep = windows ? ';' : ':';
  const exts = windows ? (lookup.pathExt ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean) : [''];
  for (const dir of (lookup.pathEnv ?? '').split(sep)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

async function defaultIsExecutable(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const MIN_VERSION: readonly [number, number] = [3, 9];

/** Printed by the interpreter under test: its version and whether Flask imports. */
export const PROBE = [
  'import json, sys',
  'info = {"version": list(sys.version_info[:3]), "executable": sys.executable, "flask": None, "error": None}',
  'try:',
  '    import flask',
  '    from importlib.metadata import version',
  '    info["flask"] = version("flask")',
  'except Exception as exc:',
  '    info["error"] = "%s: %s" % (type(exc).__name__, exc)',
  'print(json.dumps(info))',
].join('\n');

export type CheckResult =
  | { ok: true; version: string; flask: string; executable: string }
  | { ok: false; problem: string; fix?: string };

export interface RunResult {
  stdout: string;
  error?: string; // could not run, timed out, or exited non-zero
}

export type Runner = (python: string, args: string[]) => Promise<RunResult>;

/** Runs the interpreter (it is the only way to know what it is) and judges the answer. */
export async function checkInterpreter(python: string, run: Runner = runPython): Promise<CheckResult> {
  const result = await run(python, ['-c', PROBE]);
  return judgeProbe(python, result);
}

export type Problem = Extract<CheckResult, { ok: false }>;

export interface CheckLog {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * The interpreter found, if it can run the server: checked each time it is asked (a
 * client is only ever built on a checked interpreter). `report` tells the user a problem.
 */
export async function usableInterpreter(
  found: ResolvedInterpreter | undefined,
  report: (problem: Problem, python?: string) => void,
  log: CheckLog,
  check: (python: string) => Promise<CheckResult> = checkInterpreter,
): Promise<string | undefined> {
  if (!found) {
    report({
      ok: false,
      problem: 'Failsafe Flask found no Python interpreter (tried failsafeFlask.interpreter, the Python extension, python3 and python on PATH).',
      fix: 'Install Python 3.9 or newer, or set failsafeFlask.interpreter.',
    });
    return undefined;
  }
  const result = await check(found.python);
  if (!result.ok) {
    log.warn(`Interpreter: ${found.python} is not usable: ${result.problem} ${result.fix ?? ''}`);
    report(result, found.python);
    return undefined;
  }
  log.info(`Interpreter: ${found.python} is Python ${result.version} with Flask ${result.flask} (from ${found.source})`);
  return found.python;
}

export function judgeProbe(python: string, result: RunResult): CheckResult {
  let info: { version?: unknown; flask?: unknown; executable?: unknown; error?: unknown } | undefined;
  try {
    info = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as typeof info;
  } catch {
    info = undefined;
  }
  if (!info || !Array.isArray(info.version)) {
    const why = result.error ?? 'it printed no answer';
    return {
      ok: false,
      problem: `Failsafe Flask could not run the Python interpreter ${python} (${why}).`,
      fix: 'Select another interpreter, or set failsafeFlask.interpreter to the path of a Python 3.9+ executable.',
    };
  }
  const version = (info.version as number[]).join('.');
  const [major = 0, minor = 0] = info.version as number[];
  if (major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1])) {
    return {
      ok: false,
      problem: `Failsafe Flask needs Python ${MIN_VERSION.join('.')} or newer; ${python} is Python ${version}.`,
      fix: 'Select a newer interpreter.',
    };
  }
  if (typeof info.flask !== 'string') {
    return {
      ok: false,
      problem: `Flask is not installed for ${python} (Python ${version}).`,
      fix: `Install it with: ${pipInstallFlask(python)}`,
    };
  }
  const executable = typeof info.executable === 'string' && info.executable ? info.executable : python;
  return { ok: true, version, flask: info.flask, executable };
}

/** The exact command that installs Flask for this interpreter, quoted for a shell. */
export function pipInstallFlask(python: string): string {
  const quoted = /^[\w@%+=:,./\\-]+$/.test(python) ? python : `"${python.replace(/(["\\$`])/g, '\\$1')}"`;
  return `${quoted} -m pip install flask`;
}

export function runPython(python: string, args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(python, args, { timeout: timeoutMs, windowsHide: true }, (err, stdout, stderr) => {
      const lastLine = stderr.trim().split('\n').pop();
      const error = err ? (lastLine ?? '') || errorText(err) : undefined;
      resolve(error === undefined ? { stdout } : { stdout, error });
    });
  });
}
