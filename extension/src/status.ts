// What the status bar shows, computed from the last status the server sent. Pure: no
// 'vscode' import, so it is unit-tested outside the editor.

export const STATES = ['stopped', 'starting', 'running', 'failed', 'restarting'] as const;
export type State = (typeof STATES)[number];

/** Params of the server's `$/failsafeFlask/status` notification (and of its commands' results). */
export interface Status {
  state: State;
  url: string | null;
  pid: number | null;
  restarts: number;
  lastRestartMs: number | null;
  errors: number;
  message: string;
  /** The app that runs, as named (`hello:create_app`) or discovered (`app.py`); '' when unknown. */
  app: string;
  /** Which of the workspace's apps this is (the id commands take); '' for every app at once. */
  appId: string;
  /** The app's name (its folder's, or its entry's in `failsafeFlask.apps`) and folder URI. */
  name: string;
  folder: string;
  /** Where a debugger attaches to the app process (while debugging), else null. */
  debugpy: DebugAddress | null;
}

export interface DebugAddress {
  host: string;
  port: number;
}

export const STOPPED: Status = {
  state: 'stopped',
  url: null,
  pid: null,
  restarts: 0,
  lastRestartMs: null,
  errors: 0,
  message: '',
  app: '',
  appId: '',
  name: '',
  folder: '',
  debugpy: null,
};

export interface StatusCommand {
  id: string;
  title: string;
  /** The app the command acts on, when the workspace has several. */
  arguments?: string[];
}

export interface StatusView {
  text: string;
  tooltip: string; // Markdown
  command: StatusCommand;
  error: boolean; // use the error background
}

/** The commands the tooltip may link to: the status bar trusts exactly these. */
export const TOOLTIP_COMMANDS = [
  'failsafeFlask.start',
  'failsafeFlask.stop',
  'failsafeFlask.restart',
  'failsafeFlask.openInBrowser',
  'failsafeFlask.showLogs',
  'failsafeFlask.debug',
];

/** Accepts what the server sent only if it has the documented shape. */
export function parseStatus(value: unknown): Status | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (!STATES.includes(v.state as State)) return undefined;
  return {
    state: v.state as State,
    url: typeof v.url === 'string' ? v.url : null,
    pid: typeof v.pid === 'number' ? v.pid : null,
    restarts: typeof v.restarts === 'number' ? v.restarts : 0,
    lastRestartMs: typeof v.lastRestartMs === 'number' ? v.lastRestartMs : null,
    errors: typeof v.errors === 'number' ? v.errors : 0,
    message: typeof v.message === 'string' ? v.message : '',
    app: typeof v.app === 'string' ? v.app : '',
    appId: typeof v.appId === 'string' ? v.appId : '',
    name: typeof v.name === 'string' ? v.name : '',
    folder: typeof v.folder === 'string' ? v.folder : '',
    debugpy: parseAddress(v.debugpy),
  };
}

function parseAddress(value: unknown): DebugAddress | null {
  if (typeof value !== 'object' || value === null) return null;
  const { host, port } = value as Record<string, unknown>;
  return typeof host === 'string' && typeof port === 'number' ? { host, port } : null;
}

export function renderStatus(status: Status): StatusView {
  const face = startFailed(status) ? START_FAILED : FACES[status.state](status);
  return { ...face, tooltip: renderTooltip(status) };
}

type Face = Omit<StatusView, 'tooltip'>;

/** Stopped with an error: a start that failed (the tooltip gives the server's reason). */
function startFailed(s: Status): boolean {
  return s.state === 'stopped' && s.errors > 0;
}

const START_FAILED: Face = {
  text: '$(error) Flask: start failed',
  command: { id: 'failsafeFlask.start', title: 'Failsafe Flask: Start' }, // a click retries
  error: true,
};

const FACES: Record<State, (s: Status) => Face> = {
  stopped: () => ({
    text: '$(debug-start) Flask',
    command: { id: 'failsafeFlask.start', title: 'Failsafe Flask: Start' },
    error: false,
  }),
  starting: (s) => ({
    text: `$(sync~spin) ${appName(s)}`,
    command: { id: 'failsafeFlask.showLogs', title: 'Show Logs' },
    error: false,
  }),
  restarting: (s) => ({
    text: `$(sync~spin) ${appName(s)}${portSuffix(s.url)}`,
    command: { id: 'failsafeFlask.showLogs', title: 'Show Logs' },
    error: false,
  }),
  running: (s) => ({
    text: `$(pass) ${appName(s)}${portSuffix(s.url)}`,
    command: { id: 'failsafeFlask.openInBrowser', title: 'Open in Browser' },
    error: false,
  }),
  failed: (s) => ({
    text: `$(error) ${appName(s)}: ${plural(s.errors, 'error')}`,
    command: { id: 'workbench.actions.view.problems', title: 'Show Problems' },
    error: true,
  }),
};

