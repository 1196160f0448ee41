// Text editor decoration types made on first use, one per key (a colour bucket, an attention level, a
// comparison bin), and disposed together: a key never drawn with costs nothing, and one that was drawn
// with is known, so clearing can skip the rest.
import * as vscode from 'vscode';

export class DecorationTypes<K> implements vscode.Disposable {
  private readonly types = new Map<K, vscode.TextEditorDecorationType>();

  constructor(private readonly optionsFor: (key: K) => vscode.DecorationRenderOptions) {}

  /** True once the type of `key` exists (something may have been drawn with it). */
  has(key: K): boolean {
    return this.types.has(key);
  }

  get(key: K): vscode.TextEditorDecorationType {
    let type = this.types.get(key);
    if (!type) {
      type = vscode.window.createTextEditorDecorationType(this.optionsFor(key));
      this.types.set(key, type);
    }
    return type;
  }

  /** Every type made so far. */
  made(): IterableIterator<vscode.TextEditorDecorationType> {
    return this.types.values();
  }

  dispose(): void {
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
  }
}
