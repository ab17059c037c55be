// The quick fixes' commands as the extension carries them out. Pure: no 'vscode' import,
// so it is unit-tested outside the editor.
//
// The server's code actions name two commands that VS Code does better itself: installing
// a missing package runs pip as a task in a terminal (the user sees pip's output, can stop
// it, and the task is a `failsafeFlask` task like any other) instead of inside the server;
// choosing a port or an app is also saved in the settings, so it holds after a restart.

export const INSTALL_COMMAND = 'failsafe-flask.install';
export const USE_SETTINGS_COMMAND = 'failsafe-flask.useSettings';
export const TASK_TYPE = 'failsafeFlask'; // contributes.taskDefinitions

export interface InstallRequest {
  appId: string;
  distribution: string;
  /** `python -m pip install <distribution>`, with the app's interpreter. */
  commandLine: string[];
}

export interface UseSettingsRequest {
  appId: string;
  settings: { port?: number; app?: string };
}

const DISTRIBUTION = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** install's argument, checked: only `<python> -m pip install <one distribution>` runs. */
export function parseInstall(arg: unknown): InstallRequest | undefined {
  const a = record(arg);
  const line = a?.commandLine;
  if (!a || typeof a.appId !== 'string' || typeof a.distribution !== 'string' || !Array.isArray(line)) return undefined;
  if (!DISTRIBUTION.test(a.distribution) || !line.every((part) => typeof part === 'string')) return undefined;
  const [python, ...rest] = line;
  const expected = ['-m', 'pip', 'install', a.distribution];
  if (!python || rest.length !== expected.length || rest.some((part, i) => part !== expected[i])) return undefined;
  return { appId: a.appId, distribution: a.distribution, commandLine: line };
}

/** useSettings' argument, checked: a port or an app. */
export function parseUseSettings(arg: unknown): UseSettingsRequest | undefined {
  const a = record(arg);
  const given = record(a?.settings);
  if (!a || typeof a.appId !== 'string' || !given) return undefined;
  const settings: UseSettingsRequest['settings'] = {};
  if (Number.isInteger(given.port) && (given.port as number) > 0 && (given.port as number) < 65536) settings.port = given.port as number;
  if (typeof given.app === 'string' && given.app !== '') settings.app = given.app;
  return Object.keys(settings).length > 0 ? { appId: a.appId, settings } : undefined;
}

/** The folder part of an app id (`folderUri` or `folderUri#name`), and the entry's name. */
export function splitAppId(appId: string): { folderUri: string; entry: string | undefined } {
  const hash = appId.indexOf('#');
  return hash < 0 ? { folderUri: appId, entry: undefined } : { folderUri: appId.slice(0, hash), entry: appId.slice(hash + 1) };
}

/**
 * `failsafeFlask.apps` with `settings` written into the entry `name`; undefined when the
 * list has no such entry (then nothing is saved: the server still runs it so).
 */
export function withEntrySettings(apps: unknown, name: string, settings: UseSettingsRequest['settings']): unknown[] | undefined {
  if (!Array.isArray(apps)) return undefined;
  const list = apps as unknown[];
  const at = list.findIndex((entry) => record(entry)?.name === name);
  if (at < 0) return undefined;
  return list.map((entry, i) => (i === at ? { ...record(entry), ...settings } : entry));
}

/** The task's definition (what identifies it to VS Code) and its name. */
export function installTask(request: InstallRequest): { definition: { type: string; distribution: string; appId: string }; name: string } {
  return {
    definition: { type: TASK_TYPE, distribution: request.distribution, appId: request.appId },
    name: `pip install ${request.distribution}`,
  };
}

/** What to do when pip's task ended: restart the app, or say once that it failed. */
export function installOutcome(request: InstallRequest, exitCode: number | undefined): { restart: boolean; failure?: string } {
  if (exitCode === 0) return { restart: true };
  const how = exitCode === undefined ? 'was stopped' : `failed (exit ${exitCode})`;
  return { restart: false, failure: `Failsafe Flask: pip install ${request.distribution} ${how}; see its terminal.` };
}
