// The `failsafeFlask.*` settings, and how they become the server's options and command
// line. Pure: the caller passes a getter over the VS Code configuration.
import * as path from 'node:path';
import { contributes } from '../../package.json';

export const SECTION = 'failsafeFlask';

export type Browser = 'external' | 'simpleBrowser';
/** on: incremental restarts; packages: Flask and installed packages only; off: spawn. */
export type Preload = 'on' | 'packages' | 'off';

export interface Settings {
  app: string;
  host: string;
  port: number;
  env: Record<string, string>;
  envFile: string;
  extraWatch: string[];
  excludes: string[];
  debug: boolean;
  preload: Preload;
  liveReload: boolean;
  /** The path a proxy serves the app under; '' lets browserUrl.servedPrefix decide. */
  urlPrefix: string;
  loadTimeout: number;
  /** Several apps in one folder (`{name, root?, app?, port?, ...}`), checked by the server. */
  apps: unknown[];
  interpreter: string;
  browser: Browser;
}

/**
 * package.json's `contributes.configuration` defaults, the one place they are written.
 * VS Code's `getConfiguration().get` already returns them for a setting the user left
 * unset; they are read here only as the fallback for a value of the wrong type.
 */
export const DEFAULTS: Readonly<Settings> = declaredDefaults();

// Typed by tsc from the manifest itself: a default of the wrong type does not compile.
function declaredDefaults(): Settings {
  const declared = contributes.configuration.properties;
  return {
    app: declared['failsafeFlask.app'].default,
    host: declared['failsafeFlask.host'].default,
    port: declared['failsafeFlask.port'].default,
    env: declared['failsafeFlask.env'].default,
    envFile: declared['failsafeFlask.envFile'].default,
    extraWatch: declared['failsafeFlask.extraWatch'].default,
    excludes: declared['failsafeFlask.excludes'].default,
    debug: declared['failsafeFlask.debug'].default,
    preload: declared['failsafeFlask.preload'].default as Preload, // one of its declared enum
    liveReload: declared['failsafeFlask.liveReload'].default,
    urlPrefix: declared['failsafeFlask.urlPrefix'].default,
    loadTimeout: declared['failsafeFlask.loadTimeout'].default,
    apps: declared['failsafeFlask.apps'].default,
    interpreter: declared['failsafeFlask.interpreter'].default,
    browser: declared['failsafeFlask.browser'].default as Browser, // one of its declared enum
  };
}

/**
 * Settings that, like `flask run`'s options, fall back to FLASK_APP, FLASK_RUN_HOST,
 * FLASK_RUN_PORT and FLASK_DEBUG (environment, .env, .flaskenv) when the user did not set
 * them. `get` fills in package.json's default, so these are sent as null unless set.
 */
type FromFlaskEnv = 'app' | 'host' | 'port' | 'debug';

/**
 * `initializationOptions`, and the answer to `workspace/configuration` for our section:
 * the settings less the client's own (interpreter, browser), plus the resolved `python`.
 */
export type ServerSettings = Omit<Settings, 'interpreter' | 'browser' | FromFlaskEnv> & {
  [K in FromFlaskEnv]: Settings[K] | null;
} & {
  python: string; // the interpreter the app runs with
};

/** What `WorkspaceConfiguration.inspect` returns, as far as "did the user set it" goes. */
export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
  globalLanguageValue?: unknown;
  workspaceLanguageValue?: unknown;
  workspaceFolderLanguageValue?: unknown;
}

/** Set in some scope by the user (not only package.json's default). */
export function isSetByUser(inspected: Inspected | undefined): boolean {
  if (!inspected) return false;
  const { globalValue, workspaceValue, workspaceFolderValue } = inspected;
  const { globalLanguageValue, workspaceLanguageValue, workspaceFolderLanguageValue } = inspected;
  return [globalValue, workspaceValue, workspaceFolderValue, globalLanguageValue, workspaceLanguageValue, workspaceFolderLanguageValue].some(
    (v) => v !== undefined,
  );
}

