// The palette commands. Each checks what it needs (trust, a folder, a URL) and explains
// itself instead of failing silently.
import * as vscode from 'vscode';
import type { FlaskServer } from './client';
import { SECTION, readSettings } from './config';
import { parseNoApp } from './appChoice';
import { errorText } from './errors';
import { tellFailure } from './notify';
import { chooseApp } from './pickApp';
import { platformProblem } from './platform';
import { browsableUrl } from './status';
import type { StatusBar } from './statusBar';

export const TRUST_MESSAGE = "Failsafe Flask runs your project's code; trust this workspace to start it.";

export interface CommandDeps {
  server: FlaskServer;
  statusBar: StatusBar;
  log: vscode.LogOutputChannel;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { server, log } = deps;
  const guarded = (name: string, action: () => Promise<void>) => async (): Promise<void> => {
    try {
      await action();
    } catch (err) {
      await tellFailure(log, `Failsafe Flask: ${name} failed: ${errorText(err)}`);
    }
  };
  return [
    vscode.commands.registerCommand('failsafeFlask.start', guarded('Start', () => startCommand(deps))),
    vscode.commands.registerCommand(
      'failsafeFlask.restart',
      guarded('Restart', async () => {
        const folder = await trustedFolder(deps);
        if (folder) await orChooseApp(deps, folder, () => server.restart(folder));
      }),
    ),
    vscode.commands.registerCommand('failsafeFlask.stop', guarded('Stop', () => server.stop())),
    vscode.commands.registerCommand('failsafeFlask.openInBrowser', guarded('Open in Browser', () => openInBrowser(deps))),
    vscode.commands.registerCommand('failsafeFlask.showLogs', () => log.show()),
  ];
}

async function startCommand(deps: CommandDeps): Promise<void> {
  const folder = await trustedFolder(deps);
  if (folder) await orChooseApp(deps, folder, () => deps.server.start(folder));
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
    if (app) await deps.server.start(folder);
  }
}

/** The folder to run, once the workspace is trusted; explains and returns undefined otherwise. */
async function trustedFolder(deps: CommandDeps): Promise<vscode.WorkspaceFolder | undefined> {
  // The extension runs where the files are (a WSL or SSH remote is Linux): its platform counts.
  const unsupported = platformProblem(process.platform);
  if (unsupported) {
    void vscode.window.showErrorMessage(unsupported);
    return undefined;
  }
  const folder = currentFolder();
  if (!folder) {
    void vscode.window.showErrorMessage('Failsafe Flask: open the folder of a Flask app first.');
    return undefined;
  }
  if (!vscode.workspace.isTrusted) {
    deps.log.info('Start refused: the workspace is not trusted (it will start once trust is granted)');
    deps.server.wantStart(folder);
    const manage = 'Manage Workspace Trust';
    const choice = await vscode.window.showWarningMessage(TRUST_MESSAGE, manage);
    if (choice === manage) await vscode.commands.executeCommand('workbench.trust.manage');
    return undefined;
  }
  return folder;
}

/** The folder of the active editor's file, else the first folder. */
function currentFolder(): vscode.WorkspaceFolder | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  const own = active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
  return own ?? vscode.workspace.workspaceFolders?.[0];
}

async function openInBrowser(deps: CommandDeps): Promise<void> {
  const url = deps.statusBar.current.url;
  if (!url) {
    void vscode.window.showInformationMessage('Failsafe Flask is not serving yet: start it first.');
    return;
  }
  // asExternalUri maps a local port to one the user's browser can reach (remote, web).
  const uri = await vscode.env.asExternalUri(vscode.Uri.parse(browsableUrl(url)));
  const folder = currentFolder();
  const { browser } = readSettings((key) => vscode.workspace.getConfiguration(SECTION, folder?.uri).get(key));
  deps.log.info(`Opening ${uri.toString(true)} in the ${browser === 'simpleBrowser' ? 'Simple Browser' : 'external browser'}`);
  if (browser === 'simpleBrowser') {
    try {
      await vscode.commands.executeCommand('simpleBrowser.show', uri.toString(true));
      return;
    } catch (err) {
      deps.log.warn(`Simple Browser is not available (${errorText(err)}); using the external browser`);
    }
  }
  await vscode.env.openExternal(uri);
}
