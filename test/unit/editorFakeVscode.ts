// A small fake of the `vscode` module for fast unit tests of the editor layer (the real editor is
// exercised by test/e2e in code-server). Tests do:
//   vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
// and drive it through `fake` (documents, editors, configuration, dialog answers).

import type { ToWebviewMessage } from '../../src/protocol';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Disposable {
  constructor(private readonly fn: () => void) {}
  static from(...ds: { dispose(): unknown }[]) {
    return new Disposable(() => ds.forEach((d) => d.dispose()));
  }
  dispose() {
    this.fn();
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly path: string) {}
  static file(p: string) {
    return new Uri('file', p.replace(/\\/g, '/'));
  }
  static parse(s: string) {
    const m = /^([a-z-]+):(?:\/\/)?(.*)$/.exec(s);
    return m ? new Uri(m[1]!, m[2]!.startsWith('/') ? m[2]! : `/${m[2]}`) : Uri.file(s);
  }
  static from(parts: { scheme: string; path: string }) {
    return new Uri(parts.scheme, parts.path);
  }
  static joinPath(base: Uri, ...parts: string[]) {
    return new Uri(base.scheme, [base.path.replace(/\/$/, ''), ...parts].join('/'));
  }
  get fsPath() {
    return this.path;
  }
  toString() {
    return `${this.scheme}://${this.path}`;
  }
}

export class Position {
  constructor(readonly line: number, readonly character: number) {}
}
export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c!, d!) : (b as Position);
  }
  get isEmpty() {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}
export class Selection extends Range {
  constructor(readonly anchor: Position, readonly active: Position) {
    super(anchor, active);
  }
}
export class MarkdownString {
  isTrusted: unknown = false;
  supportHtml = false;
  constructor(public value = '') {}
}
export class Hover {
  constructor(readonly contents: MarkdownString, readonly range?: Range) {}
}
export class ThemeColor {
  constructor(readonly id: string) {}
}
export const StatusBarAlignment = { Left: 1, Right: 2 };
export const ProgressLocation = { SourceControl: 1, Window: 10, Notification: 15 };
export const ConfigurationTarget = { Global: 1, Workspace: 2, WorkspaceFolder: 3 };
export const DecorationRangeBehavior = { OpenOpen: 0, ClosedClosed: 1, OpenClosed: 2, ClosedOpen: 3 };
export const TextEditorRevealType = { Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 };

export class FakeDocument {
  version = 1;
  isClosed = false;
  constructor(readonly uri: Uri, private text: string, readonly languageId = 'python') {}
  getText() {
    return this.text;
  }
  get lineCount() {
    return this.text.split('\n').length;
  }
  offsetAt(p: Position): number {
    const lines = this.text.split('\n');
    let off = 0;
    for (let i = 0; i < p.line && i < lines.length; i++) off += lines[i]!.length + 1;
    return Math.min(this.text.length, off + Math.min(p.character, lines[p.line]?.length ?? 0));
  }
  positionAt(offset: number): Position {
    const before = this.text.slice(0, Math.max(0, Math.min(offset, this.text.length)));
    const lines = before.split('\n');
    return new Position(lines.length - 1, lines[lines.length - 1]!.length);
  }
  /** Replaces [offset, offset + deleteCount) with `insert`, bumps the version, fires the change event. */
  edit(offset: number, deleteCount: number, insert: string) {
    this.text = this.text.slice(0, offset) + insert + this.text.slice(offset + deleteCount);
    this.version++;
    fake.events.changeDocument.fire({ document: this, contentChanges: [{ rangeOffset: offset, rangeLength: deleteCount, text: insert }] });
  }
}

export class FakeEditor {
  selection: Selection = new Selection(new Position(0, 0), new Position(0, 0));
  readonly decorations = new Map<unknown, Range[]>();
  revealed: Range | undefined;
  constructor(readonly document: FakeDocument) {}
  setDecorations(type: unknown, ranges: Range[]) {
    this.decorations.set(type, ranges);
  }
  revealRange(r: Range) {
    this.revealed = r;
  }
  /** Moves the cursor and fires the selection event. */
  moveCursor(offset: number) {
    const p = this.document.positionAt(offset);
    this.selection = new Selection(p, p);
    fake.events.changeSelection.fire({ textEditor: this, selections: [this.selection] });
  }
}

/** The part of a webview view provider the fake drives. */
export type FakeViewProvider = { resolveWebviewView(view: unknown): unknown };

export class FakeWebview {
  html = '';
  options: unknown = {};
  cspSource = 'vscode-webview://fake';
  /** What the host posted to the panel (the host is trusted to post only protocol messages). */
  readonly posted: ToWebviewMessage[] = [];
  readonly receive = new EventEmitter<unknown>();
  onDidReceiveMessage = this.receive.event;
  asWebviewUri(u: Uri) {
    return Uri.from({ scheme: 'vscode-webview-resource', path: u.path });
  }
  async postMessage(m: unknown) {
    this.posted.push(m as ToWebviewMessage);
    return true;
  }
}