function renderTooltip(s: Status): string {
  const title = s.name ? `**Failsafe Flask · ${escapeMarkdown(s.name)}**` : '**Failsafe Flask**';
  const lines = [`${title}: ${s.state}`];
  if (s.message) lines.push(escapeMarkdown(s.message));
  const facts: string[] = [];
  if (s.app) facts.push(`App: ${escapeMarkdown(s.app)}`);
  if (s.folder) facts.push(`Folder: ${escapeMarkdown(folderPath(s.folder))}`);
  if (s.url) facts.push(`URL: ${escapeMarkdown(s.url)}`);
  if (s.pid !== null) facts.push(`Process id: ${s.pid}`);
  if (s.state !== 'stopped' || s.restarts > 0) facts.push(`Restarts: ${s.restarts}`);
  if (s.lastRestartMs !== null) facts.push(`Last restart: ${Math.round(s.lastRestartMs)} ms`);
  if (s.errors > 0) facts.push(`Errors: ${s.errors}`);
  if (facts.length > 0) lines.push(facts.join('  \n'));
  lines.push(tooltipLinks(s.state, s.url, s.appId));
  return lines.join('\n\n');
}

function tooltipLinks(state: State, url: string | null, appId: string): string {
  // A link's command gets the app it is about (a command: link takes JSON arguments).
  const args = appId ? `?${encodeURIComponent(JSON.stringify([appId]))}` : '';
  const link = (title: string, id: string): string => `[${title}](command:${id}${args})`;
  const links =
    state === 'stopped'
      ? [link('Start', 'failsafeFlask.start')]
      : [link('Restart', 'failsafeFlask.restart'), link('Stop', 'failsafeFlask.stop')];
  if (url) links.push(link('Open in Browser', 'failsafeFlask.openInBrowser'));
  links.push(link('Debug', 'failsafeFlask.debug'));
  links.push(`[Show Logs](command:failsafeFlask.showLogs)`);
  return links.join(' · ');
}

/** `/home/me/api` from `file:///home/me/api`; the text itself when it is no file URI. */
export function folderPath(uri: string): string {
  try {
    const parsed = new URL(uri);
    return parsed.protocol === 'file:' ? decodeURIComponent(parsed.pathname) : uri;
  } catch {
    return uri;
  }
}

export interface AppItem {
  /** The app the item shows; '' for the one item of a workspace where nothing runs. */
  appId: string;
  view: StatusView;
}

/**
 * The status bar when the workspace has several apps: one item per app that is not
 * idle (starting, running, failed, or whose start failed), each named and acting on its
 * own app; when none is, the one Start item. One app: the one item, as ever.
 */
export function renderApps(statuses: readonly Status[], several: boolean): AppItem[] {
  if (!several) {
    const only = statuses[statuses.length - 1] ?? STOPPED;
    return [{ appId: '', view: renderStatus(only) }]; // one item, whatever its app
  }
  const shown = statuses.filter((s) => s.appId && (s.state !== 'stopped' || s.errors > 0));
  if (shown.length === 0) return [{ appId: '', view: renderStatus(STOPPED) }];
  return shown.map((s) => ({ appId: s.appId, view: renderNamed(s) }));
}

function renderNamed(s: Status): StatusView {
  const name = appName({ ...s, app: s.name || s.app });
  const face = startFailed(s) ? { ...START_FAILED, text: `$(error) ${name}: start failed` } : FACES[s.state]({ ...s, app: name });
  return { ...face, command: { ...face.command, arguments: [s.appId] }, tooltip: renderTooltip(s) };
}

const MAX_APP_NAME = 32;

/**
 * The status bar's name for the app: what runs (`hello:create_app`), shortened in the
 * middle when long; "Flask" until the server says. Never Markdown: the text is plain.
 */
export function appName(s: Status): string {
  // `$(` would start a codicon in a status bar text.
  const name = s.app.replace(/\s+/g, ' ').replace(/\$\(/g, '$ (').trim();
  if (!name) return 'Flask';
  if (name.length <= MAX_APP_NAME) return name;
  const half = Math.floor((MAX_APP_NAME - 1) / 2);
  return `${name.slice(0, half)}…${name.slice(name.length - half)}`;
}

/** ` :5000` from `http://127.0.0.1:5000/`, '' when there is no URL. */
export function portSuffix(url: string | null): string {
  if (!url) return '';
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
    return ` :${port}`;
  } catch {
    return '';
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Backslash-escapes what Markdown would interpret, so server text shows as typed. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');
}

/**
 * The address a browser can open: a server bound to every interface (0.0.0.0, ::)
 * is reached through the loopback address.
 */
export function browsableUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.hostname === '0.0.0.0') parsed.hostname = '127.0.0.1';
    else if (parsed.hostname === '[::]') parsed.hostname = '[::1]';
    return parsed.toString();
  } catch {
    return url;
  }
}
