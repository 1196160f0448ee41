// A comparison of the active document with another version, shown three ways: a diverging heat map
// on the document (more likely: one colour, less likely: another; inserted text underlined), the list
// of the biggest changes (choose one to reveal it), and a hover line ("was p 0.41, now 0.02"). It
// belongs to one document version: any edit clears it, so a stale comparison is never shown.
import * as vscode from 'vscode';
import type { Comparison, TokenDelta } from '../../engine';
import { DecorationTypes } from '../decorations/decorationTypes';
import { key } from '../document/documentKey';
import { changeLabel, deltaBin, deltaColorId, deltaSentence, featureChangeLines, INSERTED_COLOR_ID, type DeltaBin } from './present';

export const COMPARISON_VIEW_ID = 'activationInspector.comparison';
export const REVEAL_CHANGE_COMMAND = 'activationInspector.revealComparisonToken';
const LISTED = 50;
const BINS: DeltaBin[] = [-3, -2, -1, 1, 2, 3];

export interface ActiveComparison {
  uri: vscode.Uri;
  docKey: string;
  version: number;
  /** "saved", "git HEAD", "snapshot x.json". */
  label: string;
  comparison: Comparison;
  /** The matched tokens whose probability changed most, largest first (engine biggestChanges). */
  biggest: TokenDelta[];
}

/** The token of B covering `offset` (binary search; tokens are in order). Pure. */
export function deltaAt(tokens: readonly TokenDelta[], offset: number): TokenDelta | undefined {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid];
    if (offset < t.start) hi = mid - 1;
    else if (offset >= t.end) lo = mid + 1;
    else return t;
  }
  return undefined;
}

export class ComparisonView implements vscode.TreeDataProvider<TokenDelta>, vscode.HoverProvider, vscode.Disposable {
  private current: ActiveComparison | undefined;
  /** Per theme colour id: the inserted tokens' underline, or a bin's background. */
  private readonly types = new DecorationTypes<string>((colorId) =>
    colorId === INSERTED_COLOR_ID
      ? { borderWidth: '0 0 1px 0', borderStyle: 'dashed', borderColor: new vscode.ThemeColor(colorId) }
      : { backgroundColor: new vscode.ThemeColor(colorId), rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed },
  );
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<TokenDelta>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly activeChanged = new vscode.EventEmitter<ActiveComparison | undefined>();
  /** A comparison was shown or cleared (the inspectors colour their token strips by it). */
  readonly onDidChangeActive = this.activeChanged.event;

  constructor() {
    this.view = vscode.window.createTreeView(COMPARISON_VIEW_ID, { treeDataProvider: this });
    this.view.message = 'Run Compare with Saved, Compare with Git HEAD or Compare with Snapshot... on a document.';
    this.disposables.push(
      this.view,
      this.changed,
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.current && e.contentChanges.length && key(e.document) === this.current.docKey) this.clear('The document changed: run the comparison again.');
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.draw()),
      vscode.commands.registerCommand(REVEAL_CHANGE_COMMAND, (t: TokenDelta) => this.reveal(t)),
    );
  }

  /** The comparison shown now (tests read it). */
  get active(): ActiveComparison | undefined {
    return this.current;
  }

  async show(c: ActiveComparison): Promise<void> {
    this.current = c;
    const { comparison: cmp } = c;
    const changed = cmp.tokens.filter((t) => deltaBin(t.deltaLogprob) !== 0).length;
    this.view.title = `Compared with ${c.label}`;
    this.view.message =
      `${vscode.workspace.asRelativePath(c.uri)} against ${c.label}: ${cmp.matched} of ${cmp.tokens.length} tokens matched, ` +
      `${cmp.tokens.length - cmp.matched} in new or changed text, ${cmp.deletedInA.length} deleted span(s); ${changed} changed by half a bit or more. Biggest changes first:`;
    this.changed.fire(undefined);
    this.draw();
    this.activeChanged.fire(c);
    await vscode.commands.executeCommand(`${COMPARISON_VIEW_ID}.focus`);
  }

  clear(message = 'No comparison.'): void {
    const had = this.current;
    this.current = undefined;
    if (had) this.activeChanged.fire(undefined);
    this.view.message = message;
    this.changed.fire(undefined);
    for (const editor of vscode.window.visibleTextEditors) for (const t of this.types.made()) editor.setDecorations(t, []);
  }

  getChildren(node?: TokenDelta): TokenDelta[] {
    return node || !this.current ? [] : this.current.biggest.slice(0, LISTED);
  }

  getTreeItem(t: TokenDelta): vscode.TreeItem {
    const item = new vscode.TreeItem(changeLabel(t), vscode.TreeItemCollapsibleState.None);
    const doc = vscode.workspace.textDocuments.find((d) => key(d) === this.current?.docKey);
    if (doc) item.description = `line ${doc.positionAt(t.start).line + 1}`;
    item.tooltip = [deltaSentence(t), ...featureChangeLines(t)].join('\n');
    item.iconPath = new vscode.ThemeIcon((t.deltaLogprob ?? 0) > 0 ? 'arrow-up' : 'arrow-down');
    item.command = { command: REVEAL_CHANGE_COMMAND, title: 'Reveal', arguments: [t] };
    return item;
  }

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const c = this.current;
    if (!c || key(doc) !== c.docKey || doc.version !== c.version) return undefined;
    const t = deltaAt(c.comparison.tokens, doc.offsetAt(position));
    if (!t) return undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Compared with ${c.label}:** `);
    md.appendText(deltaSentence(t));
    for (const line of featureChangeLines(t)) {
      md.appendMarkdown('\n\n- ');
      md.appendText(line);
    }
    return new vscode.Hover(md, new vscode.Range(doc.positionAt(t.start), doc.positionAt(t.end)));
  }

  private async reveal(t: TokenDelta): Promise<void> {
    const c = this.current;
    if (!c) return;
    const doc = await vscode.workspace.openTextDocument(c.uri);
    const range = new vscode.Range(doc.positionAt(t.start), doc.positionAt(t.end));
    const column = vscode.window.visibleTextEditors.find((e) => e.document === doc)?.viewColumn;
    await vscode.window.showTextDocument(doc, { selection: range, viewColumn: column, preserveFocus: false });
  }

  private draw(): void {
    const c = this.current;
    if (!c) return;
    for (const editor of vscode.window.visibleTextEditors) {
      if (key(editor.document) !== c.docKey || editor.document.version !== c.version) continue;
      const doc = editor.document;
      const byColor = new Map<string, vscode.Range[]>([[INSERTED_COLOR_ID, []], ...BINS.map((b) => [deltaColorId(b)!, []] as [string, vscode.Range[]])]);
      for (const t of c.comparison.tokens) {
        const id = t.matched ? deltaColorId(deltaBin(t.deltaLogprob)) : INSERTED_COLOR_ID;
        if (id && t.end > t.start) byColor.get(id)!.push(new vscode.Range(doc.positionAt(t.start), doc.positionAt(t.end)));
      }
      for (const [id, ranges] of byColor) editor.setDecorations(this.types.get(id), ranges);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.types.dispose();
    this.activeChanged.dispose();
  }
}