export class FakeWebviewView {
  readonly webview = new FakeWebview();
  private readonly disposeEmitter = new EventEmitter<void>();
  onDidDispose = this.disposeEmitter.event;
  private readonly visibilityEmitter = new EventEmitter<void>();
  onDidChangeVisibility = this.visibilityEmitter.event;
  visible = true;
  setVisible(v: boolean) {
    this.visible = v;
    this.visibilityEmitter.fire();
  }
}

/** A webview panel in the editor area (the inspector beside the editor). */
export class FakeWebviewPanel extends FakeWebviewView {
  title = '';
  iconPath: unknown;
  private readonly viewStateEmitter = new EventEmitter<void>();
  onDidChangeViewState = this.viewStateEmitter.event;
  revealed = 0;
  constructor(readonly viewType: string, readonly column: unknown) {
    super();
  }
  reveal() {
    this.revealed++;
  }
  dispose() {
    (this as unknown as { disposeEmitter: EventEmitter<void> }).disposeEmitter.fire();
  }
}

function freshState() {
  return {
    config: new Map<string, unknown>(),
    workspaceConfig: new Map<string, unknown>(),
    configWrites: [] as { key: string; value: unknown; target: 'workspace' | 'global' }[],
    documents: [] as FakeDocument[],
    editors: [] as FakeEditor[],
    active: undefined as FakeEditor | undefined,
    commands: new Map<string, (...a: unknown[]) => unknown>(),
    executed: [] as { name: string; args: unknown[] }[],
    hoverProviders: [] as { selector: unknown; provider: unknown }[],
    viewProviders: new Map<string, FakeViewProvider>(),
    treeViews: new Map<string, { title?: string; message?: string; provider: unknown }>(),
    webviewPanels: [] as FakeWebviewPanel[],
    panelSerializers: new Map<string, unknown>(),
    messages: [] as { level: string; text: string }[],
    log: [] as string[],
    statusItems: [] as { text: string; visible: boolean }[],
    /** Answers for the next showQuickPick/showSaveDialog/showOpenDialog calls (a function picks from the items). */
    answers: [] as unknown[],
    progress: [] as { location: number; title?: string }[],
    events: {
      changeDocument: new EventEmitter<unknown>(),
      closeDocument: new EventEmitter<unknown>(),
      openDocument: new EventEmitter<unknown>(),
      visibleEditors: new EventEmitter<unknown>(),
      visibleRanges: new EventEmitter<unknown>(),
      activeEditor: new EventEmitter<unknown>(),
      changeSelection: new EventEmitter<unknown>(),
      configuration: new EventEmitter<unknown>(),
    },
    isTrusted: true,
    /** Cancellable progress notifications get their Cancel button pressed. */
    pressCancel: false,
    workspaceFolders: undefined as { uri: Uri }[] | undefined,
  };
}

export const fake = Object.assign(freshState(), {
  reset() {
    Object.assign(fake, freshState());
  },
  /** Opens a document in a visible, active editor. */
  open(path: string, text: string, languageId = 'python'): { doc: FakeDocument; editor: FakeEditor } {
    const doc = new FakeDocument(Uri.file(path), text, languageId);
    const editor = new FakeEditor(doc);
    fake.documents.push(doc);
    fake.editors.push(editor);
    fake.active = editor;
    fake.events.openDocument.fire(doc);
    fake.events.visibleEditors.fire(fake.editors);
    fake.events.activeEditor.fire(editor);
    return { doc, editor };
  },
  close(doc: FakeDocument) {
    doc.isClosed = true;
    fake.documents = fake.documents.filter((d) => d !== doc);
    fake.editors = fake.editors.filter((e) => e.document !== doc);
    if (fake.active?.document === doc) fake.active = fake.editors[0];
    fake.events.visibleEditors.fire(fake.editors);
    fake.events.closeDocument.fire(doc);
  },
  setConfig(values: Record<string, unknown>) {
    for (const [k, v] of Object.entries(values)) fake.config.set(k, v);
    fake.events.configuration.fire({ affectsConfiguration: (s: string) => Object.keys(values).some((k) => k.startsWith(s) || s.startsWith(k.split('.')[0]!)) });
  },
  async runCommand(name: string, ...args: unknown[]) {
    const fn = fake.commands.get(name);
    if (!fn) throw new Error(`command ${name} not registered`);
    return fn(...args);
  },
});

function nextAnswer<T>(items?: T[]): unknown {
  const a = fake.answers.shift();
  return typeof a === 'function' ? (a as (i: T[] | undefined) => unknown)(items) : a;
}

