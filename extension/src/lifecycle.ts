// Which language client runs, and with which interpreter: created on demand, replaced
// only when the interpreter really changed, and never built on an interpreter that has
// not passed the check. Pure (no 'vscode'): the client is anything that starts and stops.
import { errorText } from './errors';
import { STOPPED, type Status } from './status';

export interface ManagedClient {
  start(): Promise<void>;
  dispose(timeoutMs?: number): Promise<void>;
  isRunning(): boolean;
}

export interface LifecycleOptions<C extends ManagedClient, F> {
  /** The interpreter for `folder`, checked; undefined once the user has been told why not. */
  usable(folder: F): Promise<string | undefined>;
  /** The interpreter for `folder`, not checked: only to see whether it changed. */
  resolve(folder: F): Promise<string | undefined>;
  create(python: string, folder: F): C;
  log: { info(message: string): void; warn(message: string): void };
  onStatus(status: Status): void;
}

export interface Running<C, F> {
  client: C;
  python: string;
  folder: F;
  restarts: number; // times the client reached Running (more than once: after a crash)
}

export class ClientLifecycle<C extends ManagedClient, F> {
  private current: Running<C, F> | undefined;

  constructor(private readonly options: LifecycleOptions<C, F>) {}

  get running(): Running<C, F> | undefined {
    return this.current;
  }

  /** A running client on `folder`'s (checked) interpreter, or undefined when there is none. */
  async ensure(folder: F): Promise<Running<C, F> | undefined> {
    const python = await this.options.usable(folder);
    if (!python) return undefined;
    const current = this.current;
    if (current && current.python === python && current.client.isRunning()) return current;
    if (current) {
      this.options.log.info(`Interpreter changed from ${current.python} to ${python}: restarting the server`);
      await this.stop();
    }
    this.options.onStatus({ ...STOPPED, state: 'starting', message: 'Starting the language server' });
    const client = this.options.create(python, folder);
    this.current = { client, python, folder, restarts: 0 };
    try {
      await client.start();
    } catch (err) {
      this.current = undefined;
      this.options.onStatus(STOPPED);
      await client.dispose(2000).catch(() => undefined); // a start that failed has nothing to stop
      throw new Error(`the language server did not start with ${python} (${errorText(err)}); see Failsafe Flask: Show Logs`);
    }
    return this.current;
  }

  /**
   * On a reason to rebuild: the client stays when its interpreter is unchanged (false);
   * else it is replaced by one on the interpreter found now, checked first (true when
   * a new client runs).
   */
  async rebuild(folder: F): Promise<boolean> {
    const current = this.current;
    if (current) {
      const python = await this.options.resolve(current.folder);
      if (python === current.python && current.client.isRunning()) {
        this.options.log.info(`Restart: the interpreter is still ${python}; the server keeps running`);
        return false;
      }
      await this.stop();
    }
    return (await this.ensure(folder)) !== undefined;
  }

  async stop(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    try {
      await current.client.dispose(5000);
    } catch (err) {
      this.options.log.warn(`Server did not stop cleanly: ${errorText(err)}`);
    }
    this.options.onStatus(STOPPED);
  }
}
