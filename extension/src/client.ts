// The language client: created on the first Start (a user who never starts pays
// nothing), recreated only when the interpreter it runs with really changed.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
  State as ClientState,
} from 'vscode-languageclient/node';
import { type Coalesced, coalesce } from './coalesce';
import { servedPrefix } from './browserUrl';
import { SECTION, isSetByUser, readSettings, serverLaunch, serverSettings } from './config';
import { errorText } from './errors';
import { FolderInterpreters, INITIALIZATION_OPTIONS, answerConfiguration, folderPython } from './folderSettings';
import { ClientLifecycle } from './lifecycle';
import { tellFailure } from './notify';
import type { Interpreters } from './python';
import { INSTALL_COMMAND, USE_SETTINGS_COMMAND, installOutcome, parseInstall, parseUseSettings, type InstallRequest } from './quickFixes';
import { folderOfApp, runInstallTask, saveSettings } from './quickFixRun';
import { STOPPED, type Status, parseStatus } from './status';

/** Commands the server implements (vscode-languageclient registers them; ours differ). */
export const SERVER_COMMANDS = {
  start: 'failsafe-flask.start',
  stop: 'failsafe-flask.stop',
  restart: 'failsafe-flask.restart',
  status: 'failsafe-flask.status',
  debug: 'failsafe-flask.debug',
} as const;

const STATUS_NOTIFICATION = '$/failsafeFlask/status';

export interface FlaskServerOptions {
  extensionPath: string;
  log: vscode.LogOutputChannel;
  interpreters: Interpreters;
  onStatus: (status: Status) => void;
}

export class FlaskServer implements vscode.Disposable {
  private readonly clients: ClientLifecycle<LanguageClient, vscode.WorkspaceFolder>;
  private folder: vscode.WorkspaceFolder | undefined;
  /**
   * The apps the user asked to run (Start, not yet Stop), by app id ('' for "the folder's
   * app" when no id was given), with their folders: started again after a rebuild.
   */
  private readonly wanted = new Map<string, vscode.WorkspaceFolder>();
  /** Every reason to rebuild the client goes through here, one rebuild at a time. */
  readonly requestRestart: Coalesced = coalesce((reasons) => this.rebuild(reasons));
  /** Each folder's own interpreter, sent as that folder's `python`. */
  private readonly folderPythons: FolderInterpreters;

