// The relay that keeps one VS Code debug session across app processes, driven as VS Code
// and debugpy would drive it: messages in, messages out, no sockets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DebugProtocol as DP } from '@vscode/debugprotocol';
import { IdMap, mapIds } from '../../extension/src/debugIds';
import { DebugRelay, type Link } from '../../extension/src/debugRelay';

const ATTACH = { justMyCode: true, jinja: true, subProcess: false };
const VIEWS = { path: '/project/app.py' };

/** One app process's debugpy, as the relay sees it: what it was sent, and a way to answer. */
class FakeDebuggee {
  readonly received: DP.Request[] = [];
  link!: Link;
  private seq = 100;

  readonly send = (m: DP.ProtocolMessage): void => void this.received.push(m as DP.Request);

  commands(): string[] {
    return this.received.map((r) => r.command);
  }

  last(command: string): DP.Request {
    const found = this.received.filter((r) => r.command === command).pop();
    assert.ok(found, `debuggee never received ${command}`);
    return found;
  }

  answer(command: string, body: unknown = {}): void {
    const request = this.last(command);
    this.link.receive({ seq: ++this.seq, type: 'response', request_seq: request.seq, success: true, command, body } as DP.Response);
  }

  event(event: string, body: unknown = {}): void {
    this.link.receive({ seq: ++this.seq, type: 'event', event, body } as DP.Event);
  }
}

type Fields = Record<string, unknown>;

/** A message's body (or a request's arguments), to read in assertions. */
function bodyOf(m: DP.Response | DP.Event | undefined): Fields {
  assert.ok(m, 'no such message');
  return (m.body ?? {}) as Fields;
}

function argsOf(r: DP.Request): Fields {
  return (r.arguments ?? {}) as Fields;
}

function firstId(list: unknown): number {
  const [first] = list as Array<{ id: number }>;
  assert.ok(first);
  return first.id;
}

class Session {
  readonly toEditor: DP.ProtocolMessage[] = [];
  readonly ended: string[] = [];
  private seq = 0;
  readonly relay = new DebugRelay({
    toEditor: (m) => this.toEditor.push(m),
    attachArguments: ATTACH,
    end: () => {
      this.ended.push('end');
      return Promise.resolve();
    },
    restart: () => {
      this.ended.push('restart');
      return Promise.resolve();
    },
    log: () => undefined,
  });

  request(command: string, args: unknown = {}): number {
    const seq = ++this.seq;
    this.relay.fromEditor({ seq, type: 'request', command, arguments: args } as DP.Request);
    return seq;
  }

  process(): FakeDebuggee {
    const debuggee = new FakeDebuggee();
    debuggee.link = this.relay.processStarted(debuggee.send);
    return debuggee;
  }

  response(requestSeq: number): DP.Response {
    const found = this.toEditor.find((m) => m.type === 'response' && (m as DP.Response).request_seq === requestSeq);
    assert.ok(found, `no response to ${requestSeq}`);
    return found as DP.Response;
  }

  events(name: string): DP.Event[] {
    return this.toEditor.filter((m) => m.type === 'event' && (m as DP.Event).event === name) as DP.Event[];
  }
}

/** VS Code's start: initialize, launch, breakpoints on line 5 of app.py, configurationDone. */
function attached(session: Session): { debuggee: FakeDebuggee; launch: number } {
  const init = session.request('initialize', { adapterID: 'failsafe-flask', pathFormat: 'path' });
  const debuggee = session.process();
  debuggee.answer('initialize', { supportsConfigurationDoneRequest: true });
  assert.equal(bodyOf(session.response(init)).supportsRestartRequest, true, 'Restart is the app restart');
  const launch = session.request('launch', { name: 'Failsafe Flask', stopOnLoad: true });
  assert.deepEqual(debuggee.last('attach').arguments, ATTACH, 'launch becomes an attach');
  debuggee.event('initialized');
  const points = session.request('setBreakpoints', { source: VIEWS, breakpoints: [{ line: 5 }] });
  // debugpy numbers breakpoints from 0: a real id, mapped like any other.
  debuggee.answer('setBreakpoints', { breakpoints: [{ id: 0, verified: true, line: 5 }] });
  assert.equal(firstId(bodyOf(session.response(points)).breakpoints), 1);
  session.request('setExceptionBreakpoints', { filters: ['uncaught'] });
  session.request('configurationDone');
  debuggee.answer('attach');
  return { debuggee, launch };
}

