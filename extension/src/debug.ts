// The `failsafe-flask` debug type: F5 and launch.json (the configuration provider), the
// adapter VS Code runs for a session (inline: debugAdapter.ts), and the palette's
// "Failsafe Flask: Debug".
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FlaskServer } from './client';
import { FlaskDebugAdapter } from './debugAdapter';
import { DEBUG_TYPE, type FlaskDebugConfig, debugCommandArgs, initialConfiguration, resolveDebugConfig } from './debugConfig';
import { TRUST_MESSAGE } from './commands';
import type { Status } from './status';

/** Microsoft's Python Debugger: its own debugpy adapter, for `debugpy` sessions. */
const MS_DEBUGPY = 'ms-python.debugpy';

export interface DebugDeps {
  extensionPath: string;
  server: FlaskServer;
  statuses: vscode.Event<Status>;
  log: vscode.LogOutputChannel;
}

export function registerDebugging(deps: DebugDeps): vscode.Disposable[] {
  return [
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, configurationProvider(deps)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, { provideDebugConfigurations: () => [initialConfiguration()] }, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, { createDebugAdapterDescriptor: (session) => adapterFor(deps, session) }),
    vscode.commands.registerCommand('failsafeFlask.debug', (given?: unknown) => debugCommand(given)),
  ];
}

function configurationProvider(deps: DebugDeps): vscode.DebugConfigurationProvider {
  return {
    provideDebugConfigurations: () => [initialConfiguration()],
    resolveDebugConfiguration: (folder, raw) => {
      const resolved = resolveDebugConfig(raw);
      if ('error' in resolved) {
        void vscode.window.showErrorMessage(`Failsafe Flask: this launch configuration cannot run: ${resolved.error}.`);
        return undefined;
      }
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage(TRUST_MESSAGE);
        return undefined;
      }
      if (!folder && !vscode.workspace.workspaceFolders?.length) {
        void vscode.window.showErrorMessage('Failsafe Flask: open the folder of a Flask app first.');
        return undefined;
      }
      deps.log.info(`Debug: launch configuration "${resolved.config.name}"`);
      return resolved.config;
    },
  };
}

function adapterFor(deps: DebugDeps, session: vscode.DebugSession): vscode.DebugAdapterDescriptor | undefined {
  const folder = session.workspaceFolder ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) return undefined;
  const config = session.configuration as unknown as FlaskDebugConfig;
  const folderUri = folder.uri.toString();
  const appId = config.appName ? `${folderUri}#${config.appName}` : folderUri;
  const microsoft = vscode.extensions.getExtension(MS_DEBUGPY);
  deps.log.info(
    microsoft
      ? `Debug: ${MS_DEBUGPY} is installed; using Failsafe Flask's own adapter with the bundled debugpy, which keeps one session across app restarts`
      : 'Debug: using Failsafe Flask\'s own adapter with the bundled debugpy (no other extension needed)',
  );
  const adapter = new FlaskDebugAdapter({
    config,
    ownFolders: [path.join(deps.extensionPath, 'bundled')],
    appId,
    debugArgs: debugCommandArgs(config, folder.uri.fsPath, config.appName ? appId : undefined),
    server: {
      debug: (id, args) => deps.server.debug(folder, id, args),
      stop: (id) => deps.server.stop(id),
      restart: (id) => deps.server.restart(folder, id),
    },
    statuses: deps.statuses,
    log: deps.log,
  });
  // vscode.DebugAdapter extends the Disposable class in its typings; VS Code only calls dispose().
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  return new vscode.DebugAdapterInlineImplementation(adapter);
}

/** The palette (no argument) or the status bar tooltip (the app's id: `folderUri` or `folderUri#name`). */
async function debugCommand(given?: unknown): Promise<void> {
  const [folderUri, appName] = typeof given === 'string' ? splitAppId(given) : [undefined, undefined];
  const active = vscode.window.activeTextEditor?.document.uri;
  const folder =
    vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === folderUri) ??
    (active && vscode.workspace.getWorkspaceFolder(active)) ??
    vscode.workspace.workspaceFolders?.[0];
  const config: FlaskDebugConfig = { ...initialConfiguration(), ...(appName ? { appName, name: `Failsafe Flask: ${appName}` } : {}) };
  await vscode.debug.startDebugging(folder, config);
}

function splitAppId(appId: string): [string, string | undefined] {
  const hash = appId.indexOf('#');
  return hash < 0 ? [appId, undefined] : [appId.slice(0, hash), appId.slice(hash + 1)];
}
