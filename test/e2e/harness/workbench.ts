// Drives the VS Code workbench in Debian's Chromium the way a person does: quick open, command
// palette, mouse hover, clicks. Selectors are VS Code 1.100's DOM (see ../../../../shared notes).
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { launchHeadlessChromium } from '../../chromium';
import { artifactsRoot, repoRoot } from './codeServer';


export function launchBrowser(): Promise<Browser> {
  return launchHeadlessChromium();
}

export interface Workbench {
  page: Page;
  context: BrowserContext;
  /** Every URL a page or worker tried to reach outside 127.0.0.1 (blocked). */
  offHost: string[];
  /** Uncaught page errors, for diagnosis. */
  pageErrors: string[];
  /**
   * Screenshot into test-results/e2e/<suite>/NN-<step>.png. With `docsName` and UPDATE_SCREENSHOTS=1
   * it is also copied to docs/screenshots/<docsName> (the README's pictures).
   */
  shot(step: string, docsName?: string): Promise<string>;
}

/** True for URLs that stay on this machine (the code-server origin, data/blob, in-page schemes). */
export function isLocal(url: string): boolean {
  if (/^(data|blob|about|chrome-extension|vscode-webview|vscode-resource):/.test(url)) return true;
  try {
    const u = new URL(url);
    return u.hostname === '127.0.0.1';
  } catch {
    return false;
  }
}

export async function openWorkbench(
  browser: Browser,
  serverUrl: string,
  folder: string,
  artifactsName: string,
): Promise<Workbench> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: 'dark' });
  const offHost: string[] = [];
  const pageErrors: string[] = [];
  // Route guard: anything not addressed to 127.0.0.1 is recorded and aborted.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    offHost.push(url);
    return route.abort('blockedbyclient');
  });
  // Webview resources are addressed to https://*.vscode-resource.vscode-cdn.net/<path> but answered
  // by the webview's service worker from the local server: they never reach the network. Any other
  // response from off this host (one that slipped past routing) is recorded.
  context.on('response', (res) => {
    const url = res.url();
    if (!isLocal(url) && !res.fromServiceWorker() && !offHost.includes(url)) offHost.push(url);
  });
  // Requests a service worker itself sends to the network.
  context.on('request', (req) => {
    if (req.serviceWorker() && !isLocal(req.url()) && !offHost.includes(req.url())) offHost.push(req.url());
  });
  const page = await context.newPage();
  page.on('websocket', (ws) => {
    if (!isLocal(ws.url().replace(/^ws/, 'http'))) offHost.push(ws.url());
  });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  const dir = path.join(artifactsRoot, artifactsName);
  mkdirSync(dir, { recursive: true });
  let n = 0;
  const wb: Workbench = {
    page,
    context,
    offHost,
    pageErrors,
    async shot(step: string, docsName?: string) {
      const file = path.join(dir, `${String(++n).padStart(2, '0')}-${step}.png`);
      await page.screenshot({ path: file });
      if (docsName && process.env.UPDATE_SCREENSHOTS === '1') copyFileSync(file, path.join(repoRoot, 'docs', 'screenshots', docsName));
      return file;
    },
  };
  await page.goto(`${serverUrl}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // The explorer shows the folder once the workbench has connected to the server.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
  return wb;
}

const quickInput = '.quick-input-widget .quick-input-box input';

/**
 * Closes a quick input left open. Only then is Escape pressed: with focus in the inspector, Escape
 * would close its feature card.
 */
async function closeQuickInput(page: Page): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  if (await widget.isVisible()) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: 5_000 });
  }
}

export async function openFile(page: Page, name: string): Promise<void> {
  await closeQuickInput(page);
  await page.keyboard.press('Control+P');
  const input = page.locator(quickInput);
  await input.waitFor();
  await input.fill(name);
  // Wait for the *focused* row to be the file: the list first shows recent files, before filtering.
  await page
    .locator('.quick-input-list .monaco-list-row.focused', { has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) })
    .first()
    .waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active[aria-label^="${name}"]`).waitFor({ timeout: 30_000 });
  await activeEditor(page).locator('.view-lines .view-line').first().waitFor();
}

export function activeEditor(page: Page) {
  return page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
}

/**
 * Runs a command from the palette by its full label ("Category: Title"). Waits for the row with
 * exactly that label, so fuzzy matches of other commands are never picked.
 */
export async function runCommand(page: Page, label: string): Promise<void> {
  await closeQuickInput(page);
  await page.keyboard.press('F1');
  const input = page.locator(quickInput);
  await input.waitFor();
  await input.fill(`>${label}`);
  const row = page.locator('.quick-input-list .monaco-list-row', {
    has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }),
  });
  await row.first().waitFor({ timeout: 30_000 });
  await row.first().click();
}

