// The status bar item and the `failsafeFlask.state` context key, both driven by the
// last status the server sent, through the one pure render function.
import * as vscode from 'vscode';
import { STOPPED, type Status, TOOLTIP_COMMANDS, renderStatus } from './status';

export const CONTEXT_KEY = 'failsafeFlask.state';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('failsafeFlask.status', vscode.StatusBarAlignment.Left, 10);
  private last: Status = STOPPED;

  constructor() {
    this.item.name = 'Failsafe Flask';
    this.show(STOPPED);
    this.item.show();
  }

  get current(): Status {
    return this.last;
  }

  show(status: Status): void {
    this.last = status;
    const view = renderStatus(status);
    const tooltip = new vscode.MarkdownString(view.tooltip, true);
    tooltip.isTrusted = { enabledCommands: TOOLTIP_COMMANDS };
    this.item.text = view.text;
    this.item.tooltip = tooltip;
    this.item.command = { command: view.command.id, title: view.command.title };
    this.item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const app = status.app ? ` (${status.app})` : '';
    this.item.accessibilityInformation = { label: `Failsafe Flask: ${status.state}${app}` };
    void vscode.commands.executeCommand('setContext', CONTEXT_KEY, status.state);
  }

  dispose(): void {
    this.item.dispose();
  }
}