describe('DebugRelay', () => {
  it('passes VS Code start through to the first process; launch is answered by the attach', () => {
    const session = new Session();
    const { debuggee, launch } = attached(session);
    assert.deepEqual(debuggee.commands(), ['initialize', 'attach', 'setBreakpoints', 'setExceptionBreakpoints', 'configurationDone']);
    assert.equal(session.response(launch).command, 'launch');
    assert.equal(session.events('initialized').length, 1);
  });

  it('maps thread, frame and breakpoint ids both ways', () => {
    const session = new Session();
    const { debuggee } = attached(session);
    debuggee.event('stopped', { reason: 'breakpoint', threadId: 1, hitBreakpointIds: [0] });
    const stopped = bodyOf(session.events('stopped')[0]);
    const threadId = stopped.threadId as number;
    assert.deepEqual(stopped.hitBreakpointIds, [1]);
    const trace = session.request('stackTrace', { threadId });
    assert.equal(argsOf(debuggee.last('stackTrace')).threadId, 1);
    debuggee.answer('stackTrace', { stackFrames: [{ id: 55, name: 'item', line: 5, column: 1 }] });
    const frameId = firstId(bodyOf(session.response(trace)).stackFrames);
    session.request('scopes', { frameId });
    assert.equal(argsOf(debuggee.last('scopes')).frameId, 55);
  });

  it('a new process: attached and configured again with no word to VS Code; the old one ends quietly', () => {
    const session = new Session();
    const { debuggee } = attached(session);
    debuggee.event('stopped', { reason: 'breakpoint', threadId: 1 });
    const oldThread = bodyOf(session.events('stopped')[0]).threadId as number;
    debuggee.event('terminated');
    debuggee.event('exited', { exitCode: 0 });
    debuggee.link.ended();
    assert.equal(session.events('terminated').length, 0, 'the session goes on');
    assert.equal(session.events('exited').length, 0);
    assert.equal(bodyOf(session.events('continued')[0]).allThreadsContinued, true, 'the paused view clears');
    assert.deepEqual(session.events('thread').map(bodyOf), [{ reason: 'exited', threadId: oldThread }]);

    const seen = session.toEditor.length;
    const next = session.process();
    assert.deepEqual(next.commands(), ['initialize', 'attach']);
    next.answer('initialize');
    next.event('initialized');
    assert.deepEqual(next.commands(), ['initialize', 'attach', 'setBreakpoints', 'setExceptionBreakpoints', 'configurationDone']);
    assert.deepEqual(next.last('setBreakpoints').arguments, { source: VIEWS, breakpoints: [{ line: 5 }] });
    next.answer('setBreakpoints', { breakpoints: [{ id: 3, verified: true, line: 5 }] });
    next.answer('configurationDone');
    next.answer('attach');
    assert.equal(session.toEditor.length, seen, 'VS Code sees none of it');

    next.event('stopped', { reason: 'breakpoint', threadId: 1, hitBreakpointIds: [3] });
    const again = bodyOf(session.events('stopped')[1]);
    assert.deepEqual(again.hitBreakpointIds, [1], 'the breakpoint VS Code knows');
    assert.notEqual(again.threadId, oldThread, 'a thread of the new process');
    const stale = session.request('stackTrace', { threadId: oldThread });
    assert.equal(session.response(stale).success, false);
    assert.equal(next.received.filter((r) => r.command === 'stackTrace').length, 0);
  });

  it('between processes: threads is empty, breakpoints wait for the next process, unanswered requests fail', () => {
    const session = new Session();
    const { debuggee } = attached(session);
    const evaluate = session.request('evaluate', { expression: '1' });
    debuggee.link.ended();
    assert.equal(session.response(evaluate).success, false);
    assert.deepEqual(session.response(session.request('threads')).body, { threads: [] });
    const points = session.request('setBreakpoints', { source: VIEWS, breakpoints: [{ line: 6 }] });
    const next = session.process();
    next.answer('initialize');
    next.event('initialized');
    assert.deepEqual(next.last('setBreakpoints').arguments, { source: VIEWS, breakpoints: [{ line: 6 }] });
    next.answer('setBreakpoints', { breakpoints: [{ id: 9, verified: true, line: 6 }] });
    assert.equal(session.response(points).success, true);
  });

  it('every message to VS Code has the next seq', () => {
    const session = new Session();
    const { debuggee } = attached(session);
    debuggee.link.ended();
    session.process().event('initialized');
    const seqs = session.toEditor.map((m) => m.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
  });

  it('ending the session stops the app, then answers; Restart restarts it', async () => {
    const session = new Session();
    const { debuggee } = attached(session);
    const restart = session.request('restart');
    const disconnect = session.request('disconnect', { terminateDebuggee: true });
    assert.equal(argsOf(debuggee.last('disconnect')).terminateDebuggee, false, 'the relay stops the app, not debugpy');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(session.ended, ['restart', 'end']);
    assert.equal(session.response(restart).success, true);
    assert.equal(session.response(disconnect).success, true);
  });

  it('Stop (terminate): the app stops, then terminated; the disconnect after it is answered', async () => {
    const session = new Session();
    attached(session);
    const terminate = session.request('terminate');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(session.ended, ['end']);
    assert.equal(session.response(terminate).success, true);
    assert.equal(session.events('terminated').length, 1);
    const disconnect = session.request('disconnect');
    assert.equal(session.response(disconnect).success, true);
    assert.deepEqual(session.ended, ['end'], 'stopped once');
  });

  it('the app stopped elsewhere, or never started: the session ends', () => {
    const stopped = new Session();
    attached(stopped).debuggee.link.ended();
    stopped.relay.appStopped();
    assert.equal(stopped.events('terminated').length, 1);
    const never = new Session();
    const init = never.request('initialize', {});
    never.relay.abort('no app');
    assert.equal(never.response(init).success, false);
    assert.equal(never.response(init).message, 'no app');
    assert.equal(never.events('terminated').length, 1);
  });

  it('a late message of an ended process is dropped', () => {
    const session = new Session();
    const { debuggee } = attached(session);
    session.process();
    const seen = session.toEditor.length;
    debuggee.event('output', { output: 'late' });
    assert.equal(session.toEditor.length, seen);
  });
});

describe('ids', () => {
  it('IdMap: ids unique across processes, forgotten with their process', () => {
    const ids = new IdMap();
    const a = ids.toLocal(1, 1);
    const b = ids.toLocal(2, 1);
    assert.notEqual(a, b);
    assert.equal(ids.toLocal(1, 1), a);
    assert.deepEqual(ids.toRemote(b), { generation: 2, id: 1 });
    assert.deepEqual(ids.forget(1), [a]);
    assert.equal(ids.toRemote(a), undefined);
  });

  it('mapIds: by key, by holder, never 0 nor user text', () => {
    const body = {
      threadId: 4,
      threads: [{ id: 4, name: 'MainThread' }],
      stackFrames: [{ id: 9, source: { path: 'a.py', sourceReference: 0 } }],
      variables: [{ name: 'threadId', value: '4', variablesReference: 0 }, { name: 'x', value: '1', variablesReference: 12 }],
      hitBreakpointIds: [2],
    };
    mapIds(body, (kind, id) => id * 1000 + kind.length);
    assert.deepEqual(body, {
      threadId: 4006,
      threads: [{ id: 4006, name: 'MainThread' }],
      stackFrames: [{ id: 9005, source: { path: 'a.py', sourceReference: 0 } }],
      variables: [{ name: 'threadId', value: '4', variablesReference: 0 }, { name: 'x', value: '1', variablesReference: 12009 }],
      hitBreakpointIds: [2010],
    });
  });
});
