// The feature card as a feature dashboard (issue 14): the label with its score, or "unclear" below the
// bundle's readable threshold; dense / positional tags; density on held-out text; examples across
// activation intervals (collapsible); what promoted / suppressed measure. Cards of older bundles still
// render. Real cards from the fixture, plus variants of them sent as the host would send them.
import { describe, expect, it } from 'vitest';
import type { CardMessage, FeatureCard } from '../../src/protocol';
import { formatPositionBand, formatProb, formatScore, labelWithScore, visibleToken } from '../../src/shared/present';
import { intervalTitle } from '../../webview/components/cardContexts';
import { runAxe, serious } from './harness/axe';
import { expectClean, useBrowser } from './harness/session';

const { ctx, open } = useBrowser();

function tokenAt(needle: string): number {
  const offset = ctx.fixture.text.indexOf(needle);
  return ctx.fixture.result.tokens.findIndex((t) => t.start <= offset && offset < t.end);
}

/** The first feature listed on token `i` (hooks in panel order) whose card passes `pick`. */
function listedCard(i: number, pick: (c: FeatureCard) => boolean): { hook: string; index: number; card: FeatureCard } {
  const t = ctx.fixture.result.tokens[i]!;
  for (const hook of ctx.fixture.model.hooks) {
    for (const f of (t.features[hook] ?? []).slice(0, 8)) {
      const card = ctx.fixture.cards[`${hook}#${f.index}`];
      if (card && pick(card)) return { hook, index: f.index, card };
    }
  }
  throw new Error(`no listed feature of token ${i} has such a card`);
}

/** The card's own words (not its label or contexts, which may quote any code, "undefined" included). */
const cardText = async (page: import('playwright-core').Page) =>
  (await page.locator('#feature-card :is(.stats, .label-score, .card-tags, .quantile h4, .logit-list h3, .occ h3)').allTextContents()).join(' ');

