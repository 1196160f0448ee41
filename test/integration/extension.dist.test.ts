// The built bundle (dist/extension.js, what the .vsix ships) activates: loaded through Node's own
// require with `vscode` answered by the fake, it registers every contributed command and the view,
// and does not load ONNX Runtime or start the engine during activation.
import { existsSync, readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fake, Uri, vscodeModule } from '../unit/editorFakeVscode';

const root = path.resolve(__dirname, '../..');
const dist = path.join(root, 'dist/extension.js');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

describe.skipIf(!existsSync(dist))('dist/extension.js', () => {
  const loadHook = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const originalLoad = loadHook._load;
  const requested: string[] = [];
  const subscriptions: { dispose(): unknown }[] = [];

  afterAll(() => {
    loadHook._load = originalLoad;
    for (const d of subscriptions) d.dispose();
  });

  it('activates, registers the contributed commands and view, and defers the engine', async () => {
    fake.reset();
    const vscode = vscodeModule();
    loadHook._load = function (request: string, parent: unknown, isMain: boolean) {
      requested.push(request);
      if (request === 'vscode') return vscode;
      return originalLoad.call(this, request, parent, isMain);
    };
    const req = createRequire(dist);
    delete req.cache[dist];
    const ext = req(dist) as { activate: (c: unknown) => { model: { state: { kind: string } } }; deactivate: () => void };
    expect(typeof ext.activate).toBe('function');
    expect(typeof ext.deactivate).toBe('function');
    const api = ext.activate({ subscriptions, extensionUri: Uri.file(root) });
    const contributed = (pkg.contributes.commands as { command: string }[]).map((c) => c.command).sort();
    expect([...fake.commands.keys()].sort()).toEqual(contributed);
    const views = pkg.contributes.views.activationInspector as { id: string; type?: string }[];
    expect([...fake.viewProviders.keys()]).toEqual(views.filter((v) => v.type === 'webview').map((v) => v.id));
    expect([...fake.treeViews.keys()].sort()).toEqual(views.filter((v) => v.type !== 'webview').map((v) => v.id).sort());
    // The analysis hover and the comparison's.
    expect(fake.hoverProviders).toHaveLength(2);
    expect(api.model.state.kind).toBe('idle');
    expect(requested).not.toContain('onnxruntime-node');
    expect(requested.filter((r) => r.includes('worker'))).toEqual([]);
  });
});
