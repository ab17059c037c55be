// Which of the workspace's apps a command acts on, asked in a quick pick when it cannot
// be told (several apps, none given, none in the active editor's folder). Start's choice
// is remembered per workspace and offered first next time.
import * as vscode from 'vscode';
import { type AppRef, START_ALL, startChoices, targetApp, workspaceApps } from './apps';
import { SECTION } from './config';
import { folderPath } from './status';

const REMEMBERED = 'failsafeFlask.lastStart';

/** The workspace's apps, as the language server counts them. */
export function currentApps(): AppRef[] {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return workspaceApps(
    folders.map((f) => ({ uri: f.uri.toString(), name: f.name, apps: vscode.workspace.getConfiguration(SECTION, f.uri).get('apps') })),
  );
}

export function folderOf(app: AppRef): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === app.folderUri);
}

function activeFolderUri(): string | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  return active ? vscode.workspace.getWorkspaceFolder(active)?.uri.toString() : undefined;
}

type Item = vscode.QuickPickItem & { id: string };

function item(apps: readonly AppRef[], id: string): Item {
  if (id === START_ALL) return { id, label: '$(run-all) Start All', description: `${apps.length} apps` };
  const app = apps.find((a) => a.appId === id);
  return { id, label: app?.name ?? id, description: app ? folderPath(app.folderUri) : '' };
}

/** The apps Start runs: the one given, the only one, or what the user picks (or all). */
export async function appsToStart(state: vscode.Memento, given: unknown): Promise<AppRef[]> {
  const apps = currentApps();
  const known = typeof given === 'string' ? targetApp(apps, given, undefined) : undefined;
  if (known) return [known];
  if (apps.length <= 1) return apps;
  const remembered = state.get<string>(REMEMBERED);
  const picked = await vscode.window.showQuickPick(
    startChoices(apps, remembered).map((id) => item(apps, id)),
    { title: 'Failsafe Flask: start which app?', placeHolder: 'This workspace has several apps', ignoreFocusOut: true },
  );
  if (!picked) return [];
  await state.update(REMEMBERED, picked.id);
  return picked.id === START_ALL ? apps : apps.filter((a) => a.appId === picked.id);
}

/** The app Stop, Restart or Open in Browser acts on: given, the active folder's, or asked. */
export async function appToActOn(given: unknown, running: readonly string[], verb: string): Promise<AppRef | undefined> {
  const apps = currentApps();
  const found = targetApp(apps, given, activeFolderUri(), running);
  if (found) return found;
  const live = apps.filter((a) => running.includes(a.appId));
  const offered = live.length > 0 ? live : apps;
  const picked = await vscode.window.showQuickPick(
    offered.map((a) => item(apps, a.appId)),
    { title: `Failsafe Flask: ${verb} which app?`, ignoreFocusOut: true },
  );
  return picked ? apps.find((a) => a.appId === picked.id) : undefined;
}
