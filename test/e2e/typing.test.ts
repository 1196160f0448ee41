// Typing steadily in a ~2,000-token file with the heat map on and the inspector open: the editor keeps
// up (keystroke-to-screen latency compared with the same typing in a file the extension does not
// analyse, same session), and once typing pauses the analysis, the panel and the hover all describe
// the new text, never an older version.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { workspaceFixtures } from './harness/codeServer';
import { useSession } from './harness/session';
import { activeEditor, clickWord, hoverWord, openFile, plainToken, runCommand, webviewFrame } from './harness/workbench';

// Plain text is left alone by the extension here, so the same file as .txt is the baseline.
const s = useSession('typing', { settings: { 'activationInspector.enabledLanguages': ['python'] } });
const TYPED = '    discount_rate = compute_discount(total_price, customer)  # typed';

/** ~2,000 tokens of Python: the fixture repeated with renamed functions. */
function bigPython(): string {
  const base = readFileSync(path.join(workspaceFixtures, 'sample.py'), 'utf8');
  const parts: string[] = [];
  for (let i = 0; i < 7; i++) parts.push(base.replace(/def (\w+)/g, `def $1_${i}`).replace(/class Item/g, `class Item${i}`));
  return parts.join('\n');
}

async function statusTokens(page: Page): Promise<number> {
  const item = page.locator('.statusbar-item', { hasText: /code-gpt2-2l: [\d,]+ tokens · / }).first();
  await item.waitFor({ timeout: 90_000 });
  return Number(/([\d,]+) tokens/.exec(await item.innerText())![1]!.replace(/,/g, ''));
}

/**
 * Types `text` at ~10 keys/s at the end of the line holding `anchor`, measuring per key the time from
 * keydown to the next change of the editor's rendered lines. Returns the latencies in ms.
 */
async function typeMeasured(page: Page, anchor: string, text: string): Promise<number[]> {
  await page.keyboard.press('Control+End');
  await page.waitForTimeout(300);
  await clickWord(page, anchor);
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await activeEditor(page).locator('.view-lines').evaluate((root) => {
    const w = window as unknown as { __lat: number[]; __pending: number | null };
    w.__lat = [];
    w.__pending = null;
    document.addEventListener(
      'keydown',
      () => {
        w.__pending = performance.now();
      },
      true,
    );
    new MutationObserver(() => {
      if (w.__pending !== null) {
        w.__lat.push(performance.now() - w.__pending);
        w.__pending = null;
      }
    }).observe(root, { subtree: true, childList: true, characterData: true });
  });
  await page.keyboard.type(text, { delay: 100 });
  return page.evaluate(() => (window as unknown as { __lat: number[] }).__lat);
}

function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe('typing in a 2,000-token file', () => {
  let baseline: number[] = [];

  test('baseline: the same typing in a file the extension does not analyse', async () => {
    const { page } = s.wb;
    writeFileSync(path.join(s.server.workspace, 'big.txt'), bigPython());
    writeFileSync(path.join(s.server.workspace, 'big.py'), bigPython());
    await openFile(page, 'big.txt');
    baseline = await typeMeasured(page, 'cheapest_6', TYPED);
    expect(baseline.length).toBeGreaterThan(TYPED.length / 2);
  });

  test('with analysis, heat map and inspector on, the editor keeps up and everything catches up', async () => {
    const { page } = s.wb;
    await openFile(page, 'big.py');
    const before = await statusTokens(page);
    expect(before).toBeGreaterThan(1_500);
    await runCommand(page, s.commandLabel('activationInspector.toggleHeatmap'));
    await runCommand(page, s.commandLabel('activationInspector.openInspector'));
    await webviewFrame(page).locator('#token-strip [role="option"]').first().waitFor({ timeout: 60_000 });
    await activeEditor(page).click({ position: { x: 300, y: 20 } });

    const latencies = await typeMeasured(page, 'cheapest_6', TYPED);
    const typedAt = Date.now();
    const p50 = quantile(latencies, 0.5);
    const p95 = quantile(latencies, 0.95);
    const b50 = quantile(baseline, 0.5);
    const b95 = quantile(baseline, 0.95);
    console.log(
      `typing latency (keydown → lines re-rendered), ${latencies.length} keys at 10/s: ` +
        `analysed p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms; ` +
        `baseline p50 ${b50.toFixed(1)} ms, p95 ${b95.toFixed(1)} ms; p50 ratio ${(p50 / b50).toFixed(2)}`,
    );
    // Responsive: the typical keystroke costs about what it costs without the extension.
    expect(p50 / Math.max(b50, 1)).toBeLessThan(3);

    // Caught up: the status bar, the panel and the hover describe the final text.
    const text = await activeEditor(page).locator('.view-lines').innerText();
    expect(text.replace(/\u00a0/g, ' ')).toContain(TYPED.trim());
    await expect.poll(() => statusTokens(page), { timeout: 60_000 }).toBeGreaterThan(before + 10);
    const after = await statusTokens(page);
    console.log(`analysis caught up ${((Date.now() - typedAt) / 1000).toFixed(1)} s after the last key: ${before} → ${after} tokens`);
    const panelStatus = webviewFrame(page).locator('.status .doc');
    await expect.poll(() => panelStatus.innerText(), { timeout: 30_000 }).toContain(`${after.toLocaleString('en-US')} tokens`);
    await hoverWord(page, 'compute_discount', /Predicts next/);
    const hover = page.locator('.monaco-hover:not(.hidden) .rendered-markdown', { hasText: /Predicts next/ }).first();
    const token = plainToken(await hover.locator('p').first().locator('code').first().innerText());
    expect(TYPED).toContain(token);
    await s.wb.shot('typed-and-caught-up');
  });
});
