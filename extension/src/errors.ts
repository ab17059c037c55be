// The one-line text of anything thrown, for logs and toasts. Pure (no 'vscode').

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
