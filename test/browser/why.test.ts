// The panel's "Why this prediction" section in Chromium, against real explanations of the sample (made
// by the engine on the default bundle, fixtures/panel-fixture.json): it asks only while open and only
// for the selected token, shows the lens, the attribution and the heads, is usable from the keyboard,
// tells the host which head to tint, opens a feature's card with its direct effect, and shows the
// engine's words when a bundle cannot explain.
import { describe, expect, it } from 'vitest';
import { buildExplanationView } from '../../src/inspector/explainMessages';
import { lensMilestoneText, lensSummary } from '../../src/shared/lensSummary';
import { formatNumber } from '../../src/shared/present';
import { topContributors } from '../../webview/state/whyState';
import { expectClean, useBrowser } from './harness/session';

const { ctx, open } = useBrowser();

function tokenAt(needle: string): number {
  const offset = ctx.fixture.text.indexOf(needle);
  return ctx.fixture.result.tokens.findIndex((t) => t.start <= offset && offset < t.end);
}

const explained = () => tokenAt('read_lines');
const view = () => buildExplanationView(ctx.fixture.explanations[String(explained())]!, () => undefined);

async function openWhy(o: Parameters<typeof open>[0] = {}) {
  const opened = await open({ cursorIndex: explained(), ...o });
  await opened.page.getByRole('button', { name: /Why this prediction/ }).click();
  return opened;
}