  constructor(private readonly options: FlaskServerOptions) {
    const interpreters = options.interpreters;
    this.folderPythons = new FolderInterpreters(async (uri) => {
      const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === uri);
      return folder ? (await interpreters.resolve(folder))?.python : undefined;
    });
    this.clients = new ClientLifecycle({
      usable: (folder) => interpreters.usable(folder),
      resolve: async (folder) => (await interpreters.resolve(folder))?.python,
      create: (python, folder) => this.createClient(python, folder),
      log: options.log,
      onStatus: options.onStatus,
    });
  }

  /**
   * Starts the app `appId` of `folder` (without an id: the folder's app), starting the
   * language server first if needed; the first folder started runs the server.
   */
  async start(folder: vscode.WorkspaceFolder, appId = ''): Promise<void> {
    this.wanted.set(appId, folder);
    this.folder ??= folder;
    if (await this.clients.ensure(this.folder)) await this.startApp(folder, appId);
  }

  async stop(appId = ''): Promise<void> {
    this.wanted.delete(appId);
    if (this.clients.running) await this.execute(SERVER_COMMANDS.stop, appId || undefined);
  }

  async restart(folder: vscode.WorkspaceFolder, appId = ''): Promise<void> {
    if (!this.clients.running?.client.isRunning()) return this.start(folder, appId);
    this.wanted.set(appId, folder);
    await this.command(SERVER_COMMANDS.restart, appId || undefined);
  }

  /**
   * Starts the app `appId` of `folder` under the debugger (`args`: the debug command's
   * argument); the status answered says where it listens.
   */
  async debug(folder: vscode.WorkspaceFolder, appId: string, args: object): Promise<Status | undefined> {
    this.wanted.set(appId, folder);
    this.folder ??= folder;
    if (!(await this.clients.ensure(this.folder))) return undefined;
    return this.command(SERVER_COMMANDS.debug, args);
  }

  /** Remembers that Start was asked for, for when the workspace becomes trusted. */
  wantStart(folder: vscode.WorkspaceFolder, appId = ''): void {
    this.wanted.set(appId, folder);
    this.folder ??= folder;
  }

  /**
   * An interpreter may have changed (a folder's selection in the Python extension, the
   * setting): the server pulls every folder's settings again, and an app whose
   * interpreter changed restarts with it. The server's own interpreter is requestRestart's.
   */
  interpreterChanged(): void {
    this.folderPythons.clear();
    const client = this.clients.running?.client;
    if (client?.isRunning()) void client.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
  }

  async dispose(): Promise<void> {
    this.wanted.clear();
    await this.clients.stop();
  }

  private async startApp(folder: vscode.WorkspaceFolder, appId: string): Promise<void> {
    await this.command(SERVER_COMMANDS.start, { workspaceFolder: folder.uri.fsPath, appId: appId || undefined });
  }

  private async startWanted(): Promise<void> {
    for (const [appId, folder] of this.wanted) await this.startApp(folder, appId);
  }

  /**
   * A command whose failure the caller tells the user about. The status bar then shows
   * what the server says now (a failed start: stopped, and why), never a state the
   * failure left behind; and the app is no longer wanted unless it runs.
   */
  private async command(command: string, arg?: object | string): Promise<Status | undefined> {
    try {
      return await this.execute(command, arg);
    } catch (err) {
      const appId = typeof arg === 'string' ? arg : ((arg as { appId?: string } | undefined)?.appId ?? '');
      const now = await this.execute(SERVER_COMMANDS.status, appId || undefined).catch(() => undefined);
      if (!now) this.options.onStatus({ ...STOPPED, appId });
      if (now === undefined || now.state === 'stopped') this.wanted.delete(appId);
      throw err;
    }
  }

  private async rebuild(reasons: string[]): Promise<void> {
    const log = this.options.log;
    log.info(`Restart requested (${reasons.join('; ')})`);
    const folder = this.folder;
    if (this.wanted.size === 0 || !folder || !vscode.workspace.isTrusted) {
      log.info('Restart: nothing to do, no app was asked to run');
      return;
    }
    if (await this.clients.rebuild(folder)) await this.startWanted();
  }

  private createClient(python: string, folder: vscode.WorkspaceFolder): LanguageClient {
    const launch = serverLaunch({
      python,
      extensionPath: this.options.extensionPath,
      baseEnv: process.env,
      exists: (p) => fs.existsSync(p),
    });
    this.options.log.info(`Server: ${launch.command} ${launch.args.join(' ')} (PYTHONPATH=${launch.env.PYTHONPATH})`);
    // No `transport`: TransportKind.stdio would append `--stdio` to our arguments; an
    // Executable speaks over stdio by default.
    const serverOptions: ServerOptions = {
      command: launch.command,
      args: launch.args,
      options: { cwd: folder.uri.fsPath, env: launch.env },
    };
    const client = new LanguageClient('failsafeFlask', 'Failsafe Flask', serverOptions, this.clientOptions(python, folder));
    client.onNotification(STATUS_NOTIFICATION, (params: unknown) => {
      const status = parseStatus(params);
      if (status) this.options.onStatus(status);
      else this.options.log.warn(`Ignored a malformed status: ${JSON.stringify(params)}`);
    });
    client.onDidChangeState((e) => {
      if (e.newState === ClientState.Stopped) this.options.onStatus(STOPPED);
      // vscode-languageclient restarts a crashed server by itself; the new one has no
      // app running: start it again if the user wanted it (our own first start is
      // followed by the start command in start()).
      const running = this.clients.running;
      if (e.newState === ClientState.Running && running?.client === client && running.restarts++ > 0) {
        this.afterCrash();
      }
    });
    return client;
  }

  private clientOptions(python: string, folder: vscode.WorkspaceFolder): LanguageClientOptions {
    const settingsFor = async (scopeUri: string | undefined): Promise<object> => {
      const scope = scopeUri ? vscode.Uri.parse(scopeUri) : folder.uri;
      const config = vscode.workspace.getConfiguration(SECTION, scope);
      const own = vscode.workspace.getWorkspaceFolder(scope);
      const appPython = folderPython(own ? await this.folderPythons.get(own.uri.toString()) : undefined, python);
      const settings = readSettings((key) => config.get(key));
      // In browser-based VS Code the app is served under the proxy's prefix (browserUrl.ts).
      settings.urlPrefix = servedPrefix(settings.urlPrefix, isWebUi());
      return serverSettings(settings, appPython, (key) => isSetByUser(config.inspect(key)));
    };
    return {
      // Every file: the server restarts on saves of templates and config files too.
      documentSelector: [{ scheme: 'file' }],
      outputChannel: this.options.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // A server that cannot initialize will not do better on a retry: say so once.
      initializationFailedHandler: () => false,
      initializationOptions: { ...INITIALIZATION_OPTIONS },
      synchronize: { configurationSection: SECTION },
      middleware: {
        workspace: {
          // Our section is answered per folder with what the server needs (with that
          // folder's `python`, not the raw `interpreter` setting); any other as VS Code has it.
          configuration: async (params, token, next) => {
            const answers = await next(params, token);
            if (!Array.isArray(answers)) return answers;
            return answerConfiguration(params.items, answers, SECTION, settingsFor);
          },
        },
        executeCommand: (command, args, next) => this.quickFixCommand(command, args, next),
      },
    };
  }

  /** Quick fixes: pip runs in a terminal; a chosen port or app is also saved. */
  private async quickFixCommand(command: string, args: unknown[], next: (command: string, args: unknown[]) => unknown): Promise<unknown> {
    const install = command === INSTALL_COMMAND ? parseInstall(args[0]) : undefined;
    if (install) return this.installInTerminal(install);
    const use = command === USE_SETTINGS_COMMAND ? parseUseSettings(args[0]) : undefined;
    // Saved: a plain Start reads it (the server pulls the settings at each start), so
    // the setting stays the one truth and a later change of it counts.
    if (use && (await saveSettings(use, this.options.log))) return this.startSaved(use.appId);
    return next(command, args);
  }

  private async startSaved(appId: string): Promise<void> {
    const folder = folderOfApp(appId);
    if (folder) await this.start(folder, ownId(folder, appId));
  }

  /** pip as a task; once it succeeded, the app restarts (it failed for want of it). */
  private async installInTerminal(request: InstallRequest): Promise<void> {
    this.options.log.info(`Quick fix: ${request.commandLine.join(' ')} (a task in a terminal)`);
    const outcome = installOutcome(request, await runInstallTask(request));
    const folder = folderOfApp(request.appId);
    if (outcome.failure) await tellFailure(this.options.log, outcome.failure);
    else if (folder) await this.restart(folder, ownId(folder, request.appId));
  }

  private afterCrash(): void {
    const wanted = [...this.wanted];
    const text =
      wanted.length > 0
        ? 'The Failsafe Flask server crashed and was restarted; the app is starting again.'
        : 'The Failsafe Flask server crashed and was restarted.';
    void tellFailure(this.options.log, text, 'warn');
    for (const [appId, wantedIn] of wanted) {
      const arg = { workspaceFolder: wantedIn.uri.fsPath, appId: appId || undefined };
      this.execute(SERVER_COMMANDS.start, arg).catch((err: unknown) => {
        this.options.log.error(`Starting the app after a server restart failed: ${errorText(err)}`);
      });
    }
  }

  /** Runs a server command; the status it answers with is shown and returned. */
  private async execute(command: string, arg?: object | string): Promise<Status | undefined> {
    const client = this.clients.running?.client;
    if (!client?.isRunning()) return undefined;
    const result: unknown = await client.sendRequest(ExecuteCommandRequest.type, {
      command,
      arguments: arg ? [arg] : [],
    });
    const status = parseStatus(result);
    if (status) this.options.onStatus(status);
    return status;
  }
}

/** VS Code in a browser tab (code-server, vscode.dev): the app is reached through a proxy. */
export function isWebUi(): boolean {
  return vscode.env.uiKind === vscode.UIKind.Web;
}

/** The id `wanted` keeps an app under: '' for a folder's own app, as Start does. */
function ownId(folder: vscode.WorkspaceFolder, appId: string): string {
  return appId === folder.uri.toString() ? '' : appId;
}
