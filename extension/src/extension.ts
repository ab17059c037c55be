// Activation only: builds the parts, wires them, shows activation errors. The language
// server is not started here but on the first Start.
import * as vscode from 'vscode';
import { currentApps } from './appPick';
import { FlaskServer } from './client';
import { SECTION } from './config';
import { registerCommands } from './commands';
import { registerDebugging } from './debug';
import { errorText } from './errors';
import { tellFailure } from './notify';
import { Interpreters } from './python';
import type { Status } from './status';
import { StatusBar } from './statusBar';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Failsafe Flask', { log: true });
  const statusBar = new StatusBar(() => currentApps().length);
  const interpreters = new Interpreters(log);
  // Debug sessions follow the app's processes through the statuses.
  const statuses = new vscode.EventEmitter<Status>();
  const server = new FlaskServer({
    extensionPath: context.extensionPath,
    log,
    interpreters,
    onStatus: (status) => {
      statusBar.show(status);
      statuses.fire(status);
    },
  });
  const restart = (reason: string): void => {
    server.requestRestart(reason).catch((err: unknown) => tellFailure(log, `Failsafe Flask could not restart: ${errorText(err)}`));
  };
  context.subscriptions.push(
    log,
    statusBar,
    interpreters,
    { dispose: () => void server.dispose() },
    ...registerCommands({ server, statusBar, log, state: context.workspaceState }),
    statuses,
    ...registerDebugging({ extensionPath: context.extensionPath, server, statuses: statuses.event, log }),
    interpreters.onDidChange((reason) => {
      server.interpreterChanged(); // each folder's app: its own interpreter, pulled again
      restart(reason); // the server's own interpreter
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => restart('workspace trusted')),
    // The client pushes the change to the server itself (synchronize.configurationSection);
    // this only leaves a trace in the log.
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) log.info('Settings changed: the server reloads them');
    }),
  );
  log.info(`Failsafe Flask ${(context.extension.packageJSON as { version?: string }).version ?? ''} activated`);
}

export function deactivate(): void {
  // Everything is in context.subscriptions; stopping the client closes the server.
}