/** The module object `vscode` resolves to in tests. */
export function vscodeModule() {
  return {
    EventEmitter,
    Disposable,
    Uri,
    Position,
    Range,
    Selection,
    MarkdownString,
    Hover,
    ThemeColor,
    StatusBarAlignment,
    ProgressLocation,
    ConfigurationTarget,
    DecorationRangeBehavior,
    TextEditorRevealType,
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    TreeItem: class {
      constructor(readonly label: unknown, readonly collapsibleState?: number) {}
    },
    ThemeIcon: Object.assign(class {
      constructor(readonly id: string) {}
    }, { File: { id: 'file' } }),
    extensions: { getExtension: () => undefined },
    window: {
      get activeTextEditor() {
        return fake.active;
      },
      get visibleTextEditors() {
        return fake.editors;
      },
      onDidChangeVisibleTextEditors: (l: Listener<unknown>) => fake.events.visibleEditors.event(l),
      onDidChangeActiveTextEditor: (l: Listener<unknown>) => fake.events.activeEditor.event(l),
      onDidChangeTextEditorSelection: (l: Listener<unknown>) => fake.events.changeSelection.event(l),
      onDidChangeTextEditorVisibleRanges: (l: Listener<unknown>) => fake.events.visibleRanges.event(l),
      createTreeView: (id: string, options: { treeDataProvider: unknown }) => {
        const view = { title: undefined as string | undefined, message: undefined as string | undefined, provider: options.treeDataProvider, dispose() {} };
        fake.treeViews.set(id, view);
        return view;
      },
      createWebviewPanel: (viewType: string, _title: string, column: unknown) => {
        const panel = new FakeWebviewPanel(viewType, column);
        fake.webviewPanels.push(panel);
        return panel;
      },
      registerWebviewPanelSerializer: (viewType: string, serializer: unknown) => {
        fake.panelSerializers.set(viewType, serializer);
        return { dispose: () => fake.panelSerializers.delete(viewType) };
      },
      createStatusBarItem: () => {
        const item = { text: '', tooltip: '', command: '', name: '', backgroundColor: undefined, visible: false, show() { item.visible = true; }, hide() { item.visible = false; }, dispose() {} };
        fake.statusItems.push(item);
        return item;
      },
      createOutputChannel: () => {
        const line = (level: string) => (s: string) => fake.log.push(`${level} ${s}`);
        return { info: line('info'), warn: line('warn'), error: line('error'), debug: line('debug'), trace: line('trace'), appendLine: line('line'), show() {}, dispose() {} };
      },
      createTextEditorDecorationType: (options: unknown) => ({ options, dispose() {} }),
      withProgress: async (options: { location: number; title?: string; cancellable?: boolean }, task: (p: unknown, t: unknown) => unknown) => {
        fake.progress.push(options);
        const cancel = options.cancellable && fake.pressCancel;
        const token = {
          isCancellationRequested: false,
          onCancellationRequested: (l: () => void) => {
            if (cancel) setTimeout(l, 0); // the person presses Cancel right away
            return { dispose() {} };
          },
        };
        return task({ report() {} }, token);
      },
      showQuickPick: async (items: unknown) => nextAnswer(await items as unknown[]),
      showSaveDialog: async () => nextAnswer(),
      showOpenDialog: async () => nextAnswer(),
      showInformationMessage: async (text: string) => void fake.messages.push({ level: 'info', text }),
      showWarningMessage: async (text: string) => void fake.messages.push({ level: 'warning', text }),
      showErrorMessage: async (text: string) => void fake.messages.push({ level: 'error', text }),
      registerWebviewViewProvider: (id: string, provider: FakeViewProvider) => {
        fake.viewProviders.set(id, provider);
        return { dispose() {} };
      },
    },
    workspace: {
      get textDocuments() {
        return fake.documents;
      },
      get workspaceFolders() {
        return fake.workspaceFolders;
      },
      get isTrusted() {
        return fake.isTrusted;
      },
      getConfiguration: (section: string) => ({
        get: (k: string, d?: unknown) => fake.config.get(`${section}.${k}`) ?? d,
        inspect: (k: string) => ({ key: `${section}.${k}`, globalValue: fake.config.get(`${section}.${k}`), workspaceValue: fake.workspaceConfig.get(`${section}.${k}`) }),
        // A workspace value shadows the user's: a write to the user's settings then changes nothing.
        update: async (k: string, v: unknown, target?: number) => {
          const key = `${section}.${k}`;
          fake.configWrites.push({ key, value: v, target: target === ConfigurationTarget.Workspace ? 'workspace' : 'global' });
          if (target === ConfigurationTarget.Workspace) fake.workspaceConfig.set(key, v);
          else if (fake.workspaceConfig.has(key)) return;
          fake.setConfig({ [key]: v });
        },
      }),
      onDidChangeConfiguration: (l: Listener<unknown>) => fake.events.configuration.event(l),
      onDidChangeTextDocument: (l: Listener<unknown>) => fake.events.changeDocument.event(l),
      onDidCloseTextDocument: (l: Listener<unknown>) => fake.events.closeDocument.event(l),
      onDidOpenTextDocument: (l: Listener<unknown>) => fake.events.openDocument.event(l),
    },
    languages: {
      registerHoverProvider: (selector: unknown, provider: unknown) => {
        fake.hoverProviders.push({ selector, provider });
        return { dispose() {} };
      },
    },
    commands: {
      registerCommand: (name: string, fn: (...a: unknown[]) => unknown) => {
        fake.commands.set(name, fn);
        return { dispose: () => fake.commands.delete(name) };
      },
      executeCommand: async (name: string, ...args: unknown[]) => {
        fake.executed.push({ name, args });
        const fn = fake.commands.get(name);
        return fn ? fn(...args) : undefined;
      },
    },
  };
}
