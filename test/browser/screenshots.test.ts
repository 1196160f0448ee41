// Every panel state, in Dark Modern and Light Modern (and Dark High Contrast for the busiest ones),
// as real Chromium screenshots. They go to test-results/screenshots/; with UPDATE_SCREENSHOTS=1 to
// docs/screenshots/ (committed, looked at by a person, linked from the README).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ThemeName } from './harness/themes';
import { expectClean, useBrowser } from './harness/session';
import type { StubHostOptions } from './harness/stubHost';
import { loadEditFixture } from './harness/editFixture';

const { ctx, open } = useBrowser();
const outDir = path.resolve(__dirname, '../..', process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : 'test-results/screenshots');
fs.mkdirSync(outDir, { recursive: true });

function tokenAt(needle: string): number {
  const offset = ctx.fixture.text.indexOf(needle);
  return ctx.fixture.result.tokens.findIndex((t) => t.start <= offset && offset < t.end);
}

interface Shot {
  name: string;
  host?: () => StubHostOptions;
  viewport?: { width: number; height: number };
  waitFor?: string;
  /** Brings the panel into the state to capture; returns the selector that proves it is there. */
  act?: (page: Page, send: (m: unknown) => Promise<void>) => Promise<string | void>;
  themes?: ThemeName[];
}

const openFirstCard = async (page: Page) => {
  await page.locator('button.feature').first().click();
  await page.locator('#feature-card .card-label, #feature-card .card-error').first().waitFor();
  await page.evaluate(() => document.getElementById('feature-card')?.scrollIntoView());
  return '#feature-card';
};

/** Opens "Why this prediction" and chooses head L1H0 (its attended tokens listed). */
const openWhy = async (page: Page) => {
  await page.getByRole('button', { name: /Why this prediction/ }).click();
  await page.locator('[data-focus-key="head:L1H0"]').click();
  await page.locator('ol.attended li').first().waitFor();
  return '.lens-table';
};

