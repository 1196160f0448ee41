// "Select Model" on real bundles, through the extension with a fake `vscode`: a folder that is not a
// bundle is refused with the loader's message and changes nothing; a real second bundle (the engine
// tests' random GPT-2 bundle, or ACTIVATION_INSPECTOR_SECOND_BUNDLE, e.g. the GPT-2-small-shaped one
// from `npm run fixture:gpt2-small`) is validated, switched to without a restart, and the open
// document is re-analysed with it.
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('../unit/editorFakeVscode')).vscodeModule());
import type { ActivationInspectorApi } from '../../src/extension';
import { fake, Uri } from '../unit/editorFakeVscode';
import { testBundle } from './inference-helpers';

const root = path.resolve(__dirname, '../..');
const defaultBundle = path.join(root, 'media/models/code-gpt2-2l');
const second = process.env.ACTIVATION_INSPECTOR_SECOND_BUNDLE ?? testBundle();

async function until(cond: () => boolean, timeoutMs = 180_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Select Model on real bundles', () => {
  let api: ActivationInspectorApi;
  const subscriptions: { dispose(): unknown }[] = [];
  afterAll(async () => {
    for (const d of subscriptions) d.dispose();
    await api?.model.dispose();
  });

  it('refuses a folder that is not a bundle, then switches to a real one without a restart', async () => {
    // The extension starts dist/worker.js, as the packaged one does.
    expect(existsSync(path.join(root, 'dist/worker.js')), 'dist/worker.js is missing: run npm run build').toBe(true);
    fake.reset();
    const { activate } = await import('../../src/extension');
    api = activate({ subscriptions, extensionUri: Uri.file(root) } as never);
    const { doc } = fake.open('/w/a.py', 'def total(self, quantity: int) -> float:\n    return self.price * quantity\n');
    const current = () => api.store.get(doc.uri.toString(), doc.version);
    await until(() => current() !== undefined);
    const firstModel = current()!.result.modelId;

    const notABundle = mkdtempSync(path.join(os.tmpdir(), 'ai-not-a-bundle-'));
    fake.answers.push((items: { label: string }[]) => items.at(-1), [Uri.file(notABundle)]);
    await fake.runCommand('activationInspector.selectModel');
    expect(fake.messages.at(-1)).toMatchObject({ level: 'error', text: expect.stringContaining('manifest.json') });
    expect(fake.config.get('activationInspector.modelPath')).toBeUndefined();
    expect(api.model.currentBundleDir).toBe(defaultBundle);

    const t0 = performance.now();
    fake.answers.push((items: { label: string }[]) => items.at(-1), [Uri.file(second)]);
    await fake.runCommand('activationInspector.selectModel');
    const validateMs = performance.now() - t0;
    expect(fake.config.get('activationInspector.modelPath')).toBe(second);
    expect(api.model.currentBundleDir).toBe(second);
    await until(() => current() !== undefined && current()!.result.modelId !== firstModel);
    const switchMs = performance.now() - t0;
    console.log(`select model: validate ${validateMs.toFixed(0)} ms, switched and re-analysed with ${current()!.result.modelId} after ${switchMs.toFixed(0)} ms (${current()!.result.tokens.length} tokens)`);
    expect(api.model.state).toMatchObject({ kind: 'ready', bundleDir: second });

    // And back to the bundled default from the list.
    fake.answers.push((items: { value?: string }[]) => items.find((i) => i.value === ''));
    await fake.runCommand('activationInspector.selectModel');
    await until(() => current() !== undefined && current()!.result.modelId === firstModel);
  });
});
