// Feature edits in a real VS Code, as a person uses them: ablate a feature from its card in the
// inspector, see the edit-effect heat map in the editor and the panel's strip, the total and the
// selected token's distribution before and after; the status bar and the hover say results are
// edited; ask "What would the model write here?" and see it without and with the edit; export the
// edited snapshot; insert a continuation; clear the edits.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { decorations, shotMaximizedPanel, waitForAnalysis } from './harness/panel';
import { useSession } from './harness/session';
import { activeEditor, answerFileDialog, clickWord, hoverWord, openFile, pickQuickItem, runCommand, webviewFrame } from './harness/workbench';

// The inspector in the bottom panel (maximized for its pictures), as in inspector.test.ts.
const s = useSession('edits', { settings: { 'activationInspector.inspector.location': 'panel' } });

const shotPanel = (page: Page, step: string, focus: Locator, docsName?: string) => shotMaximizedPanel(page, s.wb, step, focus, docsName);

let frame: FrameLocator;

describe('feature edits', () => {
  test('ablate a feature from its card: the edit-effect heat map, the total and the before/after distribution', async () => {
    const { page } = s.wb;
    await openFile(page, 'sample.py');
    await waitForAnalysis(page);
    const plainDecorations = await decorations(page).count();
    await clickWord(page, 'handle', 1);
    await runCommand(page, s.commandLabel('activationInspector.openInspector'));
    frame = webviewFrame(page);
    const feature = frame.locator('button.feature').first();
    await feature.waitFor({ timeout: 60_000 });
    await feature.click();
    const apply = frame.getByRole('button', { name: /Apply edit/ });
    await apply.waitFor({ timeout: 30_000 });
    await shotPanel(page, 'edit-card', frame.locator('.edit-controls'), 'vscode-edit-card.png');
    await apply.click();
    const total = frame.locator('.edit-total');
    await total.waitFor({ timeout: 90_000 });
    expect(await total.innerText()).toMatch(/Total change over the document: [+−][\d.]+ bits/);
    expect(await frame.locator('#edits-h').innerText()).toBe('Edited: 1 feature edit active');
    expect(await frame.locator('.strip .tok[class*="edit-d"]').count()).toBeGreaterThan(0);
    // The editor shows the edit effect (a diverging map) instead of the rank heat map.
    await expect.poll(() => decorations(page).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(plainDecorations).toBeGreaterThanOrEqual(0);
    await page.locator('.statusbar-item', { hasText: /1 feature edit: [+−][\d.]+ bits/ }).first().waitFor({ timeout: 30_000 });
    // The selected token's prediction, before and after the edit, side by side.
    await frame.locator('.before-after .side-by-side').waitFor({ timeout: 30_000 });
    expect(await frame.locator('.before-after h3').allInnerTexts()).toEqual([expect.stringContaining('Before (unedited)'), expect.stringContaining('After (edited)')]);
    await shotPanel(page, 'edit-effect-ablate', frame.locator('section.edits'));
  });

  test('clamp a second feature from its card: both edits listed, a stronger effect', async () => {
    const { page } = s.wb;
    await frame.locator('button.feature').nth(1).click();
    await frame.locator('.edit-controls').waitFor({ timeout: 30_000 });
    const op = frame.getByRole('combobox', { name: 'Operation' });
    await op.click();
    await op.getByRole('option').nth(2).click();
    const amount = frame.locator('#edit-amount');
    await amount.waitFor({ timeout: 30_000 });
    await amount.fill('30');
    await amount.press('Tab');
    await frame.getByRole('button', { name: /Apply edit/ }).click();
    await expect.poll(() => frame.locator('#edits-h').innerText(), { timeout: 90_000 }).toBe('Edited: 2 feature edits active');
    expect(await frame.locator('.edit-label').allInnerTexts()).toEqual([expect.stringMatching(/^ablate #\d+/), expect.stringMatching(/^clamp to 30 #\d+/)]);
    await frame.locator('.edit-total').waitFor({ timeout: 90_000 });
    await page.locator('.statusbar-item', { hasText: /2 feature edits: [+−][\d.]+ bits/ }).first().waitFor({ timeout: 30_000 });
    await frame.locator('.before-after .side-by-side').waitFor({ timeout: 30_000 });
    await shotPanel(page, 'edit-effect-panel', frame.locator('#edits-h'), 'vscode-edit-effect.png');
    await page.mouse.move(5, 5);
    await s.wb.shot('edit-effect-editor', 'vscode-edit-heatmap.png');
  });

  test('the hover labels the edited numbers', async () => {
    const { page } = s.wb;
    const text = await hoverWord(page, 'json', /Edited/, 1);
    expect(text).toMatch(/Edited \(2 feature edits active\): (p [\d.%<]+ \(unedited|the first token)/);
    await s.wb.shot('edit-hover', 'vscode-edit-hover.png');
    await page.mouse.move(5, 5);
  });

  test('"What would the model write here?": without and with the edit, side by side', async () => {
    const { page } = s.wb;
    // From the end of load_items' last line: what comes next in the file.
    await clickWord(page, 'for entry in data', 0);
    await page.keyboard.press('End');
    await runCommand(page, s.commandLabel('activationInspector.continueHere'));
    const edited = frame.locator('.continuation.edited .continuation-text');
    await edited.waitFor({ timeout: 90_000 });
    const plain = await frame.locator('.continuation.plain .continuation-text').innerText();
    expect(plain.length).toBeGreaterThan(0);
    expect((await edited.innerText()).length).toBeGreaterThan(0);
    expect(await frame.locator('.continuation.edited h3').innerText()).toContain('Edited (2 feature edits)');
    await shotPanel(page, 'continuation', frame.locator('section.continue'), 'vscode-continuation.png');
  });

  test('the edited snapshot: provenance lists the edit, tokens keep their original log-probability', async () => {
    const { page } = s.wb;
    const exported = path.join(s.server.workspace, 'edited.activations.json');
    await runCommand(page, s.commandLabel('activationInspector.exportSnapshot'));
    await page.locator('.quick-input-widget', { hasText: /edited \(2 feature edits\)/i }).first().waitFor({ timeout: 30_000 });
    await pickQuickItem(page, 'Predictions and features');
    await answerFileDialog(page, exported);
    await page.locator('.notifications-toasts .notification-toast', { hasText: /edited \(2 feature edits\) snapshot written/i }).first().waitFor({ timeout: 90_000 });
    const snapshot = JSON.parse(readFileSync(exported, 'utf8'));
    expect(snapshot.provenance.edits).toHaveLength(2);
    expect(snapshot.provenance.edits).toMatchObject([{ op: 'ablate' }, { op: 'clamp', value: 30 }]);
    expect(snapshot.tokens.some((t: { logprob: number | null; logprobOriginal: number | null }) => t.logprobOriginal !== null && t.logprob !== t.logprobOriginal)).toBe(true);
  });

  test('Insert puts the continuation into the document; Clear Feature Edits removes the edits everywhere', async () => {
    const { page } = s.wb;
    const plain = await frame.locator('.continuation.plain .continuation-text').innerText();
    await frame.getByRole('button', { name: 'Insert the unedited continuation at the cursor' }).click();
    const word = plain.trim().split(/\s+/)[0]!;
    await expect.poll(() => activeEditor(page).locator('.view-lines').innerText().then((t) => t.replace(/\u00a0/g, ' ')), { timeout: 30_000 }).toContain(word);
    await runCommand(page, s.commandLabel('activationInspector.clearEdits'));
    await expect.poll(() => frame.locator('section.edits').count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => page.locator('.statusbar-item', { hasText: /feature edit/ }).count(), { timeout: 30_000 }).toBe(0);
    expect(await frame.locator('.strip .tok[class*="edit-d"]').count()).toBe(0);
  });
});
