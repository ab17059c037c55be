// When a start is refused for want of an app: offer the candidates the server found,
// save the choice to failsafeFlask.app for the folder, and let the caller start again.
import * as vscode from 'vscode';
import { type NoApp, appPicks, checkAppForm, noAppToast } from './appChoice';
import { SECTION } from './config';

/** The app the user chose and saved, or undefined when they dismissed the choice. */
export async function chooseApp(folder: vscode.WorkspaceFolder, noApp: NoApp, log: vscode.LogOutputChannel): Promise<string | undefined> {
  log.info(`No app to run in ${folder.uri.fsPath}; candidates: ${noApp.candidates.map((c) => c.app).join(', ') || 'none'}`);
  const app = noApp.candidates.length > 0 ? await pickCandidate(folder, noApp) : await askFromToast(folder, noApp);
  if (!app) return undefined;
  // The folder's own settings: another folder of the workspace may hold another app.
  await vscode.workspace.getConfiguration(SECTION, folder.uri).update('app', app, vscode.ConfigurationTarget.WorkspaceFolder);
  log.info(`Saved ${noApp.setting} = ${app} for ${folder.name}`);
  return app;
}

async function pickCandidate(folder: vscode.WorkspaceFolder, noApp: NoApp): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(appPicks(noApp), {
    title: `Failsafe Flask: which app runs in ${folder.name}?`,
    placeHolder: `No app.py or wsgi.py at the top: choose the app (saved to ${noApp.setting})`,
    matchOnDescription: true,
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  return picked.app ?? (await typeApp(noApp));
}

async function askFromToast(folder: vscode.WorkspaceFolder, noApp: NoApp): Promise<string | undefined> {
  const toast = noAppToast(folder.name, noApp);
  const choice = await vscode.window.showWarningMessage(toast.text, toast.action);
  return choice === toast.action ? typeApp(noApp) : undefined;
}

async function typeApp(noApp: NoApp): Promise<string | undefined> {
  const typed = await vscode.window.showInputBox({
    title: `Failsafe Flask: ${noApp.setting}`,
    prompt: 'The app to run, as flask --app takes it',
    placeHolder: 'hello, hello:create_app, "hello:create_app(\'dev\')" or backend/app.py',
    validateInput: checkAppForm,
    ignoreFocusOut: true,
  });
  return typed?.trim() || undefined;
}
