// Drives the VS Code workbench in Debian's Chromium the way a person does: quick open, command
// palette, mouse hover, clicks. Selectors are VS Code 1.100's DOM (see ../../../../shared notes).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { artifactsRoot } from './codeServer';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
    ],
  });
}

export interface Workbench {
  page: Page;
  context: BrowserContext;
  /** Every URL a page or worker tried to reach outside 127.0.0.1 (blocked). */
  offHost: string[];
  /** Uncaught page errors, for diagnosis. */
  pageErrors: string[];
  shot(step: string): Promise<string>;
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
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'dark' });
  const offHost: string[] = [];
  const pageErrors: string[] = [];
  // Route guard: anything not addressed to 127.0.0.1 is recorded and aborted.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    offHost.push(url);
    return route.abort('blockedbyclient');
  });
  // Requests that bypass routing (service workers, websockets) are still seen here.
  context.on('request', (req) => {
    if (!isLocal(req.url()) && !offHost.includes(req.url())) offHost.push(req.url());
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
    async shot(step: string) {
      const file = path.join(dir, `${String(++n).padStart(2, '0')}-${step}.png`);
      await page.screenshot({ path: file });
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

export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator(quickInput);
  await input.waitFor();
  await input.fill(name);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: name })
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
  await page.keyboard.press('Escape');
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
 * Works for both save and open dialogs.
 */
export async function answerFileDialog(page: Page, filePath: string): Promise<void> {
  const input = page.locator(quickInput);
  await input.waitFor({ timeout: 30_000 });
  await input.fill(filePath);
  // The simple dialog updates its listing as the value changes; give it a moment before accepting.
  await page.waitForTimeout(300);
  await input.press('Enter');
  // An overwrite confirmation (or "OK" button of the simple dialog) may follow.
  const ok = page.locator('.quick-input-widget .quick-input-action a, .quick-input-widget button', { hasText: /^OK$/ });
  if (await ok.isVisible().catch(() => false)) await ok.click();
}

/** Notification toasts currently shown (text). */
export async function toasts(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-toast').allInnerTexts();
}
