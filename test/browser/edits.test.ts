// Feature edits and continuations in the panel, in Chromium, against the real engine's edited analysis
// of the sample (fixtures/edit-fixture.json): ablate a feature from its card, see the strip's edit
// effect, the total, the changed-most list and the before/after distributions; ask for a continuation
// with and without the edit; remove the edit. Nothing stale or for another edit list is shown; the
// controls work from the keyboard; axe finds nothing serious in three themes.
import { describe, expect, it } from 'vitest';
import { tokensChangedMost } from '../../src/shared/tokensChanged';
import { runAxe, serious } from './harness/axe';
import { loadEditFixture } from './harness/editFixture';
import { expectClean, useBrowser } from './harness/session';
import { signedBits } from '../../webview/state/editState';

const { ctx, open } = useBrowser();
const edit = loadEditFixture();

function tokenAt(needle: string): number {
  const offset = ctx.fixture.text.indexOf(needle);
  return ctx.fixture.result.tokens.findIndex((t) => t.start <= offset && offset < t.end);
}

const feature = () => {
  if (edit.edit.op === 'splice') throw new Error('the fixture edits a feature');
  return { hook: edit.edit.hook, index: edit.edit.feature };
};

/** Opens the panel on `read_lines`, opens the edited feature's card and applies the fixture's edit. */
async function openEdited(pageOptions: Parameters<typeof open>[1] = {}) {
  const opened = await open({ cursorIndex: tokenAt('read_lines') }, pageOptions);
  const { hook, index } = feature();
  await opened.page.locator(`[data-focus-key="feat:${hook}:${index}"]`).click();
  await opened.page.locator('.edit-controls').waitFor();
  await opened.page.getByRole('button', { name: /Apply edit/ }).click();
  await opened.page.locator('.edit-total').waitFor();
  return opened;
}

