// The inspector beside the editor: a webview panel in the next editor column (as Markdown's preview
// opens), driven by its own InspectorViewProvider, the same host as the bottom panel's view. Restored
// after a window reload by a WebviewPanelSerializer; the page keeps its own state (selection, open
// sections) through the webview state API, which VS Code hands back on restore.
import * as vscode from 'vscode';
import { InspectorViewProvider, type InspectorDeps } from './inspectorViewProvider';
import { inspectorWebviewOptions, panelSurface } from './inspectorSurface';

export const SIDE_PANEL_VIEW_TYPE = 'activationInspector.inspectorPanel';
const TITLE = 'Activation Inspector';

export class InspectorSidePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private host: InspectorViewProvider | undefined;
  private readonly registration: vscode.Disposable;

  constructor(private readonly deps: InspectorDeps) {
    this.registration = vscode.window.registerWebviewPanelSerializer(SIDE_PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => {
        panel.webview.options = inspectorWebviewOptions(deps.extensionUri);
        this.adopt(panel);
      },
    });
  }

  /** The host of the open panel (tests and the commands that act on "the inspector"). */
  get inspector(): InspectorViewProvider | undefined {
    return this.host;
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Opens the panel beside the active editor (or shows it where it is) and returns its host. */
  open(): InspectorViewProvider {
    if (this.panel && this.host) {
      this.panel.reveal(undefined, true);
      return this.host;
    }
    const panel = vscode.window.createWebviewPanel(
      SIDE_PANEL_VIEW_TYPE,
      TITLE,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      inspectorWebviewOptions(this.deps.extensionUri),
    );
    return this.adopt(panel);
  }

  private adopt(panel: vscode.WebviewPanel): InspectorViewProvider {
    this.host?.dispose();
    this.panel?.dispose();
    panel.title = TITLE;
    panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'icons', 'inspector.svg');
    const host = new InspectorViewProvider(this.deps, { reveal: async () => panel.reveal(undefined, true) });
    host.attach(panelSurface(panel));
    this.panel = panel;
    this.host = host;
    panel.onDidDispose(() => {
      if (this.panel !== panel) return;
      host.dispose();
      this.panel = undefined;
      this.host = undefined;
    });
    return host;
  }

  dispose(): void {
    this.registration.dispose();
    this.host?.dispose();
    this.panel?.dispose();
  }
}
