// One restart at a time: requests that arrive while a run is under way are folded into
// a single further run, so a burst of reasons (interpreter changed, trust granted,
// settings changed) restarts the client once. Pure.

export type Coalesced = (reason: string) => Promise<void>;

/**
 * Wraps `run`, which receives every reason gathered since the last run started. The
 * promise a caller gets settles once a run that saw its reason has finished; a failed
 * run rejects only for the callers whose reasons it carried.
 */
export function coalesce(run: (reasons: string[]) => Promise<void>): Coalesced {
  let busy = false;
  let waiting: { reasons: string[]; settle: Array<(err?: Error) => void> } | undefined;

  const drain = async (): Promise<void> => {
    busy = true;
    while (waiting) {
      const batch = waiting;
      waiting = undefined;
      let failure: Error | undefined;
      try {
        await run(batch.reasons);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
      for (const settle of batch.settle) settle(failure);
    }
    busy = false;
  };

  return (reason: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      waiting ??= { reasons: [], settle: [] };
      waiting.reasons.push(reason);
      waiting.settle.push((err) => (err === undefined ? resolve() : reject(err)));
      if (!busy) void drain();
    });
}
