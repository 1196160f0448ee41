// The results of "Find Feature in Workspace" as a tree, like search results: one node per file (its
// strongest activation first), under it one per occurrence with its line number, a snippet with the
// token marked, and the activation. Choosing one opens the file with the token selected.
import * as vscode from 'vscode';
import { lineStarts, PER_FILE_BOUND } from '../../featureIndex';
import type { WorkspaceOccurrence } from './workspaceIndex';
import { readWorkspaceText } from './readText';

export const RESULTS_VIEW_ID = 'activationInspector.featureResults';
export const OPEN_RESULT_COMMAND = 'activationInspector.openFeatureResult';

type Node = { kind: 'file'; uri: vscode.Uri; label: string; items: WorkspaceOccurrence[] } | { kind: 'hit'; hit: WorkspaceOccurrence };

export interface ResultsTitle {
  hook: string;
  feature: number;
  label?: string;
}

/** Groups occurrences by file, files ordered by their strongest occurrence. Pure. */
export function groupByFile(hits: readonly WorkspaceOccurrence[]): { uri: vscode.Uri; items: WorkspaceOccurrence[] }[] {
  const groups = new Map<string, { uri: vscode.Uri; items: WorkspaceOccurrence[] }>();
  for (const h of hits) {
    const k = h.uri.toString();
    if (!groups.has(k)) groups.set(k, { uri: h.uri, items: [] });
    groups.get(k)!.items.push(h);
  }
  return [...groups.values()];
}

export class FeatureResultsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private roots: Node[] = [];
  private readonly snippets = new Map<string, Promise<string[] | null>>();
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<Node>;

  constructor(private readonly maxDocumentSize: () => number) {
    this.view = vscode.window.createTreeView(RESULTS_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
  }

  /** The results shown now (tests read them). */
  get occurrences(): WorkspaceOccurrence[] {
    return this.roots.flatMap((r) => (r.kind === 'file' ? r.items : []));
  }

  async show(title: ResultsTitle, hits: readonly WorkspaceOccurrence[], files: number, cancelled: boolean): Promise<void> {
    this.snippets.clear();
    this.roots = groupByFile(hits).map((g) => ({ kind: 'file', uri: g.uri, label: vscode.workspace.asRelativePath(g.uri), items: g.items }));
    const name = `#${title.feature}${title.label ? ` ${title.label}` : ''} (${title.hook})`;
    this.view.title = `Feature ${name}`;
    this.view.message = hits.length
      ? `${hits.length} place${hits.length === 1 ? '' : 's'} in ${this.roots.length} of ${files} indexed files, strongest first (at most the ${PER_FILE_BOUND} strongest per file are kept)${cancelled ? '; indexing was cancelled, so some files are missing' : ''}.`
      : `Feature ${name} fires nowhere in the ${files} indexed files${cancelled ? ' (indexing was cancelled)' : ''}.`;
    this.changed.fire(undefined);
    await vscode.commands.executeCommand(`${RESULTS_VIEW_ID}.focus`);
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.roots;
    return node.kind === 'file' ? node.items.map((hit) => ({ kind: 'hit', hit })) : [];
  }

  async getTreeItem(node: Node): Promise<vscode.TreeItem> {
    if (node.kind === 'file') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.resourceUri = node.uri;
      item.description = `${node.items.length}`;
      item.iconPath = vscode.ThemeIcon.File;
      return item;
    }
    const { hit } = node;
    const lines = await this.linesOf(hit.uri);
    const text = lines?.[hit.line - 1] ?? '';
    const indent = text.length - text.trimStart().length;
    const snippet = text.trim().slice(0, 200);
    const startInLine = Math.max(0, hit.start - (this.lineStartOffset(lines, hit.line) + indent));
    const label: vscode.TreeItemLabel = { label: snippet || '(token)', highlights: snippet ? [[Math.min(startInLine, snippet.length), Math.min(startInLine + hit.end - hit.start, snippet.length)]] : [] };
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.description = `line ${hit.line} · ${hit.activation.toFixed(2)}`;
    item.tooltip = `${vscode.workspace.asRelativePath(hit.uri)}:${hit.line} — activation ${hit.activation.toFixed(3)}`;
    item.accessibilityInformation = { label: `line ${hit.line}, activation ${hit.activation.toFixed(2)}: ${snippet}` };
    item.command = { command: OPEN_RESULT_COMMAND, title: 'Open', arguments: [hit] };
    return item;
  }

  private lineStartOffset(lines: string[] | null, line: number): number {
    if (!lines) return 0;
    let offset = 0;
    for (let i = 0; i < line - 1; i++) offset += lines[i].length + 1;
    return offset;
  }

  private linesOf(uri: vscode.Uri): Promise<string[] | null> {
    const k = uri.toString();
    if (!this.snippets.has(k)) {
      this.snippets.set(k, readWorkspaceText(uri, this.maxDocumentSize()).then((t) => {
        if (t === null) return null;
        const starts = lineStarts(t);
        return starts.map((s, i) => t.slice(s, (starts[i + 1] ?? t.length + 1) - 1));
      }));
    }
    return this.snippets.get(k)!;
  }

  dispose(): void {
    this.view.dispose();
    this.changed.dispose();
  }
}

/** Opens the file of an occurrence with its token selected and in view. */
export async function openOccurrence(hit: WorkspaceOccurrence): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(hit.uri);
  const range = new vscode.Range(doc.positionAt(hit.start), doc.positionAt(hit.end));
  return vscode.window.showTextDocument(doc, { selection: range, preview: true });
}