/** Reads every setting, falling back to the default for a missing or mistyped value. */
export function readSettings(get: (key: string) => unknown): Settings {
  const str = (key: keyof Settings, fallback: string): string => {
    const v = get(key);
    return typeof v === 'string' ? v : fallback;
  };
  const port = get('port');
  const debug = get('debug');
  const browser = get('browser');
  const preload = get('preload');
  const liveReload = get('liveReload');
  const loadTimeout = get('loadTimeout');
  const apps = get('apps');
  return {
    app: str('app', DEFAULTS.app).trim(),
    host: str('host', DEFAULTS.host).trim() || DEFAULTS.host,
    port: isPort(port) ? port : DEFAULTS.port,
    env: stringRecord(get('env')),
    envFile: str('envFile', DEFAULTS.envFile).trim(),
    extraWatch: stringList(get('extraWatch')),
    excludes: stringList(get('excludes')),
    debug: typeof debug === 'boolean' ? debug : DEFAULTS.debug,
    preload: preloadMode(preload),
    liveReload: typeof liveReload === 'boolean' ? liveReload : DEFAULTS.liveReload,
    urlPrefix: str('urlPrefix', DEFAULTS.urlPrefix).trim(),
    loadTimeout: isPositive(loadTimeout) ? loadTimeout : DEFAULTS.loadTimeout,
    apps: Array.isArray(apps) ? (apps as unknown[]) : [],
    interpreter: str('interpreter', DEFAULTS.interpreter).trim(),
    browser: isBrowser(browser) ? browser : DEFAULTS.browser,
  };
}

export function serverSettings(settings: Settings, python: string, isSet: (key: FromFlaskEnv) => boolean): ServerSettings {
  const explicit = <K extends FromFlaskEnv>(key: K): Settings[K] | null => (isSet(key) ? settings[key] : null);
  return {
    app: explicit('app'),
    host: explicit('host'),
    port: explicit('port'),
    debug: explicit('debug'),
    env: { ...settings.env },
    envFile: settings.envFile,
    extraWatch: [...settings.extraWatch],
    excludes: [...settings.excludes],
    preload: settings.preload,
    liveReload: settings.liveReload,
    urlPrefix: settings.urlPrefix,
    loadTimeout: settings.loadTimeout,
    apps: [...settings.apps],
    python,
  };
}

export interface ServerLaunchOptions {
  python: string;
  extensionPath: string;
  baseEnv: Readonly<Record<string, string | undefined>>;
  exists: (p: string) => boolean;
  delimiter?: string; // path.delimiter, overridable for tests
}

export interface ServerLaunch {
  command: string;
  args: string[];
  env: Record<string, string>; // the whole environment: the extension host's and ours
}

/**
 * `<python> -m failsafe_flask lsp` with the bundled server and libraries first on
 * PYTHONPATH. FAILSAFE_FLASK_BUNDLED names them so the server removes them again from
 * the app's environment. Run from a source checkout (no bundled/), the server package
 * comes from server/ and its libraries from the interpreter.
 */
export function serverLaunch(options: ServerLaunchOptions): ServerLaunch {
  const delimiter = options.delimiter ?? path.delimiter;
  const libs = path.join(options.extensionPath, 'bundled', 'libs');
  const bundledServer = path.join(options.extensionPath, 'bundled', 'server');
  const sourceServer = path.join(options.extensionPath, 'server');
  const ours = [
    ...(options.exists(libs) ? [libs] : []),
    options.exists(bundledServer) ? bundledServer : sourceServer,
  ];
  const existing = (options.baseEnv.PYTHONPATH ?? '').split(delimiter).filter((p) => p !== '');
  return {
    command: options.python,
    args: ['-m', 'failsafe_flask', 'lsp'],
    // vscode-languageclient spawns an Executable with exactly this env, not on top of the
    // extension host's: without the base the server and the app get no PATH, HOME, LANG.
    env: {
      ...defined(options.baseEnv),
      PYTHONPATH: [...ours, ...existing].join(delimiter),
      FAILSAFE_FLASK_BUNDLED: ours.join(delimiter),
      PYTHONUNBUFFERED: '1',
    },
  };
}

function defined(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) result[name] = value;
  }
  return result;
}

/**
 * The interpreter setting with `${workspaceFolder}` and `~` expanded; a relative path
 * (`.venv/bin/python`) is taken from the workspace folder, a bare name (`python3.12`)
 * is left for PATH lookup.
 */
export function expandInterpreter(value: string, folder: string | undefined, home: string): string {
  let v = value.trim();
  if (v === '') return '';
  if (folder) v = v.replace(/\$\{workspaceFolder\}/g, folder);
  if (v === '~' || v.startsWith('~/')) v = path.join(home, v.slice(1));
  const hasSeparator = v.includes('/') || v.includes('\\');
  if (folder && hasSeparator && !path.isAbsolute(v)) v = path.join(folder, v);
  return v;
}

/** A mode, or true / false as versions before `packages` wrote it (on / off). */
function preloadMode(v: unknown): Preload {
  if (typeof v === 'boolean') {
    return v ? 'on' : 'off';
  }
  return v === 'on' || v === 'packages' || v === 'off' ? v : DEFAULTS.preload;
}

function isBrowser(v: unknown): v is Browser {
  return v === 'external' || v === 'simpleBrowser';
}

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;
}

function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
}

function stringRecord(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
  }
  return out;
}
