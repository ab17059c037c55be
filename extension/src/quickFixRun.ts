// The quick fixes' commands inside VS Code: pip as a task in a terminal, and a chosen
// port or app saved where the user would have set it. The decisions are quickFixes.ts.
import * as vscode from 'vscode';
import { SECTION } from './config';
import { type InstallRequest, type UseSettingsRequest, installTask, splitAppId, withEntrySettings } from './quickFixes';

export function folderOfApp(appId: string): vscode.WorkspaceFolder | undefined {
  const { folderUri } = splitAppId(appId);
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === folderUri);
}

/** Runs pip in a terminal as a `failsafeFlask` task; resolves with its exit code. */
export async function runInstallTask(request: InstallRequest): Promise<number | undefined> {
  const { definition, name } = installTask(request);
  const [python, ...args] = request.commandLine;
  const folder = folderOfApp(request.appId);
  // A process, not a shell line: nothing in the command is parsed twice.
  const execution = new vscode.ProcessExecution(python ?? 'python', args, folder ? { cwd: folder.uri.fsPath } : {});
  const task = new vscode.Task(definition, folder ?? vscode.TaskScope.Workspace, name, 'Failsafe Flask', execution);
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true };
  return new Promise((resolve, reject) => {
    let running: vscode.TaskExecution | undefined;
    const ended = vscode.tasks.onDidEndTaskProcess((e) => {
      // Ours by its execution, or by its definition should it end before we hold that.
      const d = e.execution.task.definition;
      const ours = e.execution === running || (d.type === definition.type && d.distribution === definition.distribution && d.appId === definition.appId);
      if (!ours) return;
      ended.dispose();
      resolve(e.exitCode);
    });
    vscode.tasks.executeTask(task).then(
      (execution) => (running = execution),
      (err: unknown) => {
        ended.dispose();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Saves a quick fix's port or app at the folder's scope (an app of `failsafeFlask.apps`:
 * in its entry, when the folder's settings hold it); false when it could not be saved.
 */
export async function saveSettings(request: UseSettingsRequest, log: vscode.LogOutputChannel): Promise<boolean> {
  const folder = folderOfApp(request.appId);
  if (!folder) return false;
  const config = vscode.workspace.getConfiguration(SECTION, folder.uri);
  const target = vscode.ConfigurationTarget.WorkspaceFolder;
  const { entry } = splitAppId(request.appId);
  if (entry === undefined) {
    for (const [key, value] of Object.entries(request.settings)) await config.update(key, value, target);
  } else {
    const apps = withEntrySettings(config.inspect('apps')?.workspaceFolderValue, entry, request.settings);
    if (!apps) {
      log.info(`Quick fix: ${entry} is not in ${folder.name}'s own failsafeFlask.apps; not saved`);
      return false;
    }
    await config.update('apps', apps, target);
  }
  log.info(`Quick fix: saved ${JSON.stringify(request.settings)} for ${request.appId}`);
  return true;
}
