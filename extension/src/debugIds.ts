// The ids a debug session hands out (threads, frames, variable and source references,
// breakpoints) are per app process: each new process starts counting again. VS Code sees
// one session across processes, so it gets ids of our own, unique over the whole session,
// each bound to the process (generation) and id it stands for. Pure (no 'vscode').

export type IdKind = 'thread' | 'frame' | 'variables' | 'source' | 'breakpoint';

interface Remote {
  generation: number;
  id: number;
}

export class IdMap {
  private next = 1;
  private readonly toRemoteIds = new Map<number, Remote>();
  private readonly toLocalIds = new Map<string, number>();

  /** Our id for `id` of process `generation`; a new one the first time. */
  toLocal(generation: number, id: number): number {
    const key = `${generation}:${id}`;
    const known = this.toLocalIds.get(key);
    if (known !== undefined) return known;
    const local = this.next++;
    this.bind(generation, id, local);
    return local;
  }

  /** Makes `local` (an id VS Code already holds) stand for `id` of process `generation`. */
  bind(generation: number, id: number, local: number): void {
    this.toLocalIds.set(`${generation}:${id}`, local);
    this.toRemoteIds.set(local, { generation, id });
  }

  toRemote(local: number): Remote | undefined {
    return this.toRemoteIds.get(local);
  }

  /** The ids of process `generation`, once it has ended (they mean nothing any more). */
  forget(generation: number): number[] {
    const gone: number[] = [];
    for (const [local, remote] of this.toRemoteIds) {
      if (remote.generation !== generation) continue;
      gone.push(local);
      this.toRemoteIds.delete(local);
      this.toLocalIds.delete(`${generation}:${remote.id}`);
    }
    return gone;
  }
}

/** The kind of id a key holds, wherever it appears in a message. */
const KEYED: Record<string, IdKind> = {
  threadId: 'thread',
  frameId: 'frame',
  variablesReference: 'variables',
  sourceReference: 'source',
  hitBreakpointIds: 'breakpoint',
};

/** The kind of an `id` key, from the array or object that holds it. */
const HOLDERS: Record<string, IdKind> = {
  threads: 'thread',
  stackFrames: 'frame',
  breakpoints: 'breakpoint',
  breakpoint: 'breakpoint',
};

const NONE_AT_ZERO = new Set<IdKind>(['variables', 'source']);

/** Calls `map` on each id in `value` (a message's arguments or body), in place. */
export function mapIds(value: unknown, map: (kind: IdKind, id: number) => number, holder?: IdKind): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (typeof item === 'number' && holder) value[i] = map(holder, item);
      else mapIds(item, map, holder);
    });
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(record)) {
    const kind = key === 'id' ? holder : KEYED[key];
    // 0 is "none" for references: never mapped (debugpy's first breakpoint id is 0, a real one).
    if (kind && typeof item === 'number') record[key] = item === 0 && NONE_AT_ZERO.has(kind) ? 0 : map(kind, item);
    else if (typeof item === 'object' && item !== null) mapIds(item, map, HOLDERS[key] ?? (Array.isArray(item) ? KEYED[key] : undefined));
  }
}
