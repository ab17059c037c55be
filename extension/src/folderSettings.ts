// Each workspace folder's settings for the server, its own interpreter included. Pure:
// no 'vscode' import, so it is unit-tested outside the editor.
//
// The server pulls the `failsafeFlask` section once per folder (workspace/configuration
// with the folder as scopeUri). The answer carries `python`: the interpreter that folder's
// app runs with, resolved for that folder (its failsafeFlask.interpreter, else the Python
// extension's interpreter for that folder, else PATH), so two folders with two virtual
// environments each run with their own. Nothing goes in initializationOptions: what is
// sent there applies to every folder, and one folder's interpreter would then be every
// folder's until the first pull.

export const INITIALIZATION_OPTIONS: Readonly<Record<string, never>> = Object.freeze({});

/** One item of a workspace/configuration request, as far as we read it. */
export interface ConfigurationItem {
  section?: string;
  scopeUri?: string;
}

/**
 * The answers to a workspace/configuration request: our section computed for the item's
 * folder (`ours`), any other section as VS Code answered it (`answers`, same order).
 */
export function answerConfiguration(
  items: readonly ConfigurationItem[],
  answers: readonly unknown[],
  section: string,
  ours: (scopeUri: string | undefined) => Promise<object>,
): Promise<unknown[]> {
  return Promise.all(items.map((item, i) => (item.section === section ? ours(item.scopeUri) : Promise.resolve(answers[i]))));
}

/** The interpreter a folder's app runs with: the folder's own, else the server's. */
export function folderPython(own: string | undefined, server: string): string {
  return own !== undefined && own !== '' ? own : server;
}

/**
 * Each folder's interpreter, resolved once (resolving asks the Python extension and logs
 * each decision: not at every settings pull) until `clear`, which an interpreter change
 * calls.
 */
export class FolderInterpreters {
  private readonly known = new Map<string, Promise<string | undefined>>();

  constructor(private readonly resolve: (folderUri: string) => Promise<string | undefined>) {}

  get(folderUri: string): Promise<string | undefined> {
    let found = this.known.get(folderUri);
    if (!found) {
      found = this.resolve(folderUri).catch(() => undefined);
      this.known.set(folderUri, found);
    }
    return found;
  }

  clear(): void {
    this.known.clear();
  }
}
