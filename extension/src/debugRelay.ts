// One VS Code debug session for an app whose process is replaced at every restart.
// VS Code speaks to the relay; the relay speaks to the debugger (debugpy) of the current
// app process. When a process ends, its `terminated`/`exited` are not passed on (the app
// lives on); when the next one appears, the relay attaches to it as VS Code did to the
// first (initialize, attach, the breakpoints, configurationDone) and carries on. Message
// numbers (seq) and ids are its own, so VS Code sees one continuous session.
// Pure (no 'vscode', no sockets): the caller moves the messages.
import type { DebugProtocol as DP } from '@vscode/debugprotocol';
import { IdMap, type IdKind, mapIds } from './debugIds';

export interface RelayOptions {
  /** To VS Code. */
  toEditor(message: DP.ProtocolMessage): void;
  /** debugpy's `attach` arguments, for VS Code's `launch`. */
  attachArguments: Record<string, unknown>;
  /** The session is ending (disconnect or terminate): stop the app. */
  end(): Promise<void>;
  /** The toolbar's Restart: restart the app (the session stays). */
  restart(): Promise<void>;
  log(line: string): void;
}

/** One app process's debugger connection, as the relay sees it. */
export interface Link {
  /** A message from this process's debugger. */
  receive(message: DP.ProtocolMessage): void;
  /** Its connection closed (the process ended). */
  ended(): void;
}

type Sender = (message: DP.ProtocolMessage) => void;

interface Pending {
  /** VS Code's request this answers; undefined for one the relay made (replayed). */
  editor?: DP.Request;
  command: string;
  /** setBreakpoints replayed: the source it is for. */
  replayOf?: string;
}

interface Process {
  generation: number;
  send: Sender;
  pending: Map<number, Pending>;
  /** Ready once it was configured (configurationDone sent): VS Code's requests go through. */
  ready: boolean;
  stopped: boolean;
}

/** Requests that configure the debugger: kept, and sent again to each new process. */
const CONFIGURING = new Set(['setBreakpoints', 'setFunctionBreakpoints', 'setExceptionBreakpoints', 'configurationDone']);
/** Events of the process, not of the app: the app lives on in the next one. */
const PROCESS_ENDS = new Set(['terminated', 'exited']);

export class DebugRelay {
  private editorSeq = 0;
  private debuggeeSeq = 0;
  private generation = 0;
  private current: Process | undefined;
  private readonly ids: Record<IdKind, IdMap> = {
    thread: new IdMap(),
    frame: new IdMap(),
    variables: new IdMap(),
    source: new IdMap(),
    breakpoint: new IdMap(),
  };
  /** What VS Code configured, replayed to each new process. */
  private readonly config = {
    initialize: undefined as DP.InitializeRequestArguments | undefined,
    breakpoints: new Map<string, { args: DP.SetBreakpointsArguments; ids: number[] }>(),
    functionBreakpoints: undefined as DP.SetFunctionBreakpointsArguments | undefined,
    exceptionBreakpoints: undefined as DP.SetExceptionBreakpointsArguments | undefined,
    configured: false,
  };
  /** VS Code's requests waiting for a process that is ready. */
  private queue: DP.Request[] = [];
  /** The debugger's own requests (reverse requests) VS Code has yet to answer, by our seq. */
  private readonly reverse = new Map<number, { process: Process; seq: number }>();
  private initializedSent = false;
  private ending = false;

  constructor(private readonly options: RelayOptions) {}

  /** A message from VS Code. */
  fromEditor(message: DP.ProtocolMessage): void {
    if (message.type === 'request') this.editorRequest(message as DP.Request);
    else if (message.type === 'response') this.editorResponse(message as DP.Response);
  }

  /** A new app process's debugger is connected: `send` writes to it. */
  processStarted(send: Sender): Link {
    this.closeCurrent();
    const process: Process = { generation: ++this.generation, send, pending: new Map(), ready: false, stopped: false };
    this.current = process;
    if (this.config.initialize) this.replay(process);
    else process.ready = true; // the first: VS Code's own requests configure it
    this.flush();
    return {
      receive: (m) => this.fromDebuggee(process, m),
      ended: () => {
        if (this.current === process) this.closeCurrent();
      },
    };
  }

  /** The app could not be started under the debugger: VS Code's waiting requests fail, the session ends. */
  abort(reason: string): void {
    for (const request of this.queue) this.fail(request, reason);
    this.queue = [];
    this.appStopped();
  }

  /** The app stopped for good (stopped from elsewhere): the session ends. */
  appStopped(): void {
    this.closeCurrent();
    if (!this.ending) this.event('terminated', {});
  }

  private editorRequest(request: DP.Request): void {
    switch (request.command) {
      case 'disconnect':
      case 'terminate':
        { this.endSession(request); return; }
      case 'restart':
        { this.answerAfter(request, this.options.restart()); return; }
    }
    if (CONFIGURING.has(request.command)) this.remember(request);
    const process = this.current;
    if (process?.ready) { this.forward(process, request); return; }
    if (!this.waitsForProcess(request)) return;
    this.queue.push(request);
  }

