// Where an inspector page lives. The same host (InspectorViewProvider) drives the bottom panel's webview
// view and the webview panel beside the editor; this module is the small difference between the two:
// how each is set up, shown, hidden and closed, and which text editor the inspector follows while a
// webview beside the editor has the focus (VS Code then reports no active text editor).
import * as vscode from 'vscode';
import { makeNonce, panelHtml } from './html';

export interface InspectorSurface {
  readonly webview: vscode.Webview;
  readonly visible: boolean;
  onDidChangeVisibility(listener: () => void): vscode.Disposable;
  onDidDispose(listener: () => void): vscode.Disposable;
}

export function viewSurface(view: vscode.WebviewView): InspectorSurface {
  return {
    webview: view.webview,
    get visible() {
      return view.visible;
    },
    onDidChangeVisibility: (l) => view.onDidChangeVisibility(l),
    onDidDispose: (l) => view.onDidDispose(l),
  };
}

export function panelSurface(panel: vscode.WebviewPanel): InspectorSurface {
  return {
    webview: panel.webview,
    get visible() {
      return panel.visible;
    },
    onDidChangeVisibility: (l) => panel.onDidChangeViewState(l),
    onDidDispose: (l) => panel.onDidDispose(l),
  };
}

/** Options every inspector webview runs with: scripts, no command links, only dist/ readable. */
export function inspectorWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
}

/** Sets up the page: options and the CSP'd HTML shell with a fresh nonce. */
export function loadInspectorPage(webview: vscode.Webview, extensionUri: vscode.Uri): void {
  const dist = vscode.Uri.joinPath(extensionUri, 'dist');
  webview.options = inspectorWebviewOptions(extensionUri);
  webview.html = panelHtml({
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
    nonce: makeNonce(),
  });
}

/** What an inspector hears from the editor it follows. */
export interface FollowedEditorEvents {
  /** Another text editor is followed now (or none). */
  switched(): void;
  /** The cursor or selection moved in the followed editor. */
  cursorMoved(editor: vscode.TextEditor): void;
}

/**
 * The text editor an inspector follows: the active one; while a webview beside it has the focus (no
 * active text editor), the last active one as long as it is still visible.
 */
export class FollowedEditor implements vscode.Disposable {
  private last: vscode.TextEditor | undefined = vscode.window.activeTextEditor;
  private readonly subscriptions: vscode.Disposable[];

  constructor(events: FollowedEditorEvents) {
    this.subscriptions = [
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e) this.last = e;
        // Focus moved to a webview beside the editor: keep following the editor that had it.
        else if (this.editor) return;
        events.switched();
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor === this.editor) events.cursorMoved(e.textEditor);
      }),
    ];
  }

  get editor(): vscode.TextEditor | undefined {
    const active = vscode.window.activeTextEditor;
    if (active) return active;
    const last = this.last;
    return last && vscode.window.visibleTextEditors.some((e) => e.document === last.document) ? last : undefined;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
