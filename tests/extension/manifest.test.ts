// package.json is the manifest: what the palette, settings UI and trust prompt show.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { STATES, type State } from '../../extension/src/status';

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
    walkthroughs: Walkthrough[];
    debuggers: Array<{
      type: string;
      configurationAttributes: { launch: { properties: Record<string, unknown> } };
      initialConfigurations: Array<{ request: string }>;
      configurationSnippets: Array<{ body: { type: string } }>;
    }>;
    breakpoints: Array<{ language: string }>;
  };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

interface Walkthrough {
  id: string;
  title: string;
  steps: Array<{ id: string; title: string; description: string; media: { markdown?: string }; completionEvents?: string[] }>;
}

// Commands of VS Code and the Python extension the walkthrough may link to.
const OUTSIDE_COMMANDS = ['python.setInterpreter', 'workbench.action.openSettings', 'workbench.actions.view.problems'];

const root = path.join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;

function paletteTitle(c: { title: string; category?: string }): string {
  return c.category ? `${c.category}: ${c.title}` : c.title;
}

describe('manifest', () => {
  it('contributes the six palette commands with their titles', () => {
    const titles = Object.fromEntries(pkg.contributes.commands.map((c) => [c.command, paletteTitle(c)]));
    assert.deepEqual(titles, {
      'failsafeFlask.start': 'Failsafe Flask: Start',
      'failsafeFlask.stop': 'Failsafe Flask: Stop',
      'failsafeFlask.restart': 'Failsafe Flask: Restart',
      'failsafeFlask.openInBrowser': 'Failsafe Flask: Open in Browser',
      'failsafeFlask.showLogs': 'Failsafe Flask: Show Logs',
      'failsafeFlask.debug': 'Failsafe Flask: Debug',
    });
  });

  it('contributes the failsafe-flask debugger: F5, Add Configuration, template breakpoints', () => {
    const debuggerEntry = pkg.contributes.debuggers[0];
    assert.ok(debuggerEntry);
    assert.equal(pkg.contributes.debuggers.length, 1);
    assert.equal(debuggerEntry.type, 'failsafe-flask');
    assert.equal(debuggerEntry.configurationSnippets[0]?.body.type, 'failsafe-flask');
    assert.equal(debuggerEntry.initialConfigurations[0]?.request, 'launch');
    const props = Object.keys(debuggerEntry.configurationAttributes.launch.properties);
    assert.deepEqual(props.sort(), ['app', 'appName', 'host', 'justMyCode', 'port', 'stopOnLoad']);
    assert.deepEqual(pkg.contributes.breakpoints.map((b) => b.language), ['python', 'jinja', 'jinja-html', 'html']);
    assert.ok(pkg.activationEvents.includes('onDebugResolve:failsafe-flask'));
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

  it('its categories match what it contributes (a debugger, no grammar)', () => {
    assert.deepEqual(pkg.categories, ['Linters', 'Debuggers', 'Other']);
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

  describe('walkthrough', () => {
    const [walk] = pkg.contributes.walkthroughs;
    const steps = walk?.steps ?? [];
    const ours = new Set(pkg.contributes.commands.map((c) => c.command));
    const known = (id: string): boolean => ours.has(id) || OUTSIDE_COMMANDS.includes(id);

    it('goes: interpreter, start, break and fix, browser, debug', () => {
      assert.equal(pkg.contributes.walkthroughs.length, 1);
      assert.deepEqual(
        steps.map((s) => s.id),
        ['chooseInterpreter', 'start', 'breakAndFix', 'openInBrowser', 'debug'],
      );
    });

    it('links and completion events name real commands and real states', () => {
      for (const step of steps) {
        const links = [...step.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1] ?? '');
        assert.ok(links.length > 0, `${step.id} has a button`);
        for (const id of links) assert.ok(known(id), `${step.id}: ${id}`);
        assert.ok((step.completionEvents ?? []).length > 0, `${step.id} completes on an event`);
        for (const event of step.completionEvents ?? []) {
          const [kind = '', arg = ''] = event.split(/:(.*)/s);
          if (kind === 'onCommand') assert.ok(known(arg), event);
          else if (kind === 'onContext') assert.ok(STATES.includes(arg.replace('failsafeFlask.state == ', '') as State), event);
          else assert.equal(event, 'onSettingChanged:failsafeFlask.interpreter');
        }
      }
    });

    it('has a markdown page per step, shipped in the .vsix', () => {
      const shipped = readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n');
      for (const step of steps) {
        const page = step.media.markdown ?? '';
        assert.ok(page.startsWith('extension/media/walkthrough/'), page);
        assert.match(readFileSync(path.join(root, page), 'utf8'), /^# /, page);
        assert.ok(shipped.includes('!extension/media/walkthrough/*.md'), '.vscodeignore keeps the pages');
      }
    });

    it('debugs with breakpoints (Failsafe Flask: Debug) and in the browser with the PIN', () => {
      assert.match(steps[4]?.description ?? '', /command:failsafeFlask\.debug/);
      const page = readFileSync(path.join(root, steps[4]?.media.markdown ?? ''), 'utf8');
      assert.match(page, /Werkzeug's debugger/);
      assert.match(page, /Debugger PIN/);
      assert.match(page, /breakpoint/);
      assert.doesNotMatch(page, /coming soon/i);
    });
  });
});
