// Which apps the workspace holds, counted as the language server counts them, and which
// one a command acts on. Pure: no 'vscode' import, so it is unit-tested outside the editor.

/** One app: a workspace folder, or one entry of a folder's `failsafeFlask.apps`. */
export interface AppRef {
  /** The id the server knows it by: the folder URI, or `folderUri#name`. */
  appId: string;
  name: string;
  folderUri: string;
  folderName: string;
}

export interface FolderInfo {
  uri: string; // as vscode-languageclient sends it: Uri.toString()
  name: string;
  apps: unknown; // the folder's failsafeFlask.apps setting
}

/** Each folder's apps: its `apps` entries with a name, else the folder itself. */
export function workspaceApps(folders: readonly FolderInfo[]): AppRef[] {
  return folders.flatMap((folder) => {
    const names = entryNames(folder.apps);
    if (names.length === 0) return [{ appId: folder.uri, name: folder.name, folderUri: folder.uri, folderName: folder.name }];
    return names.map((name) => ({ appId: `${folder.uri}#${name}`, name, folderUri: folder.uri, folderName: folder.name }));
  });
}

function entryNames(apps: unknown): string[] {
  if (!Array.isArray(apps)) return [];
  return apps.flatMap((entry: unknown) => {
    const name = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).name : undefined;
    return typeof name === 'string' && name !== '' ? [name] : [];
  });
}

/**
 * The app a command acts on, without asking: the one it was given (a status bar item
 * passes its app), else the only app, else the only app of the active editor's folder
 * (running apps first, for Stop/Restart/Open); undefined means ask.
 */
export function targetApp(
  apps: readonly AppRef[],
  given: unknown,
  activeFolderUri: string | undefined,
  running: readonly string[] = [],
): AppRef | undefined {
  if (typeof given === 'string') return apps.find((a) => a.appId === given || a.name === given);
  if (apps.length === 1) return apps[0];
  const mine = apps.filter((a) => a.folderUri === activeFolderUri);
  if (mine.length === 1) return mine[0];
  const live = (mine.length > 0 ? mine : apps).filter((a) => running.includes(a.appId));
  return live.length === 1 ? live[0] : undefined;
}

export const START_ALL = 'Start All';

/** The quick pick's order: the app chosen last time first, then "Start All", then the rest. */
export function startChoices(apps: readonly AppRef[], remembered: string | undefined): string[] {
  const ids = apps.map((a) => a.appId);
  const first = remembered && (ids.includes(remembered) || remembered === START_ALL) ? [remembered] : [];
  const rest = [START_ALL, ...ids].filter((id) => !first.includes(id));
  return [...first, ...rest];
}

/** A start refused because another app of the workspace serves its port. */
export interface PortTaken {
  message: string;
  port: number;
  suggestedPort: number | undefined;
}

/** The refusal, from the error a start request rejected with; undefined for any other error. */
export function parsePortTaken(err: unknown): PortTaken | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { message, data } = err as { message?: unknown; data?: unknown };
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  if (d.reason !== 'portTaken' || typeof d.port !== 'number') return undefined;
  return {
    message: typeof message === 'string' ? message : '',
    port: d.port,
    suggestedPort: typeof d.suggestedPort === 'number' ? d.suggestedPort : undefined,
  };
}
