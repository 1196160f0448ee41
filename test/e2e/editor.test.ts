// The extension as installed from the .vsix, in a real VS Code: it activates on its own, analyses the
// files a person opens (Python, TypeScript, Markdown, and one with emoji/CJK/CRLF), answers hovers
// with the prediction and features, and colours the text with the heat map.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { useSession } from './harness/session';
import { activeEditor, hoverWord, openFile, plainToken, runCommand, toasts, webviewFrame } from './harness/workbench';

const s = useSession('editor');

/** Waits until the status bar says the active document is analysed; returns its token count. */
async function waitForAnalysis(page: Page): Promise<number> {
  const item = page.locator('.statusbar-item', { hasText: /[\d,]+ tokens · / }).first();
  await item.waitFor({ timeout: 90_000 });
  const text = await item.innerText();
  return Number(/([\d,]+) tokens/.exec(text)![1]!.replace(/,/g, ''));
}

/** Our hover part (other providers, e.g. TypeScript's, share the widget): the one with "Expected here". */
async function inspectorHover(page: Page) {
  const part = page.locator('.monaco-hover:not(.hidden) .rendered-markdown', { hasText: /Predicts next/ }).first();
  await part.waitFor();
  const text = await part.innerText();
  // First line: the token in backticks (rendered as <code>), then p / rank / bits.
  const headline = await part.locator('p').first().evaluate((p) => ({
    firstIsCode: p.firstElementChild?.tagName === 'CODE' && p.textContent!.startsWith(p.firstElementChild.textContent ?? '\0'),
    token: p.firstElementChild?.textContent ?? '',
    text: p.textContent ?? '',
  }));
  return { text, headline };
}

/** Count of decorations the extension API draws ("ced-" classes), in the active editor. */
async function decorationCount(page: Page): Promise<number> {
  return activeEditor(page).locator('[class*="ced-"]').count();
}

