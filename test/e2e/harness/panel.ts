// Steps the panel suites share: waiting for an analysis in the status bar, the extension's decorations in
// the editor, and a screenshot with the bottom panel maximized.
import type { Locator, Page } from 'playwright-core';
import { activeEditor, runCommand, type Workbench } from './workbench';

export async function waitForAnalysis(page: Page): Promise<void> {
  await page.locator('.statusbar-item', { hasText: /[\d,]+ tokens · / }).first().waitFor({ timeout: 90_000 });
}

/** Decorations the extension draws ("ced-" classes) in the active editor. */
export function decorations(page: Page): Locator {
  return activeEditor(page).locator('[class*="ced-"]');
}

/**
 * Screenshot with the panel maximized (the inspector is short below the editor), then restored, also
 * when the step fails: a panel left maximized hides the editor from the tests that follow.
 */
export async function shotMaximizedPanel(page: Page, wb: Workbench, step: string, focus: Locator, docsName?: string): Promise<void> {
  await runCommand(page, 'View: Toggle Maximized Panel');
  try {
    await page.waitForTimeout(500);
    await focus.scrollIntoViewIfNeeded();
    await page.mouse.move(150, 450); // off the tab bar and the panel: no tooltip in the picture
    await page.waitForTimeout(700);
    await wb.shot(step, docsName);
  } finally {
    await runCommand(page, 'View: Toggle Maximized Panel');
    await page.waitForTimeout(300);
  }
}
