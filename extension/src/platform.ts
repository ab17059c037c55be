// Where Failsafe Flask runs. Pure: no 'vscode' import.

export const UNSUPPORTED_PLATFORM =
  'Failsafe Flask runs on Linux and macOS only (WSL, Remote-SSH and Dev Containers on Linux work): on Windows an app process cannot inherit the listening socket.';

/** undefined where the server can run apps, else the one sentence that says why not. */
export function platformProblem(platform: string): string | undefined {
  return platform === 'win32' ? UNSUPPORTED_PLATFORM : undefined;
}
