'use strict';
// Driving the VS Code 1.139 workbench in the page through the keyboard and mouse only.
// Every wait is on the page's own state with a deadline; only the keyboard entry into the
// command palette / quick open is retried (a key pressed right after load can be lost).
const { until, log } = require('./util');

const QUICK_INPUT = '.quick-input-widget input.input';

class Workbench {
  constructor(page) {
    this.page = page;
  }

  /** The workbench is up and the explorer lists the folder's files. */
  async ready({ timeout = 60_000 } = {}) {
    await this.page.waitForSelector('.monaco-workbench', { timeout });
    await this.page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout });
  }

  async explorerNames() {
    return this.page.$$eval('.explorer-folders-view .monaco-list-row .label-name', (els) => els.map((e) => e.textContent.trim()));
  }

  /**
   * Opens the quick input with `key` until its input has focus and shows `prefix`
   * (the only retried interaction).
   */
  async openQuickInput(key, prefix, { timeout = 20_000 } = {}) {
    const page = this.page;
    await until(
      `the quick input (${key}) to take focus`,
      async () => {
        const open = await page.evaluate(
          ([sel, want]) => {
            const i = document.querySelector(sel);
            return !!i && document.activeElement === i && i.value === want && i.offsetParent !== null;
          },
          [QUICK_INPUT, prefix],
        );
        if (open) return true;
        await page.keyboard.press('Escape');
        await page.keyboard.press(key);
        await page
          .waitForFunction(
            ([sel, want]) => {
              const i = document.querySelector(sel);
              return !!i && document.activeElement === i && i.value === want;
            },
            [QUICK_INPUT, prefix],
            { timeout: 1500 },
          )
          .catch(() => undefined);
        return false;
      },
      { timeout, interval: 50 },
    );
  }

  /**
   * Types `text` into the open quick input, waits until the focused row is the one
   * labelled `label` (the same twice in a row: results may still be arriving) and
   * presses Enter (then waits for the widget to close, unless `closes` is false).
   * Keyboard, not a click: the list recycles its row elements while it
   * fills, so a click can land on another entry.
   */
  async pickRow(text, label, { timeout = 20_000, detail, closes = true } = {}) {
    const page = this.page;
    await page.keyboard.type(text);
    let seen;
    let stable = 0;
    await until(
      `the quick input's focused row to be "${label}"`,
      async () => {
        seen = await page.evaluate(() => {
          const row = document.querySelector('.quick-input-list .monaco-list-row.focused');
          if (!row) return undefined;
          const name = row.querySelector('.label-name');
          return { label: (name?.textContent ?? '').trim(), text: row.textContent.replace(/\s+/g, ' ').trim() };
        });
        const ok = !!seen && seen.label === label && (!detail || seen.text.includes(detail));
        stable = ok ? stable + 1 : 0;
        return stable >= 2;
      },
      { timeout, interval: 150 },
    ).catch(async (err) => {
      const rows = await page.$$eval('.quick-input-list .monaco-list-row', (rs) => rs.map((r) => r.textContent.trim()));
      err.message += ` (focused: ${JSON.stringify(seen)}; rows: ${JSON.stringify(rows.slice(0, 8))})`;
      throw err;
    });
    await page.keyboard.press('Enter');
    // closes: false when the command asks something next in the same widget.
    if (closes) await page.waitForSelector('.quick-input-widget', { state: 'hidden', timeout });
  }

  /** Runs a command from the palette (F1) by its label, e.g. "Failsafe Flask: Start". */
  async runCommand(label, opts) {
    log(`palette: ${label}`);
    await this.openQuickInput('F1', '>');
    await this.pickRow(label, label, opts);
  }

  /** Opens a file of the workspace with quick open (Ctrl+P) and waits for its editor. */
  async openFile(relPath) {
    const name = relPath.split('/').pop();
    log(`open: ${relPath}`);
    await this.openQuickInput('Control+P', '');
    const dir = relPath.includes('/') ? relPath.split('/').slice(0, -1).join('/') : undefined;
    await this.pickRow(relPath, name, { detail: dir });
    await this.page.waitForSelector(`.tab.active[aria-label^="${name}"], .tab.active[data-resource-name="${name}"]`, {
      timeout: 20_000,
    });
    await this.focusEditor();
  }

  /** Focus in the active editor's text area. */
  async focusEditor() {
    const page = this.page;
    await until('the editor to take focus', async () => {
      const focused = await page.evaluate(() => {
        const a = document.activeElement;
        return !!a && !!a.closest('.editor-group-container.active .monaco-editor');
      });
      if (focused) return true;
      await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click({ position: { x: 5, y: 5 } });
      return false;
    });
  }

  /** Replaces the active editor's whole text and saves (Ctrl+A, insertText, Ctrl+S). */
  async replaceAndSave(text) {
    const page = this.page;
    await this.focusEditor();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
    await page.waitForSelector('.tab.active.dirty', { timeout: 10_000 });
    await page.keyboard.press('Control+S');
    await page.waitForSelector('.tab.active.dirty', { state: 'detached', timeout: 10_000 });
  }

  /** The status bar item whose element id ends with `itemId`: { text, aria } or undefined. */
  async statusItem(itemId) {
    return this.page.evaluate((suffix) => {
      const el = [...document.querySelectorAll('.statusbar-item')].find((e) => e.id.endsWith(suffix));
      if (!el) return undefined;
      return { id: el.id, text: el.textContent.trim(), aria: el.getAttribute('aria-label') ?? '' };
    }, itemId);
  }

  async waitStatus(itemId, what, pred, { timeout = 30_000 } = {}) {
    let last;
    try {
      return await until(
        `status bar item ${itemId}: ${what}`,
        async () => {
          last = await this.statusItem(itemId);
          return last && pred(last) ? last : undefined;
        },
        { timeout },
      );
    } catch (err) {
      err.message += ` (last seen: ${JSON.stringify(last)})`;
      throw err;
    }
  }

  /** Error squiggles in the active editor: the 1-based line numbers they sit on. */
  async squiggleLines() {
    return this.page.evaluate(() => {
      const editor = document.querySelector('.editor-group-container.active .monaco-editor');
      if (!editor) return [];
      const lines = [...editor.querySelectorAll('.view-line')].map((l) => ({
        top: l.getBoundingClientRect().top,
        bottom: l.getBoundingClientRect().bottom,
      }));
      const numbers = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].map((n) => ({
        top: n.getBoundingClientRect().top,
        n: Number(n.textContent.trim()),
      }));
      const out = new Set();
      for (const sq of editor.querySelectorAll('.squiggly-error')) {
        const r = sq.getBoundingClientRect();
        const mid = (r.top + r.bottom) / 2;
        let best;
        for (const num of numbers) {
          if (num.top <= mid && (!best || num.top > best.top)) best = num;
        }
        if (best) out.add(best.n);
      }
      void lines;
      return [...out].sort((a, b) => a - b);
    });
  }

  async waitSquiggleOn(line, { timeout = 30_000 } = {}) {
    let seen = [];
    try {
      await until(`a squiggle on line ${line}`, async () => (seen = await this.squiggleLines()).includes(line), { timeout });
    } catch (err) {
      err.message += ` (squiggles on lines ${JSON.stringify(seen)})`;
      throw err;
    }
  }

  async waitNoSquiggle({ timeout = 30_000 } = {}) {
    await until('no error squiggle in the active editor', async () => (await this.squiggleLines()).length === 0, { timeout });
  }

  /** Errors count from the status bar's problems item (aria-label "Errors: N, ..."). */
  async errorCount() {
    const aria = await this.page.getAttribute('#status\\.problems', 'aria-label').catch(() => null);
    const m = /Errors?: (\d+)/i.exec(aria ?? '');
    if (m) return Number(m[1]);
    if (/no problems/i.test(aria ?? '')) return 0;
    throw new Error(`unexpected problems item label ${JSON.stringify(aria)}`);
  }

  /** Rows of the Problems panel (focused through the palette): their text. */
  async problemRows() {
    return this.page.$$eval('.markers-panel .monaco-list-row', (rows) => rows.map((r) => r.textContent.replace(/\s+/g, ' ').trim()));
  }

  async focusProblems() {
    await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    await this.page.waitForSelector('.markers-panel', { timeout: 10_000 });
  }

  /** Visible notification toasts: their text. */
  async toasts() {
    return this.page.$$eval('.notifications-toasts .notification-toast', (ts) => ts.map((t) => t.textContent.replace(/\s+/g, ' ').trim()));
  }
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

module.exports = { Workbench };
