// The status bar items and the `failsafeFlask.state` context key, driven by the last
// status the server sent for each app, through the pure render functions. One app: one
// item, as ever. Several: one item per app that is not idle, each naming its app, so a
// failure in one is seen next to the other still serving, without opening anything.
import * as vscode from 'vscode';
import { STOPPED, type State, type Status, type StatusView, TOOLTIP_COMMANDS, renderApps } from './status';

export const CONTEXT_KEY = 'failsafeFlask.state';

// Most telling first: the context key (what the palette offers) follows the busiest app.
const RANK: Record<State, number> = { stopped: 0, failed: 1, starting: 2, restarting: 3, running: 4 };

export class StatusBar implements vscode.Disposable {
  private readonly items = new Map<string, vscode.StatusBarItem>();
  private readonly statuses = new Map<string, Status>();
  private last: Status = STOPPED;

  /** `appCount` says how many apps the workspace holds (they are named when several). */
  constructor(private readonly appCount: () => number) {
    this.show(STOPPED);
  }

  /** The last status of any app (with one app, its status). */
  get current(): Status {
    return this.last;
  }

  /** The last status of each app heard of, by app id. */
  get apps(): ReadonlyMap<string, Status> {
    return this.statuses;
  }

  show(status: Status): void {
    this.last = status;
    // A status for no app in particular (the language server starting or gone) is every app's.
    if (!status.appId) this.statuses.clear();
    else this.statuses.set(status.appId, status);
    const several = this.appCount() > 1;
    const all = status.appId && several ? [...this.statuses.values()] : [status];
    const views = renderApps(all, several);
    const keep = new Set(views.map((v) => v.appId));
    for (const [key, item] of this.items) {
      if (!keep.has(key)) {
        item.dispose();
        this.items.delete(key);
      }
    }
    views.forEach(({ appId, view }, i) => this.render(appId, view, all.find((s) => s.appId === appId) ?? status, several ? i : -1));
    const top = all.reduce((a, b) => (RANK[b.state] > RANK[a.state] ? b : a), STOPPED);
    void vscode.commands.executeCommand('setContext', CONTEXT_KEY, top.state);
  }

  /** `order` is the item's place among several apps' items, -1 for the one item. */
  private render(appId: string, view: StatusView, status: Status, order: number): void {
    let item = this.items.get(appId);
    if (!item) {
      // Ids and priorities keep the items in a stable order, left to right.
      item = vscode.window.createStatusBarItem(`failsafeFlask.status${appId ? `.${appId}` : ''}`, vscode.StatusBarAlignment.Left, 10 - Math.max(order, 0) / 100);
      item.name = order >= 0 && status.name ? `Failsafe Flask: ${status.name}` : 'Failsafe Flask';
      this.items.set(appId, item);
      item.show();
    }
    const tooltip = new vscode.MarkdownString(view.tooltip, true);
    tooltip.isTrusted = { enabledCommands: TOOLTIP_COMMANDS };
    item.text = view.text;
    item.tooltip = tooltip;
    item.command = { command: view.command.id, title: view.command.title, arguments: view.command.arguments };
    item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const app = status.app ? ` (${status.app})` : '';
    const name = order >= 0 && status.name ? ` ${status.name}` : '';
    item.accessibilityInformation = { label: `Failsafe Flask${name}: ${status.state}${app}` };
  }

  dispose(): void {
    for (const item of this.items.values()) item.dispose();
    this.items.clear();
  }
}
