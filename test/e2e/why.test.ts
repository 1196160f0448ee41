// "Why this prediction" in a real VS Code, as a person uses it: the hover offers "Explain this
// prediction", which opens the inspector's Why section on that token; the logit lens is there; choosing
// a head tints what it attends to in the editor (and moving on clears it); a feature from the
// attribution opens its card with its direct effect; the hover then carries the lens line.
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { decorations, shotMaximizedPanel, waitForAnalysis } from './harness/panel';
import { useSession } from './harness/session';
import { clickWord, hoverWord, openFile, webviewFrame } from './harness/workbench';

const s = useSession('why');

const shotPanel = (page: Page, step: string, focus: Locator, docsName?: string) => shotMaximizedPanel(page, s.wb, step, focus, docsName);

let frame: FrameLocator;

describe('why this prediction', () => {
  test('the hover\'s "Explain this prediction" opens the Why section on that token, with the logit lens', async () => {
    const { page } = s.wb;
    await openFile(page, 'sample.py');
    await waitForAnalysis(page);
    await hoverWord(page, 'handle', /Explain this prediction/, 0);
    await s.wb.shot('hover-explain-link');
    await page.locator('.monaco-hover:not(.hidden) a', { hasText: 'Explain this prediction' }).first().click();
    frame = webviewFrame(page);
    const toggle = frame.getByRole('button', { name: /Why this prediction/ });
    await expect.poll(() => toggle.getAttribute('aria-expanded').catch(() => null), { timeout: 60_000 }).toBe('true');
    const lens = frame.locator('.lens-table');
    await lens.waitFor({ timeout: 60_000 });
    expect(await frame.locator('#details-h code.tok-text').innerText()).toMatch(/handle/);
    const rows = await lens.locator('tbody tr th').allInnerTexts();
    expect(rows[0]).toBe('the embeddings');
    expect(rows.at(-1)).toMatch(/\(the output\)/);
    expect(await frame.locator('.lens-line').innerText()).toMatch(/reaches the top|never reaches/);
    expect(await frame.locator('.attribution .term').count()).toBeGreaterThan(2);
    await shotPanel(page, 'why-lens', frame.getByRole('region', { name: 'Why this prediction' }), 'vscode-why.png');
  });

  test('choosing a head tints the tokens it attends to; the tint goes when the selection moves on', async () => {
    const { page } = s.wb;
    const before = await decorations(page).count();
    const cell = frame.locator('[role=gridcell][data-focus-key="head:L1H0"]');
    await cell.click();
    await expect.poll(() => cell.getAttribute('aria-selected')).toBe('true');
    await frame.locator('ol.attended li').first().waitFor({ timeout: 30_000 });
    await expect.poll(() => decorations(page).count(), { timeout: 30_000 }).toBeGreaterThan(before);
    await page.mouse.move(5, 5);
    await s.wb.shot('why-attention-tint', 'vscode-why-attention.png');
    // A click on an attended token scrolls there; the explained token stays selected.
    const details = await frame.locator('#details-h').innerText();
    await frame.locator('button.attended-token').first().click();
    await page.waitForTimeout(500);
    expect(await frame.locator('#details-h').innerText()).toBe(details);
    await clickWord(page, 'json', 1);
    await expect.poll(() => frame.locator('#details-h').innerText(), { timeout: 30_000 }).not.toBe(details);
    await expect.poll(() => decorations(page).count(), { timeout: 30_000 }).toBeLessThanOrEqual(before);
    await frame.locator('.lens-table').waitFor({ timeout: 60_000 });
  });

  test('a feature from the attribution opens its card with its direct effect on the prediction', async () => {
    const { page } = s.wb;
    const split = frame.getByRole('combobox', { name: 'Split into' });
    await split.click();
    await split.getByRole('option').nth(1).click();
    const feature = frame.locator('.attribution button.term[data-focus-key*=":feature:"]').first();
    await feature.waitFor({ timeout: 30_000 });
    const name = await feature.locator('.term-name').innerText();
    await feature.click();
    const card = frame.locator('#feature-card');
    await card.locator('.direct-effect').waitFor({ timeout: 30_000 });
    const index = /#(\d+)/.exec(name)![1]!;
    expect(await card.locator('#card-title').innerText()).toContain(`Feature #${index}`);
    expect(await card.locator('.direct-effect').innerText()).toMatch(/Direct effect on this prediction: [+−][\d.]+ on the logit of/);
    await shotPanel(page, 'why-feature-card', card, 'vscode-why-card.png');
  });

  test('the hover of an explained token carries the lens line', async () => {
    const { page } = s.wb;
    await page.mouse.move(5, 5);
    const text = await hoverWord(page, 'json', /Logit lens/, 1);
    expect(text).toMatch(/Logit lens: .* (reaches the top|never reaches the top 10)/);
    await s.wb.shot('hover-lens-line', 'vscode-why-hover.png');
  });
});
