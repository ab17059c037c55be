// The debug adapter VS Code runs inline for a `failsafe-flask` session: asks the language
// server to run the app under debugpy, connects to debugpy in each app process as the
// status reports it (a new pid), and lets the relay (debugRelay.ts) make one session of
// them. Ending the session stops the app.
import * as net from 'node:net';
import type { DebugProtocol as DP } from '@vscode/debugprotocol';
import * as vscode from 'vscode';
import { type Message, SocketMessageReader, SocketMessageWriter } from 'vscode-languageclient/node';
import { type FlaskDebugConfig, attachArguments } from './debugConfig';
import { DebugRelay, type Link } from './debugRelay';
import { errorText } from './errors';
import type { DebugAddress, Status } from './status';

/** How long to keep trying to reach a new app process's debugger (it starts listening after its launch). */
const CONNECT_DEADLINE_MS = 20_000;
const CONNECT_RETRY_MS = 50;

export interface DebugServer {
  debug(appId: string, args: object): Promise<Status | undefined>;
  stop(appId: string): Promise<void>;
  restart(appId: string): Promise<void>;
}

export interface AdapterOptions {
  config: FlaskDebugConfig;
  /** Folders of ours the app process runs (the bundled server): not the user's code. */
  ownFolders: string[];
  appId: string;
  /** The language server's `failsafe-flask.debug` argument. */
  debugArgs: object;
  server: DebugServer;
  /** Every status the language server sends. */
  statuses: vscode.Event<Status>;
  log: vscode.LogOutputChannel;
}

interface Connection {
  pid: number;
  socket: net.Socket;
  closed: Promise<void>;
}

export class FlaskDebugAdapter implements vscode.DebugAdapter {
  private readonly sent = new vscode.EventEmitter<vscode.DebugProtocolMessage>();
  readonly onDidSendMessage = this.sent.event;
  private readonly relay: DebugRelay;
  private readonly subscription: vscode.Disposable;
  private started = false;
  private done = false;
  /** The app process last asked for (the newest pid); older attempts give up. */
  private wantedPid: number | null = null;
  private connection: Connection | undefined;

  constructor(private readonly options: AdapterOptions) {
    const { server, appId, log } = options;
    this.relay = new DebugRelay({
      toEditor: (message) => this.sent.fire(message),
      attachArguments: attachArguments(options.config, options.ownFolders),
      end: () => this.end(),
      restart: () => server.restart(appId),
      log: (line) => log.info(`Debug: ${line}`),
    });
    this.subscription = options.statuses((status) => this.onStatus(status));
  }

  handleMessage(message: vscode.DebugProtocolMessage): void {
    if (!this.started) {
      this.started = true;
      void this.start();
    }
    this.relay.fromEditor(message as DP.ProtocolMessage);
  }

  dispose(): void {
    this.done = true;
    this.subscription.dispose();
    this.connection?.socket.destroy();
    this.sent.dispose();
  }

  private async start(): Promise<void> {
    const { server, appId, debugArgs, log } = this.options;
    log.info(`Debug: starting ${appId} under the debugger`);
    try {
      const status = await server.debug(appId, debugArgs);
      if (!status) { this.relay.abort('the Failsafe Flask language server did not start (see Failsafe Flask: Show Logs)'); return; }
      this.onStatus(status);
    } catch (err) {
      this.relay.abort(`Failsafe Flask could not start the app under the debugger: ${errorText(err)}`);
    }
  }

  private onStatus(status: Status): void {
    if (this.done || !this.started) return;
    if (status.appId && status.appId !== this.options.appId) return;
    if (status.state === 'stopped') {
      this.done = true;
      this.connection?.socket.destroy();
      this.relay.appStopped();
      return;
    }
    if (status.pid === null || !status.debugpy || status.pid === this.wantedPid) return;
    this.wantedPid = status.pid;
    void this.connectTo(status.pid, status.debugpy);
  }

  /** Connects to the debugger of app process `pid`, once the previous connection has closed. */
  private async connectTo(pid: number, address: DebugAddress, deadline = Date.now() + CONNECT_DEADLINE_MS): Promise<void> {
    const previous = this.connection;
    if (previous) {
      // Until its process has ended, the port may still be the old process's.
      const gone = setTimeout(() => previous.socket.destroy(), 3000);
      await previous.closed;
      clearTimeout(gone);
    }
    while (!this.done && this.wantedPid === pid) {
      const socket = await connectOnce(address).catch((err: unknown) => err as NodeJS.ErrnoException);
      if (socket instanceof net.Socket) { this.use(pid, address, socket, deadline); return; }
      if (socket.code !== 'ECONNREFUSED' || Date.now() > deadline) {
        this.options.log.error(`Debug: cannot reach the debugger of process ${pid} at ${address.host}:${address.port}: ${errorText(socket)}`);
        return;
      }
      await delay(CONNECT_RETRY_MS);
    }
  }

  private use(pid: number, address: DebugAddress, socket: net.Socket, deadline: number): void {
    if (this.done || this.wantedPid !== pid) {
      socket.destroy();
      return;
    }
    this.options.log.info(`Debug: attached to app process ${pid} (${address.host}:${address.port})`);
    const writer = new SocketMessageWriter(socket);
    const reader = new SocketMessageReader(socket);
    const link: Link = this.relay.processStarted((message) => void writer.write(message as unknown as Message));
    let heard = false;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    this.connection = { pid, socket, closed };
    reader.listen((message) => {
      heard = true;
      const m = message as unknown as DP.ProtocolMessage;
      link.receive(m);
      // The old debugpy adapter keeps the port until its client lets go.
      if (m.type === 'event' && (m as DP.Event).event === 'terminated') socket.end();
    });
    void closed.then(() => {
      link.ended();
      // Closed before a word: reached a retiring debugger on the port; try again.
      if (!heard && !this.done && this.wantedPid === pid && Date.now() < deadline) void this.connectTo(pid, address, deadline);
    });
  }

  private async end(): Promise<void> {
    this.done = true;
    this.connection?.socket.end();
    await this.options.server.stop(this.options.appId);
  }
}

function connectOnce(address: DebugAddress): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
