// The palette commands. Each checks what it needs (trust, a folder, a URL) and explains
// itself instead of failing silently.
import * as vscode from 'vscode';
import { type FlaskServer, isWebUi } from './client';
import { SECTION, readSettings } from './config';
import { parseNoApp } from './appChoice';
import { appToActOn, appsToStart, folderOf } from './appPick';
import { type AppRef, parsePortTaken } from './apps';
import { errorText } from './errors';
import { tellFailure } from './notify';
import { chooseApp } from './pickApp';
import { platformProblem } from './platform';
import { browserTarget, openedUrl, servedPrefix } from './browserUrl';
import type { StatusBar } from './statusBar';

export const TRUST_MESSAGE = "Failsafe Flask runs your project's code; trust this workspace to start it.";

export interface CommandDeps {
  server: FlaskServer;
  statusBar: StatusBar;
  log: vscode.LogOutputChannel;
  /** Where Start's choice among several apps is remembered. */
  state: vscode.Memento;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { server, log } = deps;
  // A status bar item or tooltip link passes its app's id; the palette passes nothing.
  const guarded = (name: string, action: (app?: unknown) => Promise<void>) => async (app?: unknown): Promise<void> => {
    try {
      await action(app);
    } catch (err) {
      await tellFailure(log, `Failsafe Flask: ${name} failed: ${errorText(err)}`);
    }
  };
  return [
    vscode.commands.registerCommand('failsafeFlask.start', guarded('Start', (app) => startCommand(deps, app))),
    vscode.commands.registerCommand(
      'failsafeFlask.restart',
      guarded('Restart', async (given) => {
        const app = await appToActOn(given, runningApps(deps), 'Restart');
        const folder = app && (await trustedFolder(deps, app));
        if (app && folder) await orChooseApp(deps, folder, () => server.restart(folder, app.appId));
      }),
    ),
    vscode.commands.registerCommand(
      'failsafeFlask.stop',
      guarded('Stop', async (given) => {
        const app = await appToActOn(given, runningApps(deps), 'Stop');
        if (app) await server.stop(app.appId);
      }),
    ),
    vscode.commands.registerCommand('failsafeFlask.openInBrowser', guarded('Open in Browser', (app) => openInBrowser(deps, app))),
    vscode.commands.registerCommand('failsafeFlask.showLogs', () => log.show()),
  ];
}

/** The apps whose last status is not stopped. */
function runningApps(deps: CommandDeps): string[] {
  return [...deps.statusBar.apps.values()].filter((s) => s.state !== 'stopped').map((s) => s.appId);
}

async function startCommand(deps: CommandDeps, given: unknown): Promise<void> {
  if (!vscode.workspace.workspaceFolders?.length) {
    void vscode.window.showErrorMessage('Failsafe Flask: open the folder of a Flask app first.');
    return;
  }
  // One after the other: each start answers before the next (and each may ask for its app).
  for (const app of await appsToStart(deps.state, given)) {
    const folder = await trustedFolder(deps, app);
    if (!folder) return;
    const start = (): Promise<void> => deps.server.start(folder, app.appId);
    await orChooseApp(deps, folder, () => orOtherPort(folder, app, start));
  }
}

/**
 * Runs a start; refused because another app serves its port, offers the next free port:
 * saved as the folder's port (an app of `failsafeFlask.apps` has its port in its entry,
 * which the user edits), then the start is tried again.
 */
async function orOtherPort(folder: vscode.WorkspaceFolder, app: AppRef, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (err) {
    const taken = parsePortTaken(err);
    if (!taken?.suggestedPort || app.appId !== app.folderUri) throw err;
    const use = `Use port ${taken.suggestedPort}`;
    if ((await vscode.window.showErrorMessage(taken.message, use)) !== use) return;
    await vscode.workspace.getConfiguration(SECTION, folder.uri).update('port', taken.suggestedPort, vscode.ConfigurationTarget.WorkspaceFolder);
    await start();
  }
}

/** Runs a start; refused for want of an app, offers the candidates and starts the one chosen. */
async function orChooseApp(deps: CommandDeps, folder: vscode.WorkspaceFolder, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (err) {
    const noApp = parseNoApp(err);
    if (!noApp) throw err;
    const app = await chooseApp(folder, noApp, deps.log);
    // The server reads the settings afresh at each start: the saved app is used.
    if (app) await start();
  }
}

/** The folder to run, once the workspace is trusted; explains and returns undefined otherwise. */
async function trustedFolder(deps: CommandDeps, app: AppRef): Promise<vscode.WorkspaceFolder | undefined> {
  // The extension runs where the files are (a WSL or SSH remote is Linux): its platform counts.
  const unsupported = platformProblem(process.platform);
  if (unsupported) {
    void vscode.window.showErrorMessage(unsupported);
    return undefined;
  }
  const folder = folderOf(app);
  if (!folder) {
    void vscode.window.showErrorMessage('Failsafe Flask: open the folder of a Flask app first.');
    return undefined;
  }
  if (!vscode.workspace.isTrusted) {
    deps.log.info('Start refused: the workspace is not trusted (it will start once trust is granted)');
    deps.server.wantStart(folder, app.appId);
    const manage = 'Manage Workspace Trust';
    const choice = await vscode.window.showWarningMessage(TRUST_MESSAGE, manage);
    if (choice === manage) await vscode.commands.executeCommand('workbench.trust.manage');
    return undefined;
  }
  return folder;
}

async function openInBrowser(deps: CommandDeps, given: unknown): Promise<void> {
  const app = await appToActOn(given, runningApps(deps), 'Open in Browser');
  if (!app && vscode.workspace.workspaceFolders?.length) return; // the choice was dismissed
  // Each app's own URL; the last status when the server has named no app yet.
  const known = app ? deps.statusBar.apps.get(app.appId) : undefined;
  const url = known ? known.url : deps.statusBar.current.url;
  if (!url) {
    void vscode.window.showInformationMessage('Failsafe Flask is not serving yet: start it first.');
    return;
  }
  const folder = app && folderOf(app);
  const settings = readSettings((key) => vscode.workspace.getConfiguration(SECTION, folder?.uri).get(key));
  const target = browserTarget(url, servedPrefix(settings.urlPrefix, isWebUi()));
  // asExternalUri maps a local port to one the user's browser can reach (remote, web).
  const external = await vscode.env.asExternalUri(vscode.Uri.parse(target.local));
  // Without a prefix, asExternalUri's answer as it is (its encoding untouched).
  const opened = target.prefix ? vscode.Uri.parse(openedUrl(external.toString(), target)) : external;
  const simple = settings.browser === 'simpleBrowser';
  deps.log.info(`Opening ${opened.toString(true)} in the ${simple ? 'Simple Browser' : 'external browser'}`);
  if (simple) {
    try {
      await vscode.commands.executeCommand('simpleBrowser.show', opened.toString(true));
      return;
    } catch (err) {
      deps.log.warn(`Simple Browser is not available (${errorText(err)}); using the external browser`);
    }
  }
  await vscode.env.openExternal(opened);
}