  /** False when the request was answered at once because no process can answer it. */
  private waitsForProcess(request: DP.Request): boolean {
    if (request.command === 'threads') {
      this.respond(request, { threads: [] });
      return false;
    }
    if (refersToIds(request)) {
      this.fail(request, 'the app process it was about has ended');
      return false;
    }
    return true;
  }

  private remember(request: DP.Request): void {
    const args: unknown = request.arguments;
    switch (request.command) {
      case 'setBreakpoints': {
        const a = args as DP.SetBreakpointsArguments;
        const key = sourceKey(a.source);
        this.config.breakpoints.set(key, { args: a, ids: this.config.breakpoints.get(key)?.ids ?? [] });
        break;
      }
      case 'setFunctionBreakpoints':
        this.config.functionBreakpoints = args as DP.SetFunctionBreakpointsArguments;
        break;
      case 'setExceptionBreakpoints':
        this.config.exceptionBreakpoints = args as DP.SetExceptionBreakpointsArguments;
        break;
      case 'configurationDone':
        this.config.configured = true;
        break;
    }
  }

  private forward(process: Process, request: DP.Request): void {
    if (request.command === 'initialize') this.config.initialize = request.arguments as DP.InitializeRequestArguments;
    const command = request.command === 'launch' ? 'attach' : request.command;
    const args = request.command === 'launch' ? this.options.attachArguments : structuredClone(request.arguments as unknown);
    const seen = { stale: false };
    mapIds(args, (kind, local) => {
      const remote = this.ids[kind].toRemote(local);
      if (remote?.generation === process.generation) return remote.id;
      seen.stale = true; // an id of a process that has ended
      return local;
    });
    if (seen.stale) {
      this.fail(request, 'the app process it was about has ended');
      return;
    }
    this.send(process, command, args, { editor: request, command });
  }

  private send(process: Process, command: string, args: unknown, pending: Pending): void {
    const seq = ++this.debuggeeSeq;
    process.pending.set(seq, pending);
    const message: DP.Request = { seq, type: 'request', command, arguments: args };
    process.send(message);
  }

  private editorResponse(response: DP.Response): void {
    // An answer to a request of the debugger (e.g. runInTerminal): back to the process that asked.
    const asked = this.reverse.get(response.request_seq);
    this.reverse.delete(response.request_seq);
    if (!asked || asked.process !== this.current) return;
    const answer: DP.Response = { ...response, seq: ++this.debuggeeSeq, request_seq: asked.seq };
    asked.process.send(answer);
  }

  private fromDebuggee(process: Process, message: DP.ProtocolMessage): void {
    if (process !== this.current) return; // a late word from a process already gone
    if (message.type === 'response') this.debuggeeResponse(process, message as DP.Response);
    else if (message.type === 'event') this.debuggeeEvent(process, message as DP.Event);
    else if (message.type === 'request') this.debuggeeRequest(process, message as DP.Request);
  }

  private debuggeeResponse(process: Process, response: DP.Response): void {
    const pending = process.pending.get(response.request_seq);
    process.pending.delete(response.request_seq);
    if (!pending) return;
    if (pending.replayOf !== undefined) { this.rebindBreakpoints(process, pending.replayOf, response); return; }
    if (!pending.editor) {
      if (!response.success) this.options.log(`The new app process refused ${pending.command}: ${response.message ?? ''}`);
      return;
    }
    const body: unknown = structuredClone(response.body as unknown);
    mapIds(body, (kind, id) => this.ids[kind].toLocal(process.generation, id));
    if (pending.command === 'initialize' && body) (body as DP.Capabilities).supportsRestartRequest = true;
    if (pending.command === 'setBreakpoints') this.keepBreakpointIds(pending.editor, body);
    const editor = pending.editor;
    this.toEditor({ ...response, request_seq: editor.seq, command: editor.command, body } as DP.Response);
  }

  /** The ids VS Code was given for a source's breakpoints, to give them again after a restart. */
  private keepBreakpointIds(request: DP.Request, body: unknown): void {
    const key = sourceKey((request.arguments as DP.SetBreakpointsArguments).source);
    const kept = this.config.breakpoints.get(key);
    const given = (body as DP.SetBreakpointsResponse['body'] | undefined)?.breakpoints ?? [];
    if (kept) kept.ids = given.map((b) => b.id ?? 0);
  }

  /** A replayed setBreakpoints answered: the new process's ids stand for the ones VS Code holds. */
  private rebindBreakpoints(process: Process, key: string, response: DP.Response): void {
    const given = (response.body as DP.SetBreakpointsResponse['body'] | undefined)?.breakpoints ?? [];
    const ids = this.config.breakpoints.get(key)?.ids ?? [];
    given.forEach((b, i) => {
      const local = ids[i];
      if (b.id !== undefined && local) this.ids.breakpoint.bind(process.generation, b.id, local);
    });
  }

