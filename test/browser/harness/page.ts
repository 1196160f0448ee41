// Opens the built panel in headless Chromium the way VS Code would: the real HTML shell and CSP from
// src/inspector/html.ts, theme variables on <html>, an acquireVsCodeApi stand-in whose messages go
// to a host stand-in in the test process. A route guard serves the page's own assets and fails
// everything else; CSP violations and page errors are collected for the tests to assert on.
import type { Browser, Page } from 'playwright-core';
import { launchHeadlessChromium } from '../../chromium';
import { panelHtml } from '../../../src/inspector/html';
import { type FromWebviewMessage, parseFromWebview } from '../../../src/protocol';
import type { PageNeeds } from '../../../webview/components/toolkitPage';
import type { PanelAssets } from './build';
import { type ThemeName, THEMES, themeVariables } from './themes';

export const ORIGIN = 'https://panel.test';

export function launchChromium(): Promise<Browser> {
  return launchHeadlessChromium();
}

export interface PanelPageOptions {
  theme?: ThemeName;
  viewport?: { width: number; height: number };
  /** What vscode.getState() returns at start (a re-shown view). */
  persisted?: unknown;
  /** What the HTML shell grants the panel's scripts; by default what they declare (PAGE_NEEDS). */
  pageNeeds?: PageNeeds;
  /** Called with every valid message the panel posts. */
  onMessage?: (m: FromWebviewMessage, panel: PanelPage) => void | Promise<void>;
}

export class PanelPage {
  readonly received: FromWebviewMessage[] = [];
  /** Messages the panel posted that failed validation (should stay empty). */
  readonly invalidFromPanel: string[] = [];
  readonly strayRequests: string[] = [];
  readonly pageErrors: string[] = [];
  readonly consoleMessages: { type: string; text: string }[] = [];
  persisted: unknown = undefined;

  private constructor(readonly page: Page) {}

  static async open(browser: Browser, assets: PanelAssets, o: PanelPageOptions = {}): Promise<PanelPage> {
    const context = await browser.newContext({ viewport: o.viewport ?? { width: 480, height: 900 }, serviceWorkers: 'block' });
    const page = await context.newPage();
    const panel = new PanelPage(page);
    panel.persisted = o.persisted;
    const theme = o.theme ?? 'dark';
    const files: Record<string, { body: string; contentType: string }> = {
      [`${ORIGIN}/index.html`]: {
        body: panelHtml({ cspSource: ORIGIN, scriptUri: `${ORIGIN}/dist/webview.js`, styleUri: `${ORIGIN}/dist/webview.css`, nonce: 'dGVzdC1ub25jZS0xMjM0NQ==', needs: o.pageNeeds }),
        contentType: 'text/html',
      },
      [`${ORIGIN}/dist/webview.js`]: { body: assets.js, contentType: 'text/javascript' },
      [`${ORIGIN}/dist/webview.css`]: { body: assets.css, contentType: 'text/css' },
    };
    // Everything the page asks for passes through here; only our three files are answered.
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      const file = files[url];
      if (file) await route.fulfill({ status: 200, body: file.body, contentType: file.contentType });
      else {
        panel.strayRequests.push(url);
        await route.abort('blockedbyclient');
      }
    });
    page.on('websocket', (ws) => panel.strayRequests.push(ws.url()));
    page.on('pageerror', (e) => panel.pageErrors.push(String(e)));
    page.on('console', (m) => panel.consoleMessages.push({ type: m.type(), text: m.text() }));

    await page.exposeFunction('__panelToHost', async (raw: unknown) => {
      const parsed = parseFromWebview(raw);
      if (!parsed.ok) {
        panel.invalidFromPanel.push(parsed.reason);
        return;
      }
      panel.received.push(parsed.message);
      await o.onMessage?.(parsed.message, panel);
    });
    await page.exposeFunction('__panelSetState', (s: unknown) => {
      panel.persisted = s;
    });
    await page.addInitScript(
      ({ vars, bodyClass, persisted }) => {
        // Init scripts run before <html> exists: theme the root element as soon as it appears.
        const theme = () => {
          for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
        };
        if (document.documentElement) theme();
        else {
          const mo = new MutationObserver(() => {
            if (document.documentElement) {
              mo.disconnect();
              theme();
            }
          });
          mo.observe(document, { childList: true });
        }
        const w = window as unknown as Record<string, unknown>;
        w.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          (w.__cspViolations as string[]).push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
        );
        document.addEventListener('DOMContentLoaded', () => document.body.classList.add(bodyClass));
        let state: unknown = persisted;
        let acquired = false;
        w.acquireVsCodeApi = () => {
          if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
          acquired = true;
          return {
            postMessage: (m: unknown) => void (w.__panelToHost as (m: unknown) => Promise<void>)(JSON.parse(JSON.stringify(m))),
            getState: () => state,
            setState: (s: unknown) => {
              state = s;
              void (w.__panelSetState as (s: unknown) => Promise<void>)(s);
            },
          };
        };
      },
      { vars: themeVariables(theme), bodyClass: THEMES[theme].bodyClass, persisted: o.persisted ?? null },
    );
    await page.goto(`${ORIGIN}/index.html`);
    return panel;
  }

  /** Host -> panel, as VS Code delivers it (JSON-serialised, a MessageEvent on window). */
  async send(message: unknown): Promise<void> {
    await this.page.evaluate((m) => window.postMessage(m, '*'), message);
  }

  /** Host -> panel without JSON round trip (for malformed values JSON cannot carry). */
  async sendRaw(expression: string): Promise<void> {
    await this.page.evaluate(`window.postMessage(${expression}, '*')`);
  }

  async cspViolations(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
  }

  /** Waits until the panel has posted a message matching `pred`; returns it. */
  async waitForMessage<T extends FromWebviewMessage['type']>(
    type: T,
    pred: (m: Extract<FromWebviewMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<FromWebviewMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.find((m): m is Extract<FromWebviewMessage, { type: T }> => m.type === type && pred(m as never));
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`panel sent no ${type} message within ${timeoutMs} ms; got ${this.received.map((m) => m.type).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}