const shots: Shot[] = [
  { name: 'connecting', host: () => ({ silent: true }), waitFor: '.empty-state' },
  { name: 'empty', host: () => ({ initOnly: true }), waitFor: '.empty-state' },
  {
    name: 'token',
    host: () => ({ cursorIndex: tokenAt('read_lines') }),
    act: async (page) => {
      await page.focus('#token-strip [aria-selected=true]');
      return '.details';
    },
    themes: ['dark', 'light', 'hc'],
  },
  {
    name: 'analysing',
    host: () => ({ cursorIndex: tokenAt('read_lines') }),
    act: async (page, send) => {
      await send({ type: 'status', state: 'analysing', message: 'Analysing sample.py', progress: 0.4 });
      return '.status [data-control=spinner]';
    },
  },
  { name: 'card', host: () => ({ cursorIndex: tokenAt('read_lines') }), act: openFirstCard, themes: ['dark', 'light', 'hc'] },
  { name: 'card-wide', host: () => ({ cursorIndex: tokenAt('read_lines') }), viewport: { width: 1200, height: 820 }, act: openFirstCard },
  {
    name: 'card-intervals',
    host: () => ({ cursorIndex: tokenAt('read_lines') }),
    act: async (page) => {
      await openFirstCard(page);
      await page.locator('#feature-card details.quantiles summary').click();
      return '#feature-card details.quantiles[open]';
    },
  },
  {
    name: 'card-loading',
    host: () => ({ cursorIndex: tokenAt('read_lines'), holdCards: true }),
    act: async (page) => {
      await page.locator('button.feature').first().click();
      return '#feature-card .loading';
    },
  },
  {
    name: 'card-error',
    host: () => ({ cursorIndex: tokenAt('read_lines'), holdCards: true }),
    act: async (page, send) => {
      await page.locator('button.feature').first().click();
      await page.locator('#feature-card .loading').waitFor();
      // The host's answer for a snapshot opened without its model.
      await send({ __requestCardError: true });
      return '#feature-card .card-error';
    },
  },
  {
    name: 'readonly',
    host: () => ({
      cursorIndex: tokenAt('class Counter'),
      readOnly: true,
      snapshot: { fileName: 'sample.py.activations.json', createdAt: '2026-11-28T21:00:00.000Z', textMatches: false },
    }),
  },
  {
    name: 'error',
    host: () => ({ initOnly: true }),
    waitFor: '.empty-state',
    act: async (page, send) => {
      await send({ type: 'error', message: 'Could not load the model: model.onnx is truncated (expected 1,204,224 bytes, found 65,536).', kind: 'truncated-model' });
      await send({ type: 'status', state: 'error', message: 'Model failed to load', progress: null });
      return '.banner.error';
    },
  },
  { name: 'not-analysed', host: () => ({ initOnly: true }), waitFor: '.empty-state', act: async (page, send) => {
    await send({ type: 'clear', reason: 'Not analysed: logo.png is a binary file.' });
    await send({ type: 'status', state: 'not-analysed', message: 'Not analysed (binary file)', progress: null });
    return '.empty-state';
  } },
  {
    name: 'why',
    host: () => ({ cursorIndex: tokenAt('read_lines') }),
    viewport: { width: 460, height: 1400 },
    act: openWhy,
    themes: ['dark', 'light', 'hc'],
  },
  {
    name: 'why-wide',
    host: () => ({ cursorIndex: tokenAt('read_lines') }),
    viewport: { width: 1200, height: 1100 },
    act: async (page) => {
      await openWhy(page);
      await page.getByRole('combobox', { name: 'Split into' }).click();
      await page.getByRole('combobox', { name: 'Split into' }).getByRole('option').nth(1).click();
      await page.locator('.attribution button.term[data-focus-key*=":feature:"]').first().click();
      await page.locator('#feature-card .direct-effect').waitFor();
      return '#feature-card .direct-effect';
    },
  },
  {
    // A feature ablated from its card (the real engine's edited analysis, fixtures/edit-fixture.json):
    // the strip's edit colours, the edit list, total, before/after, changed most, and the continuation.
    name: 'edited',
    host: () => ({ cursorIndex: tokenAt('read_lines') }),
    viewport: { width: 1200, height: 1600 },
    act: async (page) => {
      const edit = loadEditFixture().edit;
      if (edit.op === 'splice') throw new Error('the fixture edits a feature');
      await page.locator(`[data-focus-key="feat:${edit.hook}:${edit.feature}"]`).click();
      await page.getByRole('button', { name: /Apply edit/ }).click();
      await page.locator('.before-after .side-by-side').waitFor();
      await page.getByRole('button', { name: /What would the model write here/ }).click();
      await page.getByRole('button', { name: 'Continue from the cursor' }).click();
      await page.locator('.continuation.edited').waitFor();
      return '.edits .edit-total';
    },
    themes: ['dark', 'light', 'hc'],
  },
  {
    name: 'why-cannot-explain',
    host: () => ({ cursorIndex: tokenAt('read_lines'), explainError: { kind: 'cannot-explain', message: 'this bundle cannot explain predictions: model.onnx has no initializer model.h.0.attn.c_proj.weight; re-export the bundle with training/convert_checkpoint.py (Hugging Face GPT-2 checkpoints) or training/build_default_bundle.py, which write the initializer names and outputs explain reads (docs/bundle-format.md)' } }),
    act: async (page) => {
      await page.getByRole('button', { name: /Why this prediction/ }).click();
      return '.why .section-error';
    },
  },
  {
    name: 'surprisal',
    host: () => ({ cursorIndex: tokenAt('read_lines'), legend: { mode: 'surprisal', rankBounds: [10, 100, 1000], maxSurprisal: 12 } }),
  },
];

describe('panel screenshots', () => {
  for (const shot of shots) {
    for (const theme of shot.themes ?? (['dark', 'light'] as ThemeName[])) {
      it(`${shot.name} (${theme})`, async () => {
        const { panel, page } = await open(shot.host?.() ?? {}, { theme, viewport: shot.viewport ?? { width: 460, height: 1000 } }, shot.waitFor);
        const send = async (m: unknown) => {
          if ((m as { __requestCardError?: boolean }).__requestCardError) {
            const req = await panel.waitForMessage('requestCard');
            await panel.send({ type: 'card', requestId: req.requestId, hook: req.hook, index: req.index, card: null, occurrences: [], error: 'Feature cards need the model "code-gpt2-2l" loaded; this snapshot is shown without it.' });
            return;
          }
          await panel.send(m);
        };
        const proof = await shot.act?.(page, send);
        if (proof) await page.locator(proof).first().waitFor();
        await page.waitForTimeout(150); // let the UI kit finish its queued style updates
        await page.screenshot({ path: path.join(outDir, `panel-${shot.name}-${theme}.png`), fullPage: true });
        expect(await expectClean(panel)).toEqual([]);
        await panel.close();
      });
    }
  }
});
