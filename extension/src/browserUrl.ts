// The address Open in Browser opens, wherever VS Code runs. Pure: commands.ts passes what
// vscode.env says (UI kind) and what vscode.env.asExternalUri made of the local address.
//
// Desktop: the app's own address. Remote (SSH, WSL, containers): asExternalUri forwards
// the port and keeps the path. Browser-based VS Code (code-server): asExternalUri answers
// `/proxy/<port>/`, which strips the path, so every absolute link of the app (url_for,
// static files, redirects) would leave the proxy; code-server's `/absproxy/<port>/`
// forwards the full path instead, and the server serves the app under that prefix
// (`urlPrefix`). code-server sends no X-Forwarded-* headers: the prefix cannot be learned
// from the requests, so it comes from the settings.
import { browsableUrl } from './status';

/** The prefix used in browser-based VS Code when `failsafeFlask.urlPrefix` is empty. */
export const WEB_PREFIX = '/absproxy/{port}';

/** The `urlPrefix` the server is given: the setting, else the web default, else none. */
export function servedPrefix(setting: string, web: boolean): string {
  const trimmed = setting.trim();
  if (trimmed !== '') return trimmed;
  return web ? WEB_PREFIX : '';
}

export interface BrowserTarget {
  /** The app's root on the machine it runs on, for asExternalUri. */
  local: string;
  /** The path it is served under, `{port}` replaced, without a trailing `/`; '' for none. */
  prefix: string;
}

/** What to open for the app serving at `url` (the server's status) under `prefix`. */
export function browserTarget(url: string, prefix: string): BrowserTarget {
  const local = browsableUrl(url);
  if (!prefix || prefix === '/') return { local, prefix: '' };
  let port = '';
  try {
    const parsed = new URL(local);
    port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  } catch {
    return { local, prefix: '' };
  }
  return { local, prefix: prefix.replace(/\{port\}/g, port).replace(/\/+$/, '') };
}

/**
 * The URL to open: what asExternalUri made of the local root, moved under the prefix.
 * The prefix replaces the path: asExternalUri's own path (code-server's `/proxy/<port>/`)
 * is the route that strips it.
 */
export function openedUrl(external: string, target: BrowserTarget): string {
  if (!target.prefix) return external;
  try {
    const parsed = new URL(external);
    parsed.pathname = `${target.prefix}/`;
    parsed.search = '';
    return parsed.toString();
  } catch {
    return external;
  }
}