describe('why this prediction', () => {
  it('asks nothing while closed; opened, asks for the selected token once and shows the lens', async () => {
    const { panel, page } = await open({ cursorIndex: explained() });
    await page.waitForTimeout(400);
    expect(panel.received.filter((m) => m.type === 'requestExplain')).toEqual([]);
    const toggle = page.getByRole('button', { name: /Why this prediction/ });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    const req = await panel.waitForMessage('requestExplain');
    expect(req).toMatchObject({ index: explained(), target: null, versus: null });
    const e = view();
    const rows = page.locator('.lens-table tbody tr');
    await expect.poll(() => rows.count()).toBe(e.lens.length);
    expect(await rows.first().locator('th').innerText()).toBe('the embeddings');
    expect(await rows.last().locator('th').innerText()).toMatch(/\(the output\)$/);
    // The target's cells are marked, and the line says where it reaches the top 1 / top 10.
    const marked = e.lens.filter((l) => l.topk.slice(0, 5).some((t) => t.id === e.target.id)).length;
    expect(await page.locator('.lens-table td.target').count()).toBe(marked);
    expect(await page.locator('.lens-line').innerText()).toContain(lensMilestoneText(lensSummary(e.lens, e.target.text)));
    await page.waitForTimeout(400);
    expect(panel.received.filter((m) => m.type === 'requestExplain')).toHaveLength(1);
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('keyboard: Tab reaches the toggle, Enter opens it; reopened from the saved state it asks at once', async () => {
    const { panel, page } = await open({ cursorIndex: explained() });
    const toggle = page.getByRole('button', { name: /Why this prediction/ });
    await toggle.focus();
    await page.keyboard.press('Enter');
    await panel.waitForMessage('requestExplain');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-focus-key'))).toBe('why-toggle');
    await page.locator('.lens-table').waitFor();
    // Tab from the toggle walks into the section: the pickers come first.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('.why-picker') !== null)).toBe(true);
    await page.waitForTimeout(300); // the saved state is written 150 ms after a change
    const saved = panel.persisted;
    await panel.close();
    const again = await open({ cursorIndex: explained() }, { persisted: saved });
    expect(await again.panel.waitForMessage('requestExplain')).toMatchObject({ index: explained() });
    await again.page.locator('.lens-table').waitFor();
    expect(await expectClean(again.panel)).toEqual([]);
    await again.panel.close();
  });

  it('focused controls keep their place and size (feature rows, the toggle, terms, head cells, attended tokens)', async () => {
    const { panel, page } = await openWhy();
    await page.locator('[data-focus-key="head:L0H0"]').click();
    await page.locator('button.attended-token').first().waitFor();
    for (const sel of ['button.feature', '.why .disclosure-toggle', 'button.term', '[role=gridcell]', 'button.attended-token']) {
      const el = page.locator(sel).first();
      await el.scrollIntoViewIfNeeded();
      const before = await el.boundingBox();
      await el.focus();
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Tab'); // focus by keyboard: :focus-visible applies
      const after = await el.boundingBox();
      expect({ sel, width: after?.width, height: after?.height }).toEqual({ sel, width: before?.width, height: before?.height });
    }
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('lists the largest direct contributions for and against, in order, with the logit', async () => {
    const { panel, page } = await openWhy();
    const e = view();
    await page.locator('.attribution').waitFor();
    const { pro, con } = topContributors(e, 'model', 8);
    const names = (sel: string) => page.locator(`${sel} .term-name`).allInnerTexts();
    expect((await names('[aria-labelledby=attr-for-h]')).map((s) => s.trim())).toEqual(pro.map((t) => (t.kind === 'head' ? `L${t.layer}H${t.head}` : expect.any(String))));
    expect(await page.locator('[aria-labelledby=attr-against-h] li').count()).toBe(con.length);
    expect(await page.locator('.attr-logit').innerText()).toContain(formatNumber(e.logit));
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('head grid: arrow keys move, Enter chooses; the host is told which head to tint, and its tokens are listed', async () => {
    const { host, panel, page } = await openWhy();
    const e = view();
    const cells = page.locator('[role=grid] [role=gridcell]');
    await expect.poll(() => cells.count()).toBe(e.heads.length);
    await cells.first().focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-focus-key'))).toBe('head:L0H1');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-focus-key'))).toBe('head:L1H1');
    await page.keyboard.press('Enter');
    const shown = await panel.waitForMessage('showAttention');
    expect(shown).toMatchObject({ layer: 1, head: 1 });
    await expect.poll(() => host.attention).toMatchObject({ layer: 1, head: 1 });
    expect(await page.locator('[role=gridcell][aria-selected=true]').getAttribute('data-focus-key')).toBe('head:L1H1');
    // Focus stays on the chosen cell after the redraw; the attended tokens follow, heaviest first.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-focus-key'))).toBe('head:L1H1');
    const hd = e.heads.find((x) => x.layer === 1 && x.head === 1)!;
    await expect.poll(() => page.locator('ol.attended li').count()).toBe(hd.attended.length);
    expect(await page.locator('#attended-h').innerText()).toContain('L1H1');
    // A click on an attended token scrolls the editor there without moving its cursor.
    await page.locator('button.attended-token').first().click();
    expect(await panel.waitForMessage('peekToken')).toMatchObject({ index: hd.attended[0]!.index });
    // Enter again un-chooses it: the editor's tint goes.
    await page.keyboard.press('Home');
    await page.locator('[data-focus-key="head:L1H1"]').focus();
    await page.keyboard.press('Enter');
    await panel.waitForMessage('clearAttention');
    await expect.poll(() => host.attention).toBeNull();
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('a head in the attribution shows its attention (chosen in the grid, focus there), and stays chosen when clicked again', async () => {
    const { host, panel, page } = await openWhy();
    const term = page.locator('.attribution button.term[data-focus-key*=":head:"]').first();
    await term.waitFor();
    const name = (await term.locator('.term-name').innerText()).trim();
    const [, layer, head] = /^L(\d+)H(\d+)$/.exec(name)!.map(Number);
    await term.click();
    expect(await panel.waitForMessage('showAttention')).toMatchObject({ layer, head });
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-focus-key'))).toBe(`head:${name}`);
    expect(await page.locator(`[data-focus-key="head:${name}"]`).getAttribute('aria-selected')).toBe('true');
    await page.locator(`.attribution button.term[data-focus-key*=":head:${layer}:${head}:"]`).click();
    await page.waitForTimeout(200);
    expect(host.attention).toMatchObject({ layer, head });
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('a feature in the attribution opens its card, which shows its direct effect on this prediction', async () => {
    const { panel, page } = await openWhy();
    const e = view();
    const hook = e.groups.find((g) => g.name !== 'model')!.name;
    await page.getByRole('combobox', { name: 'Split into' }).click();
    await page.getByRole('combobox', { name: 'Split into' }).getByRole('option').nth(1).click();
    const feature = page.locator('button.term[data-focus-key^="term:' + hook + ':feature"]').first();
    await feature.waitFor();
    await feature.click();
    const req = await panel.waitForMessage('requestCard');
    expect(req.hook).toBe(hook);
    const term = e.attribution.find((t) => t.group === hook && t.feature === req.index)!;
    const effect = page.locator('#feature-card .direct-effect');
    await effect.waitFor();
    expect(await effect.innerText()).toContain(formatNumber(Math.abs(term.value)));
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('a newer selection supersedes: the chosen head goes and the new token is asked for', async () => {
    const { panel, page } = await openWhy();
    await page.locator('[role=gridcell]').first().click();
    await panel.waitForMessage('showAttention');
    const next = tokenAt('class Counter');
    await page.locator(`#token-strip [data-index="${next}"]`).click();
    await panel.waitForMessage('requestExplain', (m) => m.index === next, 10_000);
    await expect.poll(() => page.locator('.lens-table').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('[role=gridcell][aria-selected=true]').count()).toBe(0);
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('a target from the top-k asks again for that token', async () => {
    const { panel, page } = await openWhy();
    await page.locator('.lens-table').waitFor();
    const picker = page.getByRole('combobox', { name: 'Explain the logit of' });
    await picker.click();
    await picker.getByRole('option').nth(2).click();
    const req = await panel.waitForMessage('requestExplain', (m) => m.target !== null);
    expect(req.index).toBe(explained());
    // The fixture has no explanation for that target: the host's words are shown.
    await page.getByRole('region', { name: 'Why this prediction' }).getByRole('alert').waitFor();
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('a bundle that cannot explain: the engine\'s reason in the section, nothing else breaks', async () => {
    const message = 'This bundle was exported before explaining existed: re-export it to explain predictions.';
    const { panel, page } = await openWhy({ explainError: { kind: 'cannot-explain', message } });
    const error = page.getByRole('region', { name: 'Why this prediction' }).getByRole('alert');
    await error.waitFor();
    expect(await error.innerText()).toContain(message);
    expect(await page.locator('.details .dist-row').count()).toBeGreaterThan(0);
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });
});
