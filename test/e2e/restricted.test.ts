// Restricted Mode: a workspace must not be able to point the extension at a model of its choosing
// until the person trusts it (package.json restricts `activationInspector.modelPath` there). The
// workspace here sets modelPath to a broken bundle: untrusted, the bundled model is used and analysis
// works; once trusted, the workspace setting applies and the status bar reports the broken bundle.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { useSession } from './harness/session';
import { hoverWord, openFile, runCommand } from './harness/workbench';

const s = useSession('restricted', {
  trust: true,
  workspaceSettings: { 'activationInspector.modelPath': '.models/broken' },
});

function statusItem(page: Page) {
  return page.locator('.statusbar-item', { hasText: /code-gpt2-2l|broken/ }).first();
}

describe('Restricted Mode', () => {
  test('untrusted: the workspace model setting is ignored and the bundled model analyses the file', async () => {
    const { page } = s.wb;
    // A "bundle" the workspace points at: not a bundle at all.
    const broken = path.join(s.server.workspace, '.models', 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(path.join(broken, 'manifest.json'), '{ "schema_version": 1, "id": "broken" ');
    await page.locator('.statusbar-item', { hasText: /Restricted Mode/ }).first().waitFor({ timeout: 60_000 });
    await openFile(page, 'sample.py');
    await page.locator('.statusbar-item', { hasText: /code-gpt2-2l: [\d,]+ tokens · / }).first().waitFor({ timeout: 90_000 });
    const hover = await hoverWord(page, 'price', /Predicts next/, 0);
    expect(hover).toMatch(/rank\s+#[\d,]+/);
    await s.wb.shot('restricted-default-model');
  });

  test('trusted: the workspace setting applies and the broken bundle is reported, not crashed on', async () => {
    const { page } = s.wb;
    await runCommand(page, 'Workspaces: Manage Workspace Trust');
    const trust = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first();
    await trust.waitFor({ timeout: 30_000 });
    await trust.click();
    await page.locator('.statusbar-item', { hasText: /Restricted Mode/ }).first().waitFor({ state: 'hidden', timeout: 30_000 });
    await openFile(page, 'sample.py');
    await expect.poll(async () => statusItem(page).innerText().catch(() => ''), { timeout: 60_000 }).toMatch(/broken.*fail|fail.*broken/i);
    await s.wb.shot('trusted-broken-model');
  });
});
