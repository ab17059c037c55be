// The `failsafe-flask` launch configuration: its defaults, its checks, and what it asks
// of the language server and of debugpy. Pure (no 'vscode'), so it is unit-tested.

export const DEBUG_TYPE = 'failsafe-flask';
export const DEFAULT_NAME = 'Failsafe Flask';

/** A launch configuration as launch.json (or F5 with none) gives it, after our defaults. */
export interface FlaskDebugConfig {
  type: typeof DEBUG_TYPE;
  request: 'launch';
  name: string;
  /** Which of the folder's apps (an entry name of failsafeFlask.apps); unset: the folder's app. */
  appName?: string;
  /** The app, as `flask run --app` takes it; unset: the settings'. */
  app?: string;
  host?: string;
  port?: number;
  /** Step only through the project's code (debugpy's justMyCode). */
  justMyCode: boolean;
  /**
   * Each new app process waits for the debugger before it loads the app, so breakpoints at
   * import time and in create_app are hit.
   */
  stopOnLoad: boolean;
}

export type Resolved = { config: FlaskDebugConfig } | { error: string };

const TEXT_KEYS = ['appName', 'app', 'host'] as const;
const FLAG_KEYS = ['justMyCode', 'stopOnLoad'] as const;

/** The configuration F5 uses when the folder has no launch.json, and "Add Configuration" offers. */
export function initialConfiguration(): FlaskDebugConfig {
  return { type: DEBUG_TYPE, request: 'launch', name: DEFAULT_NAME, justMyCode: true, stopOnLoad: true };
}

/**
 * `raw` with our defaults, or why it cannot run. An empty configuration (F5 without a
 * launch.json) is the initial one; another type is not ours to change.
 */
export function resolveDebugConfig(raw: Record<string, unknown>): Resolved {
  if (!raw.type && !raw.request && !raw.name) return { config: initialConfiguration() };
  if (raw.type !== DEBUG_TYPE) return { error: `not a ${DEBUG_TYPE} configuration (type ${String(raw.type)})` };
  if (raw.request !== undefined && raw.request !== 'launch') {
    return { error: `"request" must be "launch" (Failsafe Flask starts the app itself), got ${JSON.stringify(raw.request)}` };
  }
  const problem = firstProblem(raw);
  if (problem) return { error: problem };
  const config: FlaskDebugConfig = {
    ...raw,
    type: DEBUG_TYPE,
    request: 'launch',
    name: typeof raw.name === 'string' && raw.name ? raw.name : DEFAULT_NAME,
    justMyCode: raw.justMyCode !== false,
    stopOnLoad: raw.stopOnLoad !== false,
  };
  return { config };
}

function firstProblem(raw: Record<string, unknown>): string | undefined {
  for (const key of TEXT_KEYS) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') return `"${key}" must be a string`;
  }
  for (const key of FLAG_KEYS) {
    if (raw[key] !== undefined && typeof raw[key] !== 'boolean') return `"${key}" must be true or false`;
  }
  const port = raw.port;
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535)) {
    return '"port" must be a whole number from 0 to 65535';
  }
  return undefined;
}

/** The language server's `failsafe-flask.debug` argument for this configuration. */
export function debugCommandArgs(config: FlaskDebugConfig, workspaceFolder: string, appId: string | undefined): Record<string, unknown> {
  const args: Record<string, unknown> = { workspaceFolder, debugpyWait: config.stopOnLoad };
  if (appId) args.appId = appId;
  if (config.app) args.app = config.app;
  if (config.host) args.host = config.host;
  if (config.port !== undefined) args.port = config.port;
  return args;
}

/**
 * debugpy's `attach` arguments: the app is started by the language server, so VS Code's
 * launch becomes an attach to each of its processes. Jinja on: template breakpoints.
 * No subprocesses: each app process is attached to on its own, as it appears. `ownFolders`
 * (the extension's bundled server and libraries) are never stepped into nor shown as the
 * user's code, although they are not in site-packages.
 */
export function attachArguments(config: FlaskDebugConfig, ownFolders: readonly string[] = []): Record<string, unknown> {
  const rules = ownFolders.map((path) => ({ path, include: false }));
  return { name: config.name, justMyCode: config.justMyCode, jinja: true, subProcess: false, redirectOutput: false, rules };
}
