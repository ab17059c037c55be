// The language client: created on the first Start (a user who never starts pays
// nothing), recreated only when the interpreter it runs with really changed.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
  State as ClientState,
} from 'vscode-languageclient/node';
import { type Coalesced, coalesce } from './coalesce';
import { SECTION, isSetByUser, readSettings, serverLaunch, serverSettings } from './config';
import { errorText } from './interpreter';
import type { Interpreters } from './python';
import { STOPPED, type Status, parseStatus } from './status';

/** Commands the server implements (vscode-languageclient registers them; ours differ). */
export const SERVER_COMMANDS = {
  start: 'failsafe-flask.start',
  stop: 'failsafe-flask.stop',
  restart: 'failsafe-flask.restart',
  status: 'failsafe-flask.status',
} as const;

const STATUS_NOTIFICATION = '$/failsafeFlask/status';

export interface FlaskServerOptions {
  extensionPath: string;
  log: vscode.LogOutputChannel;
  interpreters: Interpreters;
  onStatus: (status: Status) => void;
}

interface Running {
  client: LanguageClient;
  python: string;
  folder: vscode.WorkspaceFolder;
  restarts: number; // times the client reached Running (more than once: after a crash)
}

export class FlaskServer implements vscode.Disposable {
  private running: Running | undefined;
  private folder: vscode.WorkspaceFolder | undefined;
  /** The user asked for the app to run (Start, not yet Stop). */
  private wanted = false;
  /** Every reason to rebuild the client goes through here, one rebuild at a time. */
  readonly requestRestart: Coalesced = coalesce((reasons) => this.rebuild(reasons));

  constructor(private readonly options: FlaskServerOptions) {}

  /** Starts the app in `folder`, starting the language server first if needed. */
  async start(folder: vscode.WorkspaceFolder): Promise<void> {
    this.wanted = true;
    this.folder = folder;
    const running = await this.ensureClient(folder);
    if (running) await this.execute(SERVER_COMMANDS.start, { workspaceFolder: folder.uri.fsPath });
  }

  async stop(): Promise<void> {
    this.wanted = false;
    if (this.running) await this.execute(SERVER_COMMANDS.stop);
  }

  async restart(folder: vscode.WorkspaceFolder): Promise<void> {
    if (!this.running?.client.isRunning()) return this.start(folder);
    this.wanted = true;
    await this.execute(SERVER_COMMANDS.restart);
  }

  /** Remembers that Start was asked for, for when the workspace becomes trusted. */
  wantStart(folder: vscode.WorkspaceFolder): void {
    this.wanted = true;
    this.folder = folder;
  }

  async dispose(): Promise<void> {
    this.wanted = false;
    await this.stopClient();
  }

  private async rebuild(reasons: string[]): Promise<void> {
    const log = this.options.log;
    log.info(`Restart requested (${reasons.join('; ')})`);
    const folder = this.folder;
    if (!this.wanted || !folder || !vscode.workspace.isTrusted) {
      log.info('Restart: nothing to do, the app was not asked to run');
      return;
    }
    if (this.running) {
      const found = await this.options.interpreters.resolve(this.running.folder);
      if (found?.python === this.running.python && this.running.client.isRunning()) {
        log.info(`Restart: the interpreter is still ${found.python}; the server keeps running`);
        return;
      }
      await this.stopClient();
    }
    await this.start(folder);
  }

  private async ensureClient(folder: vscode.WorkspaceFolder): Promise<Running | undefined> {
    const python = await this.options.interpreters.usable(folder);
    if (!python) return undefined;
    const current = this.running;
    if (current && current.python === python && current.client.isRunning()) return current;
    if (current) {
      this.options.log.info(`Interpreter changed from ${current.python} to ${python}: restarting the server`);
      await this.stopClient();
    }
    this.options.onStatus({ ...STOPPED, state: 'starting', message: 'Starting the language server' });
    const client = this.createClient(python, folder);
    this.running = { client, python, folder, restarts: 0 };
    try {
      await client.start();
    } catch (err) {
      this.running = undefined;
      this.options.onStatus(STOPPED);
      await client.dispose(2000).catch(() => undefined); // a start that failed has nothing to stop
      throw new Error(`the language server did not start with ${python} (${errorText(err)}); see Failsafe Flask: Show Logs`);
    }
    return this.running;
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
      if (e.newState === ClientState.Running && this.running?.client === client && this.running.restarts++ > 0) {
        this.afterCrash(folder);
      }
    });
    return client;
  }

  private clientOptions(python: string, folder: vscode.WorkspaceFolder): LanguageClientOptions {
    const settingsFor = (scope: vscode.Uri | undefined): object => {
      const config = vscode.workspace.getConfiguration(SECTION, scope ?? folder.uri);
      return serverSettings(readSettings((key) => config.get(key)), python, (key) => isSetByUser(config.inspect(key)));
    };
    return {
      // Every file: the server restarts on saves of templates and config files too.
      documentSelector: [{ scheme: 'file' }],
      outputChannel: this.options.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // A server that cannot initialize will not do better on a retry: say so once.
      initializationFailedHandler: () => false,
      initializationOptions: settingsFor(folder.uri),
      synchronize: { configurationSection: SECTION },
      middleware: {
        workspace: {
          // Our section is answered with what the server needs (with `python`, not the
          // raw `interpreter` setting); any other section as VS Code has it.
          configuration: async (params, token, next) => {
            const answers = await next(params, token);
            if (!Array.isArray(answers)) return answers;
            return params.items.map((item, i) =>
              item.section === SECTION
                ? settingsFor(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
                : (answers[i] as unknown),
            );
          },
        },
      },
    };
  }

  private afterCrash(folder: vscode.WorkspaceFolder): void {
    const text = this.wanted
      ? 'The Failsafe Flask server crashed and was restarted; the app is starting again.'
      : 'The Failsafe Flask server crashed and was restarted.';
    this.options.log.warn(text);
    void vscode.window.showWarningMessage(text, 'Show Logs').then((choice) => {
      if (choice) this.options.log.show();
    });
    if (!this.wanted) return;
    this.execute(SERVER_COMMANDS.start, { workspaceFolder: folder.uri.fsPath }).catch((err: unknown) => {
      this.options.log.error(`Starting the app after a server restart failed: ${errorText(err)}`);
    });
  }

  private async execute(command: string, arg?: object): Promise<void> {
    const client = this.running?.client;
    if (!client?.isRunning()) return;
    const result: unknown = await client.sendRequest(ExecuteCommandRequest.type, {
      command,
      arguments: arg ? [arg] : [],
    });
    const status = parseStatus(result);
    if (status) this.options.onStatus(status);
  }

  private async stopClient(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    try {
      await running.client.dispose(5000);
    } catch (err) {
      this.options.log.warn(`Server did not stop cleanly: ${String(err)}`);
    }
    this.options.onStatus(STOPPED);
  }
}
