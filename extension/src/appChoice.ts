// The server's "no app" refusal of a start, and what to offer from it. Pure: no
// 'vscode' import, so it is unit-tested outside the editor.

/** One app the server found in the project by reading its files. */
export interface AppCandidate {
  app: string; // the failsafeFlask.app / --app form, e.g. "flaskr:create_app"
  file: string; // relative to the folder
  name: string; // "create_app", "app"
  factory: boolean;
}

export interface NoApp {
  message: string;
  setting: string;
  candidates: AppCandidate[];
}

export interface AppPick {
  label: string;
  description: string;
  detail: string;
  app: string | undefined; // undefined: "type another" entry
}

/** The refusal, from the error a start request rejected with; undefined for any other error. */
export function parseNoApp(err: unknown): NoApp | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { message, data } = err as { message?: unknown; data?: unknown };
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  if (d.reason !== 'noApp') return undefined;
  const candidates = Array.isArray(d.candidates) ? d.candidates.filter(isCandidate) : [];
  return {
    message: typeof message === 'string' ? message : '',
    setting: typeof d.setting === 'string' ? d.setting : 'failsafeFlask.app',
    candidates,
  };
}

function isCandidate(value: unknown): value is AppCandidate {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.app === 'string' && v.app.length > 0 && typeof v.file === 'string' && typeof v.name === 'string';
}

/** The quick pick's entries: each candidate, then a way to type another app. */
export function appPicks(noApp: NoApp): AppPick[] {
  const picks: AppPick[] = noApp.candidates.map((c) => ({
    label: c.app,
    description: c.file,
    detail: c.factory ? `the ${c.name}() factory` : `the Flask app ${c.name}`,
    app: c.app,
  }));
  picks.push({
    label: 'Another app…',
    description: '',
    detail: `Type it as flask --app takes it; saved to ${noApp.setting}`,
    app: undefined,
  });
  return picks;
}

/** The toast when there is nothing to pick from: it names the setting. */
export function noAppToast(folderName: string, noApp: NoApp): { text: string; action: string } {
  return {
    text: `Failsafe Flask found no Flask app in ${folderName}: no app.py, wsgi.py or create_app. Set ${noApp.setting} to the app to run.`,
    action: `Set ${noApp.setting}`,
  };
}

/** What the input box accepts: a non-empty --app form without line breaks. */
export function checkAppForm(value: string): string | undefined {
  const text = value.trim();
  if (!text) return 'Name the app, e.g. hello, hello:create_app or backend/app.py';
  if (/[\r\n]/.test(text)) return 'One line only';
  return undefined;
}