  private debuggeeEvent(process: Process, event: DP.Event): void {
    if (PROCESS_ENDS.has(event.event)) return;
    if (event.event === 'initialized') {
      if (!process.ready) { this.configure(process); return; }
      if (this.initializedSent) return;
      this.initializedSent = true;
    }
    if (event.event === 'process' && process.generation > 1) return; // VS Code knows the app already
    if (event.event === 'stopped') process.stopped = true;
    if (event.event === 'continued') process.stopped = false;
    const body: unknown = structuredClone(event.body as unknown);
    mapIds(body, (kind, id) => this.ids[kind].toLocal(process.generation, id));
    this.event(event.event, body);
  }

  private debuggeeRequest(process: Process, request: DP.Request): void {
    const seq = this.nextEditorSeq();
    this.reverse.set(seq, { process, seq: request.seq });
    this.options.toEditor({ ...request, seq });
  }

  /** A new process: attach as VS Code did to the first. */
  private replay(process: Process): void {
    this.options.log(`Attaching to the new app process (generation ${process.generation})`);
    this.send(process, 'initialize', this.config.initialize, { command: 'initialize' });
    this.send(process, 'attach', this.options.attachArguments, { command: 'attach' });
  }

  /** The new process asks for its configuration (its `initialized`): VS Code's, again. */
  private configure(process: Process): void {
    for (const [key, { args }] of this.config.breakpoints) {
      this.send(process, 'setBreakpoints', args, { command: 'setBreakpoints', replayOf: key });
    }
    const { functionBreakpoints, exceptionBreakpoints } = this.config;
    if (functionBreakpoints) this.send(process, 'setFunctionBreakpoints', functionBreakpoints, { command: 'setFunctionBreakpoints' });
    if (exceptionBreakpoints) this.send(process, 'setExceptionBreakpoints', exceptionBreakpoints, { command: 'setExceptionBreakpoints' });
    this.send(process, 'configurationDone', {}, { command: 'configurationDone' });
    process.ready = true;
    this.flush();
  }

  private flush(): void {
    const process = this.current;
    if (!process?.ready) return;
    const queued = this.queue;
    this.queue = [];
    for (const request of queued) this.editorRequest(request);
  }

  /** The current process is gone: its threads end, its unanswered requests fail. */
  private closeCurrent(): void {
    const process = this.current;
    if (!process) return;
    this.current = undefined;
    for (const pending of process.pending.values()) {
      if (pending.editor) this.fail(pending.editor, 'the app process ended (the app is restarting)');
    }
    process.pending.clear();
    if (process.stopped) this.event('continued', { threadId: 0, allThreadsContinued: true });
    for (const threadId of this.ids.thread.forget(process.generation)) this.event('thread', { reason: 'exited', threadId });
    for (const kind of ['frame', 'variables', 'source', 'breakpoint'] as const) this.ids[kind].forget(process.generation);
  }

  private endSession(request: DP.Request): void {
    if (this.ending) { this.respond(request, undefined); return; }
    this.ending = true;
    const process = this.current;
    if (process) this.send(process, 'disconnect', { terminateDebuggee: false }, { command: 'disconnect' });
    this.queue = [];
    const ended = this.options.end();
    this.answerAfter(request, ended);
    // Stop (terminate) waits for `terminated` before it lets go (then disconnects).
    ended.then(
      () => {
        if (request.command === 'terminate') this.event('terminated', {});
      },
      () => undefined,
    );
  }

  private answerAfter(request: DP.Request, work: Promise<void>): void {
    work.then(
      () => this.respond(request, undefined),
      (err: unknown) => this.fail(request, err instanceof Error ? err.message : String(err)),
    );
  }

  private respond(request: DP.Request, body: unknown): void {
    this.toEditor({ seq: 0, type: 'response', request_seq: request.seq, success: true, command: request.command, body } as DP.Response);
  }

  private fail(request: DP.Request, message: string): void {
    this.toEditor({ seq: 0, type: 'response', request_seq: request.seq, success: false, command: request.command, message } as DP.Response);
  }

  private event(event: string, body: unknown): void {
    this.toEditor({ seq: 0, type: 'event', event, body } as DP.Event);
  }

  private toEditor(message: DP.ProtocolMessage): void {
    this.options.toEditor({ ...message, seq: this.nextEditorSeq() });
  }

  private nextEditorSeq(): number {
    return ++this.editorSeq;
  }
}

/** Whether a request names a thread, frame or reference (meaningless without its process). */
function refersToIds(request: DP.Request): boolean {
  let found = false;
  mapIds(structuredClone(request.arguments as unknown), (_kind, id) => {
    found = true;
    return id;
  });
  return found;
}

function sourceKey(source: DP.Source): string {
  return source.path ?? `ref:${source.sourceReference ?? 0}`;
}
