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

/**
 * The text editor an inspector follows: the active one; while a webview beside it has the focus (no
 * active text editor), the last active one as long as it is still visible.
 */
export class FollowedEditor implements vscode.Disposable {
  private last: vscode.TextEditor | undefined = vscode.window.activeTextEditor;
  private readonly subscription = vscode.window.onDidChangeActiveTextEditor((e) => {
    if (e) this.last = e;
  });

  get editor(): vscode.TextEditor | undefined {
    const active = vscode.window.activeTextEditor;
    if (active) return active;
    const last = this.last;
    return last && vscode.window.visibleTextEditors.some((e) => e.document === last.document) ? last : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
