// The inspector panel's built bundle in headless Chromium, under the real HTML shell and CSP, talking
// to a stand-in for the extension that plays the protocol from a real analysis (fixtures/).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { densePercent } from '../../src/shared/featureDensity';
import { featureOccurrences } from '../../src/inspector/panelMessages';
import { rankBucket } from '../../src/shared/heatmapScale';
import { isUnclearLabel, labelWithScore, shortHook, visibleToken } from '../../src/shared/present';
import { arbitraryValues, mutations } from '../unit/protocolMalformed';
import { validToWebview } from '../unit/protocolSamples';
import { PAGE_NEEDS } from '../../webview/components/toolkitPage';
import { expectClean, useBrowser } from './harness/session';

const { ctx, open } = useBrowser();

const tokens = () => ctx.fixture.result.tokens;
/** Index of the token covering the first occurrence of `needle` in the sample. */
function tokenAt(needle: string): number {
  const offset = ctx.fixture.text.indexOf(needle);
  const i = tokens().findIndex((t) => t.start <= offset && offset < t.end);
  if (i < 0) throw new Error(`no token at "${needle}"`);
  return i;
}

async function stripState(page: import('playwright-core').Page) {
  return page.$$eval('#token-strip [role=option]', (els) =>
    els.map((e) => ({ index: Number((e as HTMLElement).dataset.index), text: e.textContent ?? '', cls: e.className, selected: e.getAttribute('aria-selected') === 'true', tabindex: e.getAttribute('tabindex') })),
  );
}

const selectedIndex = (page: import('playwright-core').Page) =>
  page.$eval('#token-strip [aria-selected=true]', (e) => Number((e as HTMLElement).dataset.index)).catch(() => null);
const focusedIndex = (page: import('playwright-core').Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.index ?? null);

