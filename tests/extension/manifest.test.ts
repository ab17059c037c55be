// package.json is the manifest: what the palette, settings UI and trust prompt show.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

interface Manifest {
  engines: { vscode: string };
  main: string;
  capabilities: { untrustedWorkspaces: { supported: string | boolean; description?: string } };
  contributes: {
    commands: Array<{ command: string; title: string; category?: string; enablement?: string }>;
    menus: { commandPalette: Array<{ command: string; when: string }> };
  };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const root = path.join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;

function paletteTitle(c: { title: string; category?: string }): string {
  return c.category ? `${c.category}: ${c.title}` : c.title;
}

describe('manifest', () => {
  it('contributes the five palette commands with their titles', () => {
    const titles = Object.fromEntries(pkg.contributes.commands.map((c) => [c.command, paletteTitle(c)]));
    assert.deepEqual(titles, {
      'failsafeFlask.start': 'Start Failsafe Flask',
      'failsafeFlask.stop': 'Stop Failsafe Flask',
      'failsafeFlask.restart': 'Restart Failsafe Flask',
      'failsafeFlask.openInBrowser': 'Failsafe Flask: Open in Browser',
      'failsafeFlask.showLogs': 'Failsafe Flask: Show Logs',
    });
  });

  it('never reuses a server command id (vscode-languageclient registers those)', () => {
    for (const c of pkg.contributes.commands) assert.ok(!c.command.startsWith('failsafe-flask.'), c.command);
  });

  it('Start is offered before activation (the context key is not set yet)', () => {
    const start = pkg.contributes.menus.commandPalette.find((m) => m.command === 'failsafeFlask.start');
    assert.ok(start?.when.includes('!failsafeFlask.state'));
  });

  it('has limited support for untrusted workspaces, with a reason', () => {
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.capabilities.untrustedWorkspaces.description);
  });

  it('pins exact versions, @types/vscode matching engines.vscode', () => {
    const all = { ...pkg.dependencies, ...pkg.devDependencies };
    for (const [name, version] of Object.entries(all)) assert.match(version, /^\d+\.\d+\.\d+$/, name);
    assert.equal(`^${all['@types/vscode'] ?? ''}`, pkg.engines.vscode);
    assert.equal(pkg.main, './out/extension.js');
  });
});
