// The inspector panel and snapshots in a real VS Code: the panel follows the editor cursor and shows
// that token's distribution and features, a feature opens its card, "Export Activation Snapshot"
// writes a file that validates against the published schema, and "Open Activation Snapshot" shows it
// again read-only.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { repoRoot } from './harness/codeServer';
import { useSession } from './harness/session';
import { validateSnapshot } from './harness/snapshotSchema';
import { answerFileDialog, clickWord, openFile, pickQuickItem, plainToken, runCommand, webviewFrame } from './harness/workbench';

// This suite drives the bottom panel's view (beside.test.ts covers the inspector beside the editor).
const s = useSession('inspector', { settings: { 'activationInspector.inspector.location': 'panel' } });
const LINE = '        return self.price * quantity';

async function waitForAnalysis(page: Page): Promise<void> {
  await page.locator('.statusbar-item', { hasText: /[\d,]+ tokens · / }).first().waitFor({ timeout: 90_000 });
}

function panel(page: Page): FrameLocator {
  return webviewFrame(page);
}

/** Screenshot with the panel maximized (the inspector is short below the editor), then restored. */
async function shotPanel(page: Page, step: string, focus?: Locator, docsName?: string): Promise<void> {
  await runCommand(page, 'View: Toggle Maximized Panel');
  await page.waitForTimeout(500);
  await focus?.scrollIntoViewIfNeeded();
  await page.mouse.move(150, 600); // off the tab bar: no tooltip in the picture
  await s.wb.shot(step, docsName);
  await runCommand(page, 'View: Toggle Maximized Panel');
  await page.waitForTimeout(300);
}

/** The selected token's text as the panel shows it (visible whitespace undone). */
async function selectedToken(frame: FrameLocator): Promise<string> {
  return plainToken(await frame.locator('section.details #details-h code.tok-text').first().innerText());
}

describe('inspector panel', () => {
  test('opens from the palette and shows the token under the cursor with its distribution and features', async () => {
    const { page } = s.wb;
    await openFile(page, 'sample.py');
    await waitForAnalysis(page);
    await clickWord(page, 'price', 1); // `self.price * quantity` in total()
    await runCommand(page, s.commandLabel('activationInspector.openInspector'));
    const frame = panel(page);
    await frame.locator('section.details:not(.loading)').waitFor({ timeout: 60_000 });
    const token = await selectedToken(frame);
    expect(token.trim().length).toBeGreaterThan(0);
    expect(LINE).toContain(token);
    expect('price').toContain(token.trim().replace(/^\./, '') || 'price');
    // Distribution: "Expected here" with the actual token marked, "Predicts next", each with rows.
    const details = await frame.locator('section.details').innerText();
    expect(details).toMatch(/Expected here/);
    expect(details).toMatch(/Predicts next/);
    expect(await frame.locator('ol.dist-rows').first().locator('li').count()).toBeGreaterThanOrEqual(2);
    expect(await frame.locator('section.details dl.stats').innerText()).toMatch(/Probability[\s\S]*Rank/);
    // Features per hook, with activation bars.
    const features = frame.locator('button.feature');
    expect(await features.count()).toBeGreaterThan(0);
    await s.wb.shot('inspector-token');
    await shotPanel(page, 'inspector-token-maximized');
  });

  test('moving the editor cursor selects the new token in the panel', async () => {
    const { page } = s.wb;
    const frame = panel(page);
    const before = await frame.locator('#details-h').innerText();
    await clickWord(page, 'encoding', 0);
    await expect.poll(() => frame.locator('section.details:not(.loading) #details-h').innerText(), { timeout: 30_000 }).not.toBe(before);
    const token = await selectedToken(frame);
    expect('    with open(path, "r", encoding="utf-8") as handle:').toContain(token);
    expect(token.trim().length).toBeGreaterThan(0);
    // The strip's selected option is the same token.
    const option = frame.locator('#token-strip [role="option"][aria-selected="true"]');
    expect(await option.count()).toBe(1);
    await s.wb.shot('inspector-follows-cursor');
  });

  test('clicking a feature opens its card', async () => {
    const { page } = s.wb;
    const frame = panel(page);
    const first = frame.locator('button.feature').first();
    const index = /\d+/.exec(await first.locator('.feat-index').innerText())![0];
    await first.click();
    const card = frame.locator('#feature-card');
    await card.waitFor({ timeout: 30_000 });
    await expect.poll(() => card.locator('#card-title').innerText()).toMatch(new RegExp(`Feature #${index}\\b`));
    await card.locator('.card-label').waitFor({ timeout: 30_000 });
    const text = await card.innerText();
    expect(text).toMatch(/Density\s+fires on [<\d.]+% of tokens/);
    expect(text).toMatch(/Promotes/);
    // A bundle that scores its labels: the score (or "unclear") and what it was measured on.
    if (/Label score/.test(text)) {
      expect(text).toMatch(/Label score: \d\.\d\d F1 on held-out code/);
      expect(text).toMatch(/held-out text, positions the extension shows/);
    }
    // The card's own words (not its contexts, which may quote any code) never show a missing value.
    expect((await card.locator('.stats, .label-score, .card-tags').allInnerTexts()).join(' ')).not.toMatch(/undefined|NaN/);
    await shotPanel(page, 'feature-card', card, 'vscode-inspector-card.png');
  });
});

describe('snapshots', () => {
  let exported = '';

  test('"Export Activation Snapshot" writes a file (save dialog answered) that validates against the schema', async () => {
    const { page } = s.wb;
    await openFile(page, 'sample.py');
    await waitForAnalysis(page);
    exported = path.join(s.server.workspace, 'exported.activations.json');
    await runCommand(page, s.commandLabel('activationInspector.exportSnapshot'));
    // What to include: JSON only.
    await pickQuickItem(page, 'Predictions and features');
    await s.wb.shot('export-save-dialog');
    await answerFileDialog(page, exported);
    await expect.poll(() => existsSync(exported), { timeout: 60_000 }).toBe(true);
    await page.locator('.notifications-toasts .notification-toast', { hasText: /snapshot written/i }).first().waitFor({ timeout: 30_000 });
    await s.wb.shot('exported');

    const snapshot = JSON.parse(readFileSync(exported, 'utf8'));
    const errors = validateSnapshot(snapshot);
    expect(errors, errors.join('\n')).toEqual([]);
    // It describes the file that was open, and its tokens tile that text.
    const text = readFileSync(path.join(s.server.workspace, 'sample.py'), 'utf8');
    expect(snapshot.document.sha256).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    const tokens: { start: number; end: number; text: string }[] = snapshot.tokens;
    expect(tokens[0]!.start).toBe(0);
    expect(tokens.at(-1)!.end).toBe(text.length);
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]!.start).toBe(tokens[i - 1]!.end);
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'media/models/code-gpt2-2l/manifest.json'), 'utf8'));
    expect(JSON.stringify(snapshot)).toContain(manifest.id);
  });

  test('"Open Activation Snapshot" shows it again in the panel, read-only', async () => {
    const { page } = s.wb;
    expect(exported).not.toBe('');
    await runCommand(page, s.commandLabel('activationInspector.openSnapshot'));
    await answerFileDialog(page, exported, true);
    const frame = panel(page);
    const banner = frame.locator('.banner.readonly');
    await banner.waitFor({ timeout: 60_000 });
    expect(await banner.innerText()).toContain('exported.activations.json');
    await frame.locator('#token-strip [role="option"]').first().waitFor({ timeout: 30_000 });
    await shotPanel(page, 'snapshot-reopened', banner);
  });
});
