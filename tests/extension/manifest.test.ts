// package.json is the manifest: what the palette, settings UI and trust prompt show.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

interface Manifest {
  publisher: string;
  name: string;
  icon: string;
  repository: { url: string };
  homepage: string;
  bugs: { url: string };
  categories: string[];
  activationEvents: string[];
  scripts: Record<string, string>;
  engines: { vscode: string };
  main: string;
  capabilities: {
    untrustedWorkspaces: { supported: string | boolean; description?: string; restrictedConfigurations?: string[] };
  };
  contributes: {
    commands: Array<{ command: string; title: string; category?: string; enablement?: string }>;
    menus: { commandPalette: Array<{ command: string; when: string }> };
    configuration: { properties: Record<string, { enum?: string[]; default?: unknown; scope?: string }> };
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
      'failsafeFlask.start': 'Failsafe Flask: Start',
      'failsafeFlask.stop': 'Failsafe Flask: Stop',
      'failsafeFlask.restart': 'Failsafe Flask: Restart',
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

  it('is ready for the marketplace: icon, links, a category on every command', () => {
    assert.match(pkg.publisher, /^[a-z0-9][a-z0-9-]*$/);
    const icon = readFileSync(path.join(root, pkg.icon));
    // A PNG's IHDR holds its width and height (big-endian) at bytes 16 and 20.
    assert.equal(icon.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
    for (const url of [pkg.repository.url, pkg.homepage, pkg.bugs.url]) assert.match(url, /^https:\/\//);
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Failsafe Flask', c.command);
    assert.ok(!(pkg.scripts.package ?? '').includes('--allow-missing-repository'));
    readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');
  });

  it('its categories match what it contributes (no debugger, no grammar)', () => {
    assert.deepEqual(pkg.categories, ['Linters', 'Other']);
  });

  it('traces the server through vscode-languageclient (<client id>.trace.server)', () => {
    const props = new Map(Object.entries(pkg.contributes.configuration.properties));
    const trace = props.get('failsafeFlask.trace.server');
    assert.deepEqual(trace?.enum, ['off', 'messages', 'verbose']);
    assert.equal(trace.default, 'off');
  });

  it('an untrusted workspace cannot choose what runs', () => {
    const restricted = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations ?? [];
    for (const key of ['interpreter', 'app', 'env', 'envFile']) assert.ok(restricted.includes(`failsafeFlask.${key}`), key);
  });

  it('activates on Python files and on package layouts, not only app.py at the top', () => {
    assert.ok(pkg.activationEvents.includes('onLanguage:python'));
    assert.ok(pkg.activationEvents.includes('workspaceContains:*/__init__.py'));
    assert.ok(pkg.activationEvents.includes('workspaceContains:**/app.py'));
    assert.ok(!pkg.activationEvents.includes('workspaceContains:**/*.py'), 'a search of the whole tree in every workspace');
  });
});