describe('inspector panel in Chromium', () => {
  it('renders a real analysis: strip coloured by rank bucket, distributions, features', async () => {
    const i = tokenAt('read_lines');
    const { panel, page } = await open({ cursorIndex: i });
    const strip = await stripState(page);
    expect(strip.length).toBe(Math.min(tokens().length, 240));
    for (const o of strip) {
      const t = tokens()[o.index]!;
      expect(o.text).toBe(visibleToken(t.text));
      expect(o.cls).toContain(t.rank === null ? 'first' : `b${rankBucket(t.rank)}`);
    }
    // The document's line breaks are kept (after the ↵ that shows them).
    const newlines = strip.reduce((n, o) => n + (tokens()[o.index]!.text.split('\n').length - 1), 0);
    expect(await page.locator('#token-strip br').count()).toBe(newlines);
    expect(strip.filter((o) => o.selected).map((o) => o.index)).toEqual([i]);
    expect(strip.filter((o) => o.tabindex === '0').map((o) => o.index)).toEqual([i]); // roving tabindex

    const t = tokens()[i]!;
    expect(await page.textContent('#details-h')).toContain(visibleToken(t.text));
    // "Expected here" is the previous token's top-k; the actual token is marked when it is in it.
    const hereRows = await page.$$eval('#dist-here-h + ol .dist-row', (els) => els.map((e) => ({ text: e.querySelector('code')!.textContent, actual: e.classList.contains('actual') })));
    const prevTopk = tokens()[i - 1]!.topk.slice(0, 10);
    expect(hereRows.map((r) => r.text)).toEqual(prevTopk.map((e) => visibleToken(e.text)));
    expect(hereRows.filter((r) => r.actual).length).toBe(prevTopk.some((e) => e.id === t.id) ? 1 : 0);
    if (!prevTopk.some((e) => e.id === t.id)) expect(await page.textContent('.dist-outside')).toContain(`#${(t.rank! + 1).toLocaleString('en-US')}`);
    const nextRows = await page.$$eval('#dist-next-h + ol .dist-row code', (els) => els.map((e) => e.textContent));
    expect(nextRows).toEqual(t.topk.slice(0, 10).map((e) => visibleToken(e.text)));

    for (const hook of ctx.fixture.model.hooks) {
      const hits = (t.features[hook] ?? []).slice(0, 8);
      expect(hits.length, hook).toBeGreaterThan(0);
      const rows = await page.$$eval(`button.feature[data-focus-key^="feat:${hook}:"]`, (els) =>
        els.map((e) => ({
          label: e.querySelector('.feat-text')?.textContent,
          dense: e.querySelector('.dense-tag [aria-hidden]')?.textContent ?? null,
          positional: e.querySelector('.positional-tag') !== null,
        })),
      );
      // Each label with its score, or "unclear" below the readable threshold (bundles that score their labels).
      const facts = (f: { index: number }) => ctx.fixture.facts?.[hook]?.[f.index];
      const quality = (f: { index: number }) => ({ score: facts(f)?.score, readable: facts(f)?.readable, density: ctx.fixture.cards[`${hook}#${f.index}`]?.density });
      expect(rows.map((r) => r.label)).toEqual(hits.map((f) => labelWithScore(ctx.fixture.labels[hook]?.[f.index], quality(f))));
      expect(rows.map((r) => r.positional)).toEqual(hits.map((f) => facts(f)?.positional === true));
      // Features the fixture knows the density of (those with cards) are tagged when dense.
      const percent = (f: { index: number }) => densePercent(ctx.fixture.cards[`${hook}#${f.index}`]?.density);
      expect(rows.map((r) => r.dense)).toEqual(hits.map((f) => (percent(f) === undefined ? null : `dense ${percent(f)}%`)));
    }
    // Rows follow the engine's order (the labels above); that the default order puts dense and positional
    // features last is checked on the real engine (test/integration/feature-labels.test.ts), and their tags
    // on rows that have them in card.test.ts: this token lists none.
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('is usable from the keyboard: arrows move, Enter reveals, Home/End, Tab leaves the strip', async () => {
    const i = tokenAt('read_lines');
    const { panel, page } = await open({ cursorIndex: i });
    await page.focus('#token-strip [aria-selected=true]');
    for (let k = 0; k < 3; k++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => selectedIndex(page)).toBe(i + 3);
    // Focus follows the re-render of the strip: poll like the selection, not a single read.
    await expect.poll(() => focusedIndex(page)).toBe(String(i + 3));
    await panel.waitForMessage('selectToken', (m) => m.index === i + 3);
    // Held-down arrows are coalesced: the host is not asked about every token passed.
    expect(panel.received.filter((m) => m.type === 'selectToken').length).toBeLessThan(3);
    await expect.poll(() => page.textContent('#details-h')).toContain(visibleToken(tokens()[i + 3]!.text));

    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => selectedIndex(page)).toBe(i + 2);
    await page.keyboard.press('Enter');
    await panel.waitForMessage('revealToken', (m) => m.index === i + 2);

    await page.keyboard.press('End');
    await expect.poll(() => selectedIndex(page)).toBe(tokens().length - 1);
    // Focus follows the re-render of the strip: poll like the selection, not a single read.
    await expect.poll(() => focusedIndex(page)).toBe(String(tokens().length - 1));
    await page.keyboard.press('Home');
    await expect.poll(() => selectedIndex(page)).toBe(0);
    await expect.poll(() => page.textContent('.details')).toContain('none (first token)');

    await page.keyboard.press('Tab');
    const after = await page.evaluate(() => document.activeElement?.closest('#token-strip') !== null);
    expect(after).toBe(false);
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('moves past the window the host sent: the host sends the next window', async () => {
    const { panel, page } = await open({ cursorIndex: 20, window: 40 });
    let strip = await stripState(page);
    expect(strip[0]!.index).toBe(0);
    expect(strip.length).toBe(40);
    await page.focus('#token-strip [aria-selected=true]');
    await page.keyboard.press('End');
    const last = tokens().length - 1;
    await panel.waitForMessage('selectToken', (m) => m.index === last);
    await expect.poll(() => selectedIndex(page)).toBe(last);
    strip = await stripState(page);
    expect(strip[strip.length - 1]!.index).toBe(last);
    expect(strip.length).toBe(40);
    // Focus follows the re-render of the strip: poll like the selection, not a single read.
    await expect.poll(() => focusedIndex(page)).toBe(String(last));
    // Walking back across the window's start asks for the previous window.
    const first = strip[0]!.index;
    await page.keyboard.press('Home');
    await expect.poll(() => selectedIndex(page)).toBe(0);
    expect(first).toBeGreaterThan(0);
    await expect.poll(() => page.textContent('#details-h')).toContain(`1 of ${tokens().length}`);
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('clicking a token moves the editor cursor there', async () => {
    const { panel, page } = await open({ cursorIndex: 5 });
    const target = tokenAt('class Counter');
    await page.click(`#tok-${target}`);
    await panel.waitForMessage('revealToken', (m) => m.index === target);
    await expect.poll(() => selectedIndex(page)).toBe(target);
    await panel.close();
  });

  it('opens a feature card from a click or Enter; Escape closes it and returns focus', async () => {
    const i = tokenAt('read_lines');
    const { host, panel, page } = await open({ cursorIndex: i });
    const first = page.locator('button.feature').first();
    const key = (await first.getAttribute('data-focus-key'))!;
    const [, hook, idx] = /^feat:(.*):(\d+)$/.exec(key)!;
    const index = Number(idx);
    await first.click();
    const req = await panel.waitForMessage('requestCard', (m) => m.hook === hook && m.index === index);
    expect(req.requestId).toMatch(/^card-/);
    await page.waitForSelector('#feature-card .card-label, #feature-card .card-error');
    const card = ctx.fixture.cards[`${hook}#${index}`];
    const occ = featureOccurrences(ctx.fixture.result, hook!, index);
    if (card) {
      const q = { score: card.label_score, readable: ctx.fixture.facts?.[hook!]?.[index]?.readable, density: card.density };
      expect(await page.textContent('#feature-card .card-label')).toBe(isUnclearLabel(q) ? labelWithScore(card.label, q) : card.label || 'unlabelled');
      if (card.histogram) expect(await page.locator('#feature-card .hist-bar').count()).toBe(card.histogram.counts.length);
      if (card.top_contexts?.length) {
        const marks = await page.$$eval('#feature-card .contexts .context mark', (els) => els.map((e) => e.textContent));
        expect(marks).toEqual(card.top_contexts.map((c) => visibleToken(c.tokens[c.index]!)));
      }
      expect(await page.locator('#feature-card .logit-list.pos li').count()).toBe(card.promoted.length);
    }
    expect(await page.textContent('#feature-card .occ h3')).toContain(`fires on ${occ.length} token`);
    expect(await page.locator('#feature-card button.occurrence').count()).toBe(Math.min(occ.length, 50));

    // Where it fires in this document: a click moves the cursor there.
    await page.locator('#feature-card button.occurrence').first().click();
    await panel.waitForMessage('revealToken', (m) => m.index === occ[0]!.index);

    // Highlight in the editor, and the host's echo flips the button.
    await page.locator('#feature-card').getByRole('button', { name: 'Highlight in editor' }).click();
    await panel.waitForMessage('highlightFeature', (m) => m.hook === hook && m.index === index);
    await page.locator('#feature-card').getByRole('button', { name: 'Clear highlight' }).waitFor();

    // Escape in an open dropdown closes the dropdown, not the card.
    const topK = page.getByRole('combobox', { name: 'Top-k' });
    await topK.click();
    await expect.poll(() => topK.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Escape');
    await expect.poll(() => topK.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('#feature-card').count()).toBe(1);

    await page.locator('#feature-card h2').click();
    await page.keyboard.press('Escape');
    await page.locator('#feature-card').waitFor({ state: 'detached' });

    // Keyboard only: focus a feature, Enter opens, Escape closes and focus returns to it.
    await page.focus(`[data-focus-key="${key}"]`).catch(() => page.locator('button.feature').first().focus());
    const focusedKey = await page.evaluate(() => (document.activeElement as HTMLElement).dataset.focusKey);
    const before = panel.received.filter((m) => m.type === 'requestCard').length;
    await page.keyboard.press('Enter');
    await page.locator('#feature-card').waitFor();
    expect(panel.received.filter((m) => m.type === 'requestCard').length).toBe(before + 1);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('card-title');
    await page.keyboard.press('Escape');
    await page.locator('#feature-card').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.focusKey)).toBe(focusedKey);
    expect(host.settings.topK).toBe(10);
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('ignores malformed messages and keeps working', async () => {
    const i = tokenAt('read_lines');
    const { host, panel, page } = await open({ cursorIndex: i });
    const detailsBefore = await page.textContent('.details');
    const malformed = [
      ...fc.sample(mutations(validToWebview), { numRuns: 300, seed: 42 }),
      ...fc.sample(arbitraryValues(validToWebview.map((m) => m.type), true), { numRuns: 200, seed: 7 }),
    ];
    for (const m of malformed) await panel.send(m);
    for (const expr of ['undefined', 'null', '"selection"', '42', 'new ArrayBuffer(8)', '[{"type":"clear","reason":"x"}]', '{"type":"clear","reason":"x".repeat(5000)}', 'Object.create({type: "clear", reason: "x"})'])
      await panel.sendRaw(expr);
    // A stale answer (another version of the document) is valid but must not be shown either.
    const stale = { ...host.selection(i + 1), version: 99 };
    await panel.send(stale);

    expect(await page.textContent('.details')).toBe(detailsBefore);
    expect(panel.pageErrors).toEqual([]);
    // The panel reported the rejects to the host's log, but not 500 times.
    const logs = panel.received.filter((m) => m.type === 'log');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.length).toBeLessThanOrEqual(10);

    // Still alive: a valid message is rendered, the keyboard still works.
    await panel.send(host.selection(i + 1));
    await expect.poll(() => selectedIndex(page)).toBe(i + 1);
    await page.focus('#token-strip [aria-selected=true]');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => selectedIndex(page)).toBe(i + 2);
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('fails a card request at once when its reply is malformed', async () => {
    const { panel, page } = await open({ cursorIndex: tokenAt('read_lines'), holdCards: true });
    await page.locator('button.feature').first().click();
    const req = await panel.waitForMessage('requestCard');
    await expect.poll(() => page.textContent('#feature-card')).toContain('Loading feature card');
    await panel.send({ type: 'card', requestId: req.requestId, hook: 42, index: 'x' });
    await expect.poll(() => page.textContent('#feature-card .card-error')).toContain('malformed reply');
    // The well-formed reply arriving late is ignored (its request is gone).
    await panel.send({ type: 'card', requestId: req.requestId, hook: req.hook, index: req.index, card: null, occurrences: [], error: 'late' });
    await panel.waitForMessage('log', (m) => m.message.includes('no request waiting'));
    expect(await page.textContent('#feature-card .card-error')).toContain('malformed reply');
    await panel.close();
  });

  it('survives being hidden and shown again (vscode.setState)', async () => {
    const i = tokenAt('read_lines');
    const first = await open({ cursorIndex: i });
    // Change top-k through its dropdown.
    const topK = first.page.getByRole('combobox', { name: 'Top-k' });
    await topK.click();
    await topK.getByRole('option', { name: '5', exact: true }).click();
    await first.panel.waitForMessage('setOptions', (m) => m.topK === 5);
    await expect.poll(() => first.page.locator('#dist-next-h + ol .dist-row').count()).toBe(5);
    await first.page.focus('#token-strip [aria-selected=true]');
    await first.page.keyboard.press('ArrowRight');
    await first.panel.waitForMessage('selectToken', (m) => m.index === i + 1);
    await first.page.locator('button.feature').first().click();
    await first.page.locator('#feature-card .card-label, #feature-card .card-error').first().waitFor();
    await expect.poll(() => (first.panel.persisted as { card: unknown } | undefined)?.card ?? null).not.toBeNull();
    const persisted = first.panel.persisted;
    const settings = first.host.settings;
    await first.panel.close();

    // The view comes back: a new page with the saved state; the host answers only the handshake.
    const second = await open({ cursorIndex: i + 1, settings, initOnly: true }, { persisted }, '#token-strip');
    expect(await selectedIndex(second.page)).toBe(i + 1);
    await expect.poll(() => second.page.locator('#dist-next-h + ol .dist-row').count()).toBe(5);
    const reopened = await second.panel.waitForMessage('requestCard');
    expect(reopened.hook).toBe((persisted as { card: { hook: string } }).card.hook);
    await second.page.locator('#feature-card').waitFor();
    expect(await expectClean(second.panel)).toEqual([]);
    await second.panel.close();
  });

  it('draws document text as text, never as HTML', async () => {
    const { host, panel, page } = await open({ cursorIndex: 3 });
    const evil = ['<img src=x onerror="window.__pwned=1">', '<script>window.__pwned=2</script>', '&amp;<b>bold</b>'];
    let offset = 0;
    const evilTokens = evil.map((text) => {
      const t = { text, start: offset, end: offset + text.length, logprob: -1, rank: 3, entropy: 2 };
      offset += text.length;
      return t;
    });
    const analysis = { ...host.analysis(), docUri: 'file:///workspace/evil.html', fileName: '<i>evil</i>.html', tokens: evilTokens, tokenCount: 3, firstIndex: 0, textLength: offset, cursorIndex: null };
    await panel.send(analysis);
    await expect.poll(() => page.locator('#token-strip [role=option]').count()).toBe(3);
    const texts = await page.$$eval('#token-strip [role=option]', (els) => els.map((e) => e.textContent));
    expect(texts).toEqual(evil.map(visibleToken));
    expect(await page.locator('#token-strip img, #token-strip script, #token-strip b, .status i').count()).toBe(0);
    expect(await page.textContent('.status')).toContain('<i>evil</i>.html');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('controls: hook selector filters features, export posts the checkbox choice', async () => {
    const i = tokenAt('read_lines');
    const { host, panel, page } = await open({ cursorIndex: i });
    const hooks = ctx.fixture.model.hooks;
    const withFeatures = hooks.filter((h) => (tokens()[i]!.features[h] ?? []).length > 0);
    expect(await page.locator('.hooks section.hook').count()).toBe(hooks.filter((h) => tokens()[i]!.features[h]).length);
    const chosen = withFeatures[withFeatures.length - 1]!;
    const hookChoice = page.getByRole('combobox', { name: 'Hook' });
    await hookChoice.click();
    await hookChoice.getByRole('option', { name: shortHook(chosen), exact: true }).click();
    await panel.waitForMessage('setOptions', (m) => m.hook === chosen);
    expect(host.settings.hook).toBe(chosen);
    await expect.poll(() => page.locator('.hooks section.hook').count()).toBe(1);
    expect(await page.locator(`button.feature[data-focus-key^="feat:${chosen}:"]`).count()).toBeGreaterThan(0);

    const exportButton = page.getByRole('button', { name: 'Export snapshot' });
    await exportButton.click();
    await panel.waitForMessage('exportSnapshot', (m) => m.includeActivations === false);
    const withActivations = page.getByRole('checkbox', { name: 'with activations' });
    await withActivations.click();
    await expect.poll(() => withActivations.getAttribute('aria-checked')).toBe('true');
    await exportButton.click();
    await panel.waitForMessage('exportSnapshot', (m) => m.includeActivations === true);
    await page.getByRole('button', { name: 'Open snapshot' }).click();
    await panel.waitForMessage('openSnapshot');
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });

  it('starts cleanly from a damaged saved state', async () => {
    for (const persisted of [
      'not an object',
      { v: 2, options: { topK: 5 } },
      { v: 1, init: { type: 'init' }, analysis: { type: 'analysis', tokens: 'x' }, selection: 42, options: { topK: 'ten', featuresPerToken: null }, selectedIndex: -3, card: { hook: 7 } },
    ]) {
      const { panel, page } = await open({ cursorIndex: 4 }, { persisted });
      expect(await selectedIndex(page)).toBe(4);
      expect(panel.received.filter((m) => m.type === 'requestCard')).toEqual([]);
      expect(await expectClean(panel)).toEqual([]);
      await panel.close();
    }
  });

  it('shows status, errors and the empty state from the host', async () => {
    const { panel, page } = await open({ initOnly: true }, {}, '.empty-state');
    expect(await page.textContent('.empty-state')).toContain('Open a file');
    await panel.send({ type: 'status', state: 'analysing', message: 'Analysing sample.py', progress: 0.4 });
    await page.locator('.status [data-control=spinner]').waitFor();
    expect(await page.textContent('.status')).toContain('40%');
    await panel.send({ type: 'error', message: 'model.onnx is truncated (expected 1,234 bytes)', kind: 'truncated-model' });
    expect(await page.textContent('[role=alert]')).toContain('model.onnx is truncated');
    await panel.send({ type: 'clear', reason: 'Not analysed: sample.bin is a binary file.' });
    expect(await page.textContent('.empty-state')).toContain('binary file');
    await panel.close();
  });

  it('declares what it needs from the page exactly: a style nonce only if withholding it blocks a style', async () => {
    const { panel, page } = await open({ cursorIndex: 4 }, { pageNeeds: { styleNonce: false } });
    await page.waitForTimeout(200); // violations are reported asynchronously
    const blockedStyles = (await panel.cspViolations()).filter((v) => v.startsWith('style-src'));
    expect(blockedStyles.length > 0).toBe(PAGE_NEEDS.styleNonce);
    await panel.close();
  });

  it('read-only snapshot: banner, no export, no re-analysis controls', async () => {
    const { panel, page } = await open({
      cursorIndex: 10,
      readOnly: true,
      snapshot: { fileName: 'sample.py.activations.json', createdAt: '2026-11-28T21:00:00.000Z', textMatches: false },
    });
    const banner = await page.textContent('.banner.readonly');
    expect(banner).toContain('Read-only snapshot');
    expect(banner).toContain('no longer matches');
    await page.getByRole('button', { name: 'Open snapshot' }).waitFor();
    expect(await page.getByRole('button', { name: 'Export snapshot' }).count()).toBe(0);
    // The document's text differs from the snapshot: clicking a token must not move a cursor.
    await page.click('#tok-12');
    await expect.poll(() => selectedIndex(page)).toBe(12);
    expect(panel.received.some((m) => m.type === 'revealToken')).toBe(false);
    expect(await expectClean(panel)).toEqual([]);
    await panel.close();
  });
});