/** Chooses an item of an open quick pick by typing its label and accepting the focused row. */
export async function pickQuickItem(page: Page, label: string): Promise<void> {
  const input = page.locator(quickInput);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor({ timeout: 30_000 });
  await input.fill(label);
  await page
    .locator('.quick-input-list .monaco-list-row.focused', { has: page.locator('.label-name', { hasText: label }) })
    .first()
    .waitFor({ timeout: 30_000 });
  await input.press('Enter');
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Screen box of the `occurrence`-th match of `text` in the active editor's visible lines. */
export async function wordBox(page: Page, text: string, occurrence = 0) {
  const box = await activeEditor(page).locator('.view-lines').evaluate(
    (root, [needle, nth]) => {
      // Lines are rendered as spans of text nodes; spaces may be U+00A0.
      const lines = [...root.querySelectorAll('.view-line')].sort(
        (a, b) => (a as HTMLElement).offsetTop - (b as HTMLElement).offsetTop,
      );
      let seen = 0;
      for (const line of lines) {
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        const nodes: Text[] = [];
        let full = '';
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          nodes.push(n as Text);
          full += (n as Text).data;
        }
        const normal = full.replace(/\u00a0/g, ' ');
        let at = normal.indexOf(needle as string);
        while (at >= 0) {
          if (seen++ === nth) {
            const locate = (offset: number, end: boolean) => {
              let acc = 0;
              for (const node of nodes) {
                const len = node.data.length;
                if (offset < acc + len || (end && offset === acc + len)) return { node, off: offset - acc };
                acc += len;
              }
              const last = nodes[nodes.length - 1];
              return { node: last, off: last.data.length };
            };
            const s = locate(at, false);
            const e = locate(at + (needle as string).length, true);
            const range = document.createRange();
            range.setStart(s.node, s.off);
            range.setEnd(e.node, e.off);
            const r = range.getBoundingClientRect();
            return { x: r.left, y: r.top, width: r.width, height: r.height };
          }
          at = normal.indexOf(needle as string, at + 1);
        }
      }
      return null;
    },
    [text, occurrence] as const,
  );
  if (!box) throw new Error(`"${text}" (#${occurrence}) is not visible in the active editor`);
  return box;
}

/** Moves the mouse onto a word and returns the hover widget's text once it shows `expect`. */
export async function hoverWord(page: Page, text: string, expect: RegExp, occurrence = 0): Promise<string> {
  const box = await wordBox(page, text, occurrence);
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  const hover = page.locator('.monaco-hover:not(.hidden) .hover-contents, .monaco-hover:not(.hidden) .rendered-markdown');
  // Hovers can be slow to come while the model first loads: re-hover until ours is there.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await page.mouse.move(5, 5);
    await page.mouse.move(x - 2, y, { steps: 2 });
    await page.mouse.move(x, y, { steps: 2 });
    try {
      await page.locator('.monaco-hover:not(.hidden)', { hasText: expect }).first().waitFor({ timeout: 5_000 });
      return (await hover.allInnerTexts()).join('\n');
    } catch {
      // not yet
    }
  }
  throw new Error(`no hover matching ${expect} on "${text}"`);
}

/** Click on a word: puts the cursor at its centre. */
export async function clickWord(page: Page, text: string, occurrence = 0): Promise<void> {
  const box = await wordBox(page, text, occurrence);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

/** The content frame of a webview (view or panel) with the given title in its view pane. */
export function webviewFrame(page: Page, index = 0): FrameLocator {
  return page.frameLocator('iframe.webview.ready').nth(index).frameLocator('#active-frame');
}

/**
 * Answers VS Code's simple file dialog (the quick-input one code-server uses) with a full path.
 * For an open dialog (`existing`), waits until the dialog's listing has the file focused, so Enter
 * accepts that file instead of being taken by the listing's refresh.
 */
export async function answerFileDialog(page: Page, filePath: string, existing = false): Promise<void> {
  const input = page.locator(quickInput);
  const widget = page.locator('.quick-input-widget');
  await input.waitFor({ timeout: 30_000 });
  // The dialog sets its own value (the default folder) once its first listing is loaded, overwriting
  // anything typed before: wait for that listing (it always has the ".." row) first.
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 30_000 });
  for (let i = 0; i < 50 && (await input.inputValue()) === ''; i++) await page.waitForTimeout(100);
  await input.fill(filePath);
  if (existing) {
    const name = path.basename(filePath);
    const row = page
      .locator('.quick-input-list .monaco-list-row.focused', { has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) })
      .first();
    try {
      await row.waitFor({ timeout: 5_000 });
    } catch {
      await input.fill(filePath); // a late refresh of the listing replaced the value
      await row.waitFor({ timeout: 10_000 });
    }
  } else {
    await page.waitForTimeout(500);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    if ((await input.inputValue()) !== filePath) await input.fill(filePath);
    await input.press('Enter');
    try {
      await widget.waitFor({ state: 'hidden', timeout: 5_000 });
      return;
    } catch {
      // still open: the Enter went to the dialog's own navigation; try again with the same path
    }
  }
  throw new Error(`the file dialog did not accept ${filePath} (its input holds "${await input.inputValue()}")`);
}

/** Notification toasts currently shown (text). */
export async function toasts(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-toast').allInnerTexts();
}

/**
 * Undoes the visible-whitespace rendering of a token (src/shared/present.ts, the same in the hover and
 * the panel: · → ↵ ␍) so it can be compared with the document text.
 */
export function plainToken(shown: string): string {
  return shown.trim().replace(/·/g, ' ').replace(/→/g, '\t').replace(/↵/g, '\n').replace(/␍/g, '\r');
}