describe('installed from the .vsix', () => {
  test('the installed folder is the packaged extension: bundle, default model, linux-x64 ONNX Runtime only', () => {
    const dir = s.ctx.installedExtension;
    expect(existsSync(path.join(dir, 'dist', 'extension.js'))).toBe(true);
    expect(existsSync(path.join(dir, 'media', 'models', 'code-gpt2-2l', 'manifest.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'src'))).toBe(false);
    const bins = path.join(dir, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
    expect(readdirSync(bins)).toEqual(['linux']);
    expect(readdirSync(path.join(bins, 'linux'))).toEqual(['x64']);
  });

  test('the .vsix is at most 60 MB', () => {
    const mb = statSync(s.ctx.vsix).size / 2 ** 20;
    expect(mb, `${path.basename(s.ctx.vsix)} is ${mb.toFixed(1)} MB`).toBeLessThanOrEqual(60);
  });

  test('activates by itself and analyses an opened Python file', async () => {
    const { page } = s.wb;
    await openFile(page, 'sample.py');
    const tokens = await waitForAnalysis(page);
    expect(tokens).toBeGreaterThan(50);
    await s.wb.shot('python-analysed');
    const errors = (await toasts(page)).filter((t) => /Activation Inspector/i.test(t) && /error|fail|could not/i.test(t));
    expect(errors).toEqual([]);
  });
});

describe('hover', () => {
  test('on a Python token: probability, rank, what was expected, what comes next, features', async () => {
    const { page } = s.wb;
    await hoverWord(page, 'quantity', /Predicts next/, 0);
    const { text, headline } = await inspectorHover(page);
    await page.waitForTimeout(500); // the hover fades in
    await s.wb.shot('hover-python', 'vscode-hover.png');
    expect(headline.firstIsCode).toBe(true);
    expect('    def total(self, quantity: int) -> float:').toContain(plainToken(headline.token));
    expect(headline.text).toMatch(/p\s+<?\d+(\.\d+)?%\s+·\s+rank\s+#[\d,]+/);
    expect(text).toMatch(/Expected here/);
    expect(text).toMatch(/Predicts next/);
    // Top predictions: bar rows with a probability each.
    expect(text.match(/[█▏▎▍▌▋▊▉]+\s*\d/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/Top features/);
    expect(text).toMatch(/#\d+/);
    // Labels of a bundle that scores them carry the score; a weak one reads as a guess.
    for (const m of text.matchAll(/\(score ([\d.]+)\)/g)) expect(m[1]).toMatch(/^\d\.\d\d$/);
    expect(text).toMatch(/Show in inspector/);
  });

  test('on TypeScript and Markdown files', async () => {
    const { page } = s.wb;
    await openFile(page, 'sample.ts');
    await waitForAnalysis(page);
    await hoverWord(page, 'listeners', /Predicts next/, 1);
    const ts = await inspectorHover(page);
    expect(ts.headline.firstIsCode).toBe(true);
    expect(ts.text).toMatch(/rank\s+#[\d,]+/);
    await s.wb.shot('hover-typescript');

    await openFile(page, 'notes.md');
    await waitForAnalysis(page);
    await hoverWord(page, 'snapshot', /Predicts next/);
    const md = await inspectorHover(page);
    expect(md.headline.firstIsCode).toBe(true);
    expect(md.text).toMatch(/Top features/);
    await s.wb.shot('hover-markdown');
  });

  test('on a file with emoji, CJK, combining marks and CRLF line endings', async () => {
    const { page } = s.wb;
    await openFile(page, 'unicode_crlf.py');
    await waitForAnalysis(page);
    await expect.poll(() => page.locator('.statusbar-item', { hasText: /^CRLF$/ }).count()).toBe(1);
    // A token on the last line: its range must have survived every CRLF and astral character above.
    await hoverWord(page, 'shout', /Predicts next/, 1);
    const last = await inspectorHover(page);
    expect('print(shout(greeting), emoji)').toContain(plainToken(last.headline.token));
    await s.wb.shot('hover-unicode-last-line');
    await hoverWord(page, '世界', /Predicts next/);
    const cjk = await inspectorHover(page);
    expect(cjk.headline.text).toMatch(/rank\s+#[\d,]+/);
    await s.wb.shot('hover-cjk');
    await hoverWord(page, 'party', /Predicts next/);
    const emoji = await inspectorHover(page);
    expect(emoji.headline.text).toMatch(/rank\s+#[\d,]+/);
  });
});

describe('heat map', () => {
  test('the palette command colours the tokens and a second toggle clears them', async () => {
    const { page } = s.wb;
    await openFile(page, 'sample.py');
    await waitForAnalysis(page);
    await page.mouse.move(5, 5);
    const before = await decorationCount(page);
    await runCommand(page, s.commandLabel('activationInspector.toggleHeatmap'));
    await expect.poll(() => decorationCount(page), { timeout: 30_000 }).toBeGreaterThan(before + 20);
    await s.wb.shot('heatmap-on');
    // Colours come from several rank buckets, not one flat colour.
    const classes = await activeEditor(page)
      .locator('[class*="ced-"]')
      .evaluateAll((els) => new Set(els.map((e) => [...e.classList].find((c) => c.startsWith('ced-'))!.replace(/-\d+$/, ''))).size);
    expect(classes).toBeGreaterThanOrEqual(2);
    await runCommand(page, s.commandLabel('activationInspector.toggleHeatmap'));
    await expect.poll(() => decorationCount(page), { timeout: 30_000 }).toBeLessThanOrEqual(before);
    await s.wb.shot('heatmap-off');
  });
});

describe('hover links', () => {
  test('"Show in inspector" opens the panel on the hovered token', async () => {
    const { page } = s.wb;
    await openFile(page, 'sample.py');
    await waitForAnalysis(page);
    await hoverWord(page, 'handle', /Predicts next/, 0);
    const { headline } = await inspectorHover(page);
    await page.locator('.monaco-hover:not(.hidden) a', { hasText: 'Show in inspector' }).first().click();
    const frame = webviewFrame(page);
    await expect
      .poll(async () => plainToken(await frame.locator('section.details:not(.loading) #details-h code.tok-text').innerText().catch(() => '')), {
        timeout: 60_000,
      })
      .toBe(plainToken(headline.token));
    await s.wb.shot('show-in-inspector');
  });

  test('"Highlight this feature in the document" marks the tokens where it fires', async () => {
    const { page } = s.wb;
    await page.mouse.move(5, 5);
    const before = await decorationCount(page);
    await hoverWord(page, 'items', /Predicts next/, 1);
    await page.locator('.monaco-hover:not(.hidden) a', { hasText: 'Highlight this feature in the document' }).first().click();
    await expect.poll(() => decorationCount(page), { timeout: 30_000 }).toBeGreaterThan(before);
    await page.mouse.move(5, 5);
    await s.wb.shot('feature-highlighted');
  });
});
