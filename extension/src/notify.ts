// How a failure reaches the user: one log line, then one toast whose "Show Logs" opens
// the log. Every failure goes through here, so each is told once and the same way.
import * as vscode from 'vscode';

export type Level = 'error' | 'warn';

export async function tellFailure(log: vscode.LogOutputChannel, text: string, level: Level = 'error'): Promise<void> {
  log[level](text);
  const choice =
    level === 'error'
      ? await vscode.window.showErrorMessage(text, 'Show Logs')
      : await vscode.window.showWarningMessage(text, 'Show Logs');
  if (choice) log.show();
}
