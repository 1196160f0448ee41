// Accessibility and theming of the panel in Chromium: axe-core over every state in Dark Modern, Light
// Modern and Dark High Contrast, and a check that the styles only use the theme's colours.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAxe, serious } from './harness/axe';
import { useBrowser } from './harness/session';

const { ctx, open } = useBrowser();

function tokenAt(needle: string): number {
  const offset = ctx.fixture.text.indexOf(needle);
  return ctx.fixture.result.tokens.findIndex((t) => t.start <= offset && offset < t.end);
}

describe('panel accessibility and theming', () => {
  it('styles use theme colours only (--vscode-* variables, no literal colours)', () => {
    const css = fs.readFileSync(path.resolve(__dirname, '../../webview/styles.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    expect(css.match(/#[0-9a-f]{3,8}\b|\b(rgba?|hsla?)\(|(?<![-\w])(white|black|red|green|blue|yellow|purple|orange|gray|grey)(?![-\w])/gi) ?? []).toEqual([]);
    const vars = [...css.matchAll(/var\((--[\w-]+)/g)].map((m) => m[1]!);
    const own = new Set(['--bucket-0', '--bucket-1', '--bucket-2', '--bucket-3', '--tint', '--mono', '--s']);
    expect(vars.filter((v) => !v.startsWith('--vscode-') && !own.has(v))).toEqual([]);
  });

  it.each(['dark', 'light', 'hc'] as const)('axe finds no serious or critical violations (%s theme)', async (theme) => {
    const { panel, page } = await open({ cursorIndex: tokenAt('read_lines') }, { theme });
    expect(serious(await runAxe(page))).toEqual([]);
    await page.locator('button.feature').first().click();
    await page.locator('#feature-card .card-label, #feature-card .card-error').first().waitFor();
    expect(serious(await runAxe(page))).toEqual([]);
    await panel.close();
  });

  it.each(['dark', 'light', 'hc'] as const)('axe: the "Why this prediction" section open, a head chosen, a card with its direct effect (%s theme)', async (theme) => {
    const { panel, page } = await open({ cursorIndex: tokenAt('read_lines') }, { theme });
    await page.getByRole('button', { name: /Why this prediction/ }).click();
    await page.locator('[data-focus-key="head:L1H0"]').click();
    await page.locator('ol.attended li').first().waitFor();
    expect(serious(await runAxe(page))).toEqual([]);
    await page.getByRole('combobox', { name: 'Split into' }).click();
    await page.getByRole('combobox', { name: 'Split into' }).getByRole('option').nth(1).click();
    await page.locator('.attribution button.term[data-focus-key*=":feature:"]').first().click();
    await page.locator('#feature-card .direct-effect').waitFor();
    expect(serious(await runAxe(page))).toEqual([]);
    await panel.close();
  });

  it.each(['dark', 'light'] as const)('axe: a bundle that cannot explain (%s theme)', async (theme) => {
    const { panel, page } = await open({ cursorIndex: tokenAt('read_lines'), explainError: { kind: 'cannot-explain', message: 'Re-export this bundle to explain predictions.' } }, { theme });
    await page.getByRole('button', { name: /Why this prediction/ }).click();
    await page.getByRole('region', { name: 'Why this prediction' }).getByRole('alert').waitFor();
    expect(serious(await runAxe(page))).toEqual([]);
    await panel.close();
  });

  it.each(['dark', 'light'] as const)('axe: read-only snapshot, error and empty states (%s theme)', async (theme) => {
    const ro = await open(
      { cursorIndex: 10, readOnly: true, snapshot: { fileName: 's.json', createdAt: '2026-11-28T21:00:00Z', textMatches: false } },
      { theme },
    );
    expect(serious(await runAxe(ro.page))).toEqual([]);
    await ro.panel.close();
    const empty = await open({ initOnly: true }, { theme }, '.empty-state');
    await empty.panel.send({ type: 'error', message: 'model.onnx is truncated', kind: 'truncated-model' });
    await empty.panel.send({ type: 'status', state: 'loading-model', message: 'Loading model', progress: null });
    await empty.page.locator('.banner.error').waitFor();
    expect(serious(await runAxe(empty.page))).toEqual([]);
    await empty.panel.close();
    const cardError = await open({ cursorIndex: 10, holdCards: true }, { theme });
    await cardError.panel.send({ type: 'status', state: 'error', message: 'Analysis failed', progress: null });
    await cardError.page.locator('button.feature').first().click();
    const req = await cardError.panel.waitForMessage('requestCard');
    await cardError.panel.send({ type: 'card', requestId: req.requestId, hook: req.hook, index: req.index, card: null, occurrences: [], error: 'No cards in this bundle.' });
    await cardError.page.locator('#feature-card .card-error').waitFor();
    expect(serious(await runAxe(cardError.page))).toEqual([]);
    await cardError.panel.close();
  });
});