describe('feature edits in the panel', () => {
  it('ablate from the card: the host is asked, the strip shows the change, the total, the changed-most list and before/after', async () => {
    const { panel, page } = await openEdited();
    const { hook, index } = feature();
    expect(panel.received.filter((m) => m.type === 'addEdit')).toEqual([{ type: 'addEdit', hook, feature: index, op: 'ablate', amount: null, scope: 'document' }]);
    expect(await page.locator('#edits-h').innerText()).toBe('Edited: 1 feature edit active');
    expect(await page.locator('.edit-total').innerText()).toContain(signedBits(edit.edited.totalDeltaBits, 1));
    // Every token drawn is coloured by its change, never by its rank, while the edit is active.
    expect(await page.locator('.strip .tok.b0, .strip .tok.b1, .strip .tok.b2, .strip .tok.b3').count()).toBe(0);
    expect(await page.locator('.strip .tok[class*="edit-d"]').count()).toBeGreaterThan(0);
    expect(await page.locator('.legend').innerText()).toContain('Edited: change');
    const most = tokensChangedMost(edit.edited, 10);
    await expect.poll(() => page.locator('.changed-list li').count()).toBe(most.length);
    expect(await page.locator('.changed-list li').first().innerText()).toContain(signedBits(most[0]!.deltaBits));
    // The selected token's distribution, before and after.
    await page.locator('.before-after').waitFor();
    expect(await page.locator('.before-after h3').allInnerTexts()).toEqual([expect.stringContaining('Before (unedited)'), expect.stringContaining('After (edited)')]);
    // A changed token reveals itself in the editor.
    await page.locator('.changed-list button').first().click();
    expect(await panel.waitForMessage('revealToken')).toEqual({ type: 'revealToken', index: most[0]!.index });
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('never shows an effect for another version or edit list', async () => {
    const { panel, page, host } = await openEdited();
    const key = host.edits.sessions.key(ctx.fixture.docUri);
    // A before/after for an old list is ignored.
    await panel.send({ type: 'editedSelection', docUri: ctx.fixture.docUri, version: 1, editsKey: 'old', index: tokenAt('read_lines'), logprob: -1, logprobOriginal: -2, rank: 0, rankOriginal: 1, before: [], after: [] });
    expect(await page.locator('.edit-token-line').innerText()).not.toContain('rank #1 (was #2)');
    // The document moved on (version 2 is not what the panel shows): no effect, no edit colours.
    const list = host.edits.sessions.list(ctx.fixture.docUri).map((e) => ({ id: e.id, label: 'x', hook: e.edit.hook, feature: 1, op: 'ablate' as const, amount: null, scope: 'document' as const, range: null }));
    const effect = { totalDeltaBits: 99, firstEditedToken: 0, tokenCount: 3, firstIndex: 0, deltaBits: [null, 5, 5], changedMost: [] };
    await panel.send({ type: 'edits', docUri: ctx.fixture.docUri, version: 2, editsKey: key, edits: list, state: 'ready', effect, message: null });
    await expect.poll(() => page.locator('.strip .tok[class*="edit-d"]').count()).toBe(0);
    expect(await page.locator('.edit-total').count()).toBe(0);
    expect(await page.locator('.edits .loading').innerText()).toContain('Running the document with the edits');
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('continuation: greedy without and with the edit side by side; Insert asks the host for that one', async () => {
    const { panel, page } = await openEdited();
    await page.getByRole('button', { name: /What would the model write here/ }).click();
    await page.getByRole('button', { name: 'Continue from the cursor' }).click();
    expect(await panel.waitForMessage('requestContinuation')).toMatchObject({ tokens: 20, temperature: 0, seed: 0 });
    await page.locator('.continuation.edited').waitFor();
    expect(await page.locator('.continuation.plain .continuation-text').innerText()).toBe(edit.continuation.plain.text);
    expect(await page.locator('.continuation.edited .continuation-text').innerText()).toBe(edit.continuation.edited.text);
    expect(await page.locator('.continuation.edited h3').innerText()).toContain('Edited (1 feature edit)');
    await page.getByRole('button', { name: 'Insert the edited continuation at the cursor' }).click();
    expect(await panel.waitForMessage('insertContinuation')).toMatchObject({ which: 'edited' });
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('keyboard: the edit is applied, removed and a continuation asked for without a mouse', async () => {
    const { panel, page } = await open({ cursorIndex: tokenAt('read_lines') });
    const { hook, index } = feature();
    await page.locator(`[data-focus-key="feat:${hook}:${index}"]`).focus();
    await page.keyboard.press('Enter');
    await page.locator('.edit-controls').waitFor();
    await page.getByRole('button', { name: /Apply edit/ }).focus();
    await page.keyboard.press('Enter');
    await panel.waitForMessage('addEdit');
    await page.locator('.edit-total').waitFor();
    await page.getByRole('button', { name: /Remove the edit/ }).focus();
    await page.keyboard.press('Enter');
    expect(await panel.waitForMessage('removeEdit')).toMatchObject({ type: 'removeEdit' });
    // The edit has gone: its section with it, the strip back to the plain model's colours.
    await expect.poll(() => page.locator('.edits').count()).toBe(0);
    expect(await page.locator('.strip .tok[class*="edit-d"]').count()).toBe(0);
    const toggle = page.getByRole('button', { name: /What would the model write here/ });
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await page.getByRole('button', { name: 'Continue from the cursor' }).focus();
    await page.keyboard.press('Enter');
    await panel.waitForMessage('requestContinuation');
    await page.locator('.continuation.plain').waitFor();
    // No edits: one column and a note, never an "edited" column.
    expect(await page.locator('.continuation.edited').count()).toBe(0);
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it.each(['dark', 'light', 'hc'] as const)('axe: edits active, before/after, continuation side by side (%s theme)', async (theme) => {
    const { panel, page } = await openEdited({ theme });
    await page.getByRole('button', { name: /What would the model write here/ }).click();
    await page.getByRole('button', { name: 'Continue from the cursor' }).click();
    await page.locator('.continuation.edited').waitFor();
    expect(serious(await runAxe(page))).toEqual([]);
    await panel.close();
  });
});
