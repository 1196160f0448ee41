// One Chromium and one panel build per test file; helpers to open the panel with a stub host.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { buildPanel, type PanelAssets } from './build';
import { loadFixture, type PanelFixture } from './fixture';
import { launchChromium, PanelPage, type PanelPageOptions } from './page';
import { StubHost, type StubHostOptions } from './stubHost';


export function useBrowser() {
  const ctx = {} as { browser: Browser; assets: PanelAssets; fixture: PanelFixture };
  beforeAll(async () => {
    ctx.fixture = loadFixture();
    ctx.assets = await buildPanel();
    ctx.browser = await launchChromium();
  });
  afterAll(async () => {
    await ctx.browser?.close();
  });
  return {
    ctx,
    /** Opens the panel with a stub host playing the extension; waits until it shows token details. */
    async open(hostOptions: StubHostOptions = {}, pageOptions: PanelPageOptions = {}, waitFor = '.details:not(.loading) .dist-row') {
      const host = new StubHost(ctx.fixture, hostOptions);
      const panel = await PanelPage.open(ctx.browser, ctx.assets, { ...pageOptions, onMessage: host.handle });
      if (waitFor) await panel.page.waitForSelector(waitFor, { timeout: 10_000 });
      return { host, panel, page: panel.page };
    },
  };
}

/** What must hold after every test: nothing left the page, no errors, no unexpected CSP violations. */
export async function expectClean(panel: PanelPage): Promise<string[]> {
  const problems: string[] = [];
  if (panel.strayRequests.length) problems.push(`requests left the page: ${panel.strayRequests.join(', ')}`);
  if (panel.pageErrors.length) problems.push(`page errors: ${panel.pageErrors.join(' | ')}`);
  if (panel.invalidFromPanel.length) problems.push(`panel sent invalid messages: ${panel.invalidFromPanel.join(' | ')}`);
  // No exceptions: a <style> the UI kit inserts itself gets the nonce it asks for (webview/components/toolkitPage.ts).
  const csp = await panel.cspViolations();
  if (csp.length) problems.push(`CSP violations: ${csp.join(' | ')}`);
  return problems;
}
