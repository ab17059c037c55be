// The interpreter chain inside VS Code: the failsafeFlask.interpreter setting, then the
// Python extension's selected interpreter, then python3/python on PATH. Fires
// `onDidChange` when any of them may give a different answer.
import * as os from 'node:os';
import { PythonExtension } from '@vscode/python-extension';
import * as vscode from 'vscode';
import { SECTION, expandInterpreter } from './config';
import { errorText } from './errors';
import {
  type InterpreterProvider,
  type Problem,
  type ResolvedInterpreter,
  interpreterChain,
  pathProvider,
  pipInstallFlask,
  resolveInterpreter,
  usableInterpreter,
} from './interpreter';

const PYTHON_EXTENSION = 'ms-python.python';

export class Interpreters implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: Array<{ dispose(): unknown }> = [this.changed];
  private pythonApi: Promise<PythonExtension | undefined> | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.interpreter`)) this.changed.fire('failsafeFlask.interpreter changed');
      }),
    );
  }

  /** The first interpreter the chain gives for this folder, each decision logged. */
  resolve(folder: vscode.WorkspaceFolder | undefined): Promise<ResolvedInterpreter | undefined> {
    const providers = interpreterChain({
      setting: this.settingProvider(folder),
      pythonExtension: this.pythonExtensionProvider(folder),
      onPath: pathProvider(['python3', 'python'], {
        pathEnv: process.env.PATH,
        platform: process.platform,
        pathExt: process.env.PATHEXT,
      }),
    });
    return resolveInterpreter(providers, (m) => this.log.info(m));
  }

  /** Resolves and checks; on any problem tells the user how to fix it and returns undefined. */
  async usable(folder: vscode.WorkspaceFolder | undefined): Promise<string | undefined> {
    const report = (problem: Problem, python?: string): void => void this.showProblem(problem, python);
    return usableInterpreter(await this.resolve(folder), report, this.log);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private settingProvider(folder: vscode.WorkspaceFolder | undefined): InterpreterProvider {
    return {
      name: 'failsafeFlask.interpreter setting',
      find: () => {
        const value = vscode.workspace.getConfiguration(SECTION, folder?.uri).get<string>('interpreter', '');
        return Promise.resolve(expandInterpreter(value, folder?.uri.fsPath, os.homedir()) || undefined);
      },
    };
  }

  private pythonExtensionProvider(folder: vscode.WorkspaceFolder | undefined): InterpreterProvider {
    return {
      name: 'Python extension',
      find: async () => {
        const api = await this.api();
        if (!api) return undefined;
        const active = api.environments.getActiveEnvironmentPath(folder?.uri);
        const env = await api.environments.resolveEnvironment(active);
        return env?.executable.uri?.fsPath;
      },
    };
  }

  /** The Python extension's API, subscribed to its interpreter changes once. */
  private api(): Promise<PythonExtension | undefined> {
    if (!vscode.extensions.getExtension(PYTHON_EXTENSION)) return Promise.resolve(undefined);
    this.pythonApi ??= PythonExtension.api().then(
      (api) => {
        this.disposables.push(
          api.environments.onDidChangeActiveEnvironmentPath((e) =>
            this.changed.fire(`Python extension selected ${e.path}`),
          ),
        );
        return api;
      },
      (err: unknown) => {
        this.log.warn(`Interpreter: the Python extension's API is not available: ${errorText(err)}`);
        this.pythonApi = undefined; // try again next time: it may still be activating
        return undefined;
      },
    );
    return this.pythonApi;
  }

  private async showProblem(check: Problem, python?: string): Promise<void> {
    const select = 'Select Interpreter';
    const copy = 'Copy pip Command';
    const noFlask = python !== undefined && check.fix?.includes(' -m pip install flask') === true;
    const buttons = noFlask ? [select, copy] : [select];
    const text = [check.problem, check.fix].filter(Boolean).join(' ');
    const choice = await vscode.window.showErrorMessage(text, ...buttons);
    if (choice === select) await selectInterpreter();
    else if (choice === copy && python) await vscode.env.clipboard.writeText(pipInstallFlask(python));
  }
}

/** The Python extension's picker when it is there, else our setting. */
export async function selectInterpreter(): Promise<void> {
  if (vscode.extensions.getExtension(PYTHON_EXTENSION)) {
    await vscode.commands.executeCommand('python.setInterpreter');
  } else {
    await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.interpreter`);
  }
}
