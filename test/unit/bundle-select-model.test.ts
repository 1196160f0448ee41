// "Select Model" validates a chosen folder with the engine's loader, so a bundle whose manifest
// disagrees with its model.onnx graph is refused there, with the field named, before anything changes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import { validateBundle } from '../../src/editor/model/engineAdapter';
import { selectModel } from '../../src/editor/model/modelSelection';
import { DEFAULT_SETTINGS } from '../../src/settings';
import { writeSyntheticBundle } from './bundle-fixtures';
import { HOSTILE_BREAKAGES } from './bundle-hostile-fixtures';
import { fake, Uri } from './editorFakeVscode';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-select-model-'));
const good = path.join(tmp, 'good');
beforeAll(() => writeSyntheticBundle(good));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const silent = { info: () => {}, warn: () => {}, error: () => {} };
const deps = {
  settings: () => ({ ...DEFAULT_SETTINGS, modelPath: (fake.config.get('activationInspector.modelPath') as string) ?? '' }),
  extensionPath: '/ext',
  validate: validateBundle,
  log: silent,
};

describe('Select Model checks the manifest against the graph', () => {
  for (const name of ['n_layers that disagrees with the graph', 'topk_max that disagrees with the graph', 'n_ctx of 1 (windows would never advance)']) {
    it(`refuses a bundle with ${name}, naming the field`, async () => {
      fake.reset();
      const dir = path.join(tmp, name.replace(/\W+/g, '-'));
      fs.cpSync(good, dir, { recursive: true });
      const want = HOSTILE_BREAKAGES[name](dir);
      fake.answers.push((items: { label: string }[]) => items.at(-1), [Uri.file(dir)]);
      expect(await selectModel(deps)).toBeUndefined();
      expect(fake.config.get('activationInspector.modelPath')).toBeUndefined();
      expect(fake.messages.at(-1)).toMatchObject({ level: 'error' });
      expect(fake.messages.at(-1)!.text).toMatch(want.says);
    });
  }

  it('switches to the same bundle unbroken', async () => {
    fake.reset();
    fake.answers.push((items: { label: string }[]) => items.at(-1), [Uri.file(good)]);
    expect(await selectModel(deps)).toBe(good);
    expect(fake.config.get('activationInspector.modelPath')).toBe(good);
  });
});