describe('feature card like a feature dashboard', () => {
  it.each(['dark', 'light', 'hc'] as const)('shows the label score, density on held-out text, interval examples (collapsed at first) and the logit note; axe passes (%s theme)', async (theme) => {
    const i = tokenAt('read_lines');
    const { hook, index, card } = listedCard(i, (c) => c.label_score !== undefined && (c.quantiles?.length ?? 0) > 0);
    const { panel, page } = await open({ cursorIndex: i }, { theme });
    await page.locator(`button.feature[data-focus-key="feat:${hook}:${index}"]`).click();
    await page.locator('#feature-card .card-label').waitFor();

    const score = page.locator('#feature-card .label-score');
    expect(await score.textContent()).toContain(`${formatScore(card.label_score!)} F1 on held-out code`);
    if (card.label_precision !== undefined) expect(await score.getAttribute('title')).toContain(`precision ${formatScore(card.label_precision)}`);
    if (card.label_recall !== undefined) expect(await score.getAttribute('title')).toContain(`recall ${formatScore(card.label_recall)}`);
    if (card.label_recall !== undefined) expect(await score.textContent()).toContain(`covers ${formatProb(card.label_recall)} of its firings`);
    if (card.label_precision !== undefined) expect(await score.textContent()).toContain(`${formatProb(card.label_precision)} of the places it names fire`);
    if (card.density !== undefined)
      expect(await page.textContent('#feature-card .stats')).toContain(`fires on ${formatProb(card.density)} of tokens (held-out text, positions the extension shows)`);

    // Interval examples: closed until asked for, then every interval, highest first, each with its contexts.
    const details = page.locator('#feature-card details.quantiles');
    expect(await details.getAttribute('open')).toBeNull();
    await details.locator('summary').click();
    await expect.poll(() => details.getAttribute('open')).not.toBeNull();
    const sorted = [...card.quantiles!].sort((a, b) => b.from - a.from);
    expect(await details.locator('h4').allTextContents()).toEqual(sorted.map(intervalTitle));
    for (const [k, q] of sorted.entries()) {
      const marks = await details.locator('section.quantile').nth(k).locator('.context mark').allTextContents();
      expect(marks).toEqual(q.contexts.map((c) => visibleToken(c.tokens[c.index]!)));
    }
    if (card.logit_note) expect(await page.textContent('#feature-card .logit-note')).toBe(card.logit_note);
    expect(await cardText(page)).not.toMatch(/undefined|NaN/);

    expect(serious(await runAxe(page))).toEqual([]);
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('an unclear label reads as a best guess with its score; a positional feature shows its band; an older card renders without the new parts', async () => {
    const i = tokenAt('read_lines');
    const { hook, index, card } = listedCard(i, (c) => c.label !== '');
    const { panel, page } = await open({ cursorIndex: i, holdCards: true });
    const feature = page.locator(`button.feature[data-focus-key="feat:${hook}:${index}"]`);
    const answered = new Set<string>();
    const reply = async (c: FeatureCard, extra: Partial<CardMessage> = {}) => {
      await feature.click();
      const req = await panel.waitForMessage('requestCard', (m) => m.hook === hook && m.index === index && !answered.has(m.requestId));
      answered.add(req.requestId);
      await panel.send({ type: 'card', requestId: req.requestId, hook, index, card: c, occurrences: [], error: null, ...extra });
      await page.locator('#feature-card .card-label').waitFor();
    };

    await reply({ ...card, label_score: 0.21, positional: true, position_peak: { from: 0, to: 15, share: 0.78 } }, { labelReadable: false });
    expect(await page.textContent('#feature-card .card-label')).toBe(`unclear (score 0.21) — best guess: ${card.label}`);
    expect(await page.textContent('#feature-card .positional-tag')).toBe(`positional: ${formatPositionBand({ from: 0, to: 15 })} of the window hold 78% of its firings`);
    expect(serious(await runAxe(page))).toEqual([]);

    // Readable by the engine's verdict: the label alone on its line, the score on the next.
    await page.locator('#feature-card h2').click();
    await page.keyboard.press('Escape');
    await reply({ ...card, label_score: 0.9, positional: false }, { labelReadable: true });
    expect(await page.textContent('#feature-card .card-label')).toBe(card.label);
    expect(await page.textContent('#feature-card .label-score')).toContain('0.90 F1 on held-out code');
    expect(await page.locator('#feature-card .positional-tag').count()).toBe(0);

    // A card of an older bundle: none of the new fields; nothing says "undefined", no empty sections.
    await page.locator('#feature-card h2').click();
    await page.keyboard.press('Escape');
    const older: FeatureCard = { index: card.index, label: card.label, density: card.density, max_activation: card.max_activation, mean_activation: card.mean_activation, histogram: card.histogram, top_contexts: card.top_contexts, promoted: card.promoted, suppressed: card.suppressed };
    await reply(older);
    expect(await page.textContent('#feature-card .card-label')).toBe(card.label);
    for (const gone of ['.label-score', '.positional-tag', 'details.quantiles', '.logit-note']) expect(await page.locator(`#feature-card ${gone}`).count(), gone).toBe(0);
    expect(await page.textContent('#feature-card .stats')).not.toContain('held-out');
    expect(await cardText(page)).not.toMatch(/undefined|NaN/);
    expect(serious(await runAxe(page))).toEqual([]);
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it("the token's features list shows each label's score or \"unclear\", and dense / positional tags, in the engine's order", async () => {
    const i = tokenAt('read_lines');
    const { host, panel, page } = await open({ cursorIndex: i });
    const selection = host.selection(i);
    const hook = ctx.fixture.model.hooks[0]!;
    const hits = selection.token.features[hook]!;
    expect(hits.length).toBeGreaterThanOrEqual(3);
    // As the engine lists them (e.g. most unusual first): the panel must not re-sort.
    selection.token.features[hook] = [...hits].reverse();
    selection.featureLabels[hook] = [...selection.featureLabels[hook]!].reverse();
    selection.featureDensities[hook] = hits.map((_, k) => (k === 1 ? 0.3 : null));
    const others = (fill: unknown) => Object.fromEntries(Object.keys(selection.token.features).map((h) => [h, selection.token.features[h]!.map(() => fill)]));
    selection.featurePositional = { ...(others(false) as Record<string, boolean[]>), [hook]: hits.map((_, k) => k === 2) };
    selection.featureScores = { ...(others(null) as Record<string, null[]>), [hook]: hits.map((_, k) => (k === 0 ? 0.21 : 0.62)) };
    selection.featureReadable = { ...(others(null) as Record<string, null[]>), [hook]: hits.map((_, k) => k !== 0) };
    await panel.send(selection);
    const rows = page.locator(`button.feature[data-focus-key^="feat:${hook}:"]`);
    await expect.poll(() => rows.first().getAttribute('data-focus-key')).toBe(`feat:${hook}:${selection.token.features[hook]![0]!.index}`);
    const shown = await rows.evaluateAll((els) =>
      els.map((e) => ({
        key: (e as HTMLElement).dataset.focusKey,
        label: e.querySelector('.feat-text')?.textContent,
        dense: e.querySelector('.dense-tag') !== null,
        positional: e.querySelector('.positional-tag [aria-hidden]')?.textContent ?? null,
      })),
    );
    const labels = selection.featureLabels[hook]!;
    expect(shown.map((r) => r.key)).toEqual(selection.token.features[hook]!.map((f) => `feat:${hook}:${f.index}`));
    expect(shown[0]!.label).toBe(labelWithScore(labels[0], { score: 0.21, readable: false }));
    expect(shown[0]!.label).toMatch(/^unclear \(score 0\.21\) — best guess: /);
    expect(shown[1]!.label).toBe(labelWithScore(labels[1], { score: 0.62, readable: true }));
    expect(shown.map((r) => r.dense)).toEqual(hits.map((_, k) => k === 1));
    expect(shown.map((r) => r.positional)).toEqual(hits.map((_, k) => (k === 2 ? 'positional' : null)));
    expect(serious(await runAxe(page))).toEqual([]);
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });
});
