// The host's side of the panel's feature edits and continuations, in the VS Code layer: adds and
// removes edits asked for from the panel (the feature card, the edit list), keeps the panel's edit list
// and edit effect in step with the editor (editAnswers.ts builds the messages), and answers
// continuation and insert requests. The inspector shell hands it each message it posts, so the
// effect always follows the analysis window and the selection the panel has.
import * as vscode from 'vscode';
import { key } from '../editor/document/documentKey';
import { describeEdit, featureEdit } from '../editor/edits/editSession';
import { type FeatureEditing, insertContinuation } from '../editor/edits/featureEditing';
import { COMMANDS } from '../shared/commands';
import { describeError } from '../editor/model/modelHost';
import type { EditFromWebviewMessage, ToWebviewMessage } from '../protocol';
import { buildContinuationMessage, buildEditedSelection, buildEditsMessage, type StripWindow } from './editAnswers';
import type { PanelMessageHandlers } from './messageRouter';

type EditHandlers = Pick<PanelMessageHandlers, EditFromWebviewMessage['type']>;

export interface PanelEditsDeps {
  /** Absent: the extension runs without edits (tests of other parts). */
  editing?: FeatureEditing;
  /** The document the panel follows. */
  document: () => vscode.TextDocument | undefined;
  /** A snapshot is shown: edits and continuations are for live documents only. */
  showingSnapshot: () => boolean;
  topK: () => number;
  post: (m: ToWebviewMessage) => void;
  /** Whether the panel's page is there to receive a message now. */
  canPost: () => boolean;
  /** Reports to the user (the panel's error line). */
  warn: (message: string) => void;
}

export class PanelEdits implements vscode.Disposable {
  private window: StripWindow | undefined;
  private selected: number | null = null;
  /** "What would the model write here?" asked before the panel was ready: shown once it is. */
  private showRequested = false;
  private readonly subscription: vscode.Disposable | undefined;

  constructor(private readonly deps: PanelEditsDeps) {
    this.subscription = deps.editing?.onDidChange((docKey) => {
      const doc = deps.document();
      if (doc && key(doc) === docKey) this.push();
    });
  }

  handlers(): EditHandlers {
    return {
      addEdit: (m) => {
        const doc = this.liveDocument();
        if (!doc || !this.deps.editing) return;
        // "Token": the one the panel shows (arrow keys in the strip select without moving the cursor).
        const added = this.deps.editing.add(doc, (range) => featureEdit(m.hook, m.feature, m.op, m.amount, range), m.scope, undefined, this.selected ?? undefined);
        if (typeof added === 'string') this.deps.warn(`Edit not added: ${added}`);
        else void vscode.commands.executeCommand(COMMANDS.showEditEffect, { on: true });
      },
      removeEdit: (m) => {
        const doc = this.liveDocument();
        if (doc) this.deps.editing?.sessions.remove(key(doc), m.id);
      },
      clearEdits: () => {
        const doc = this.liveDocument();
        if (doc) this.deps.editing?.sessions.clear(key(doc));
      },
      requestContinuation: (m) => this.continueAt(m),
      insertContinuation: (m) => this.insert(m.requestId, m.which),
    };
  }

  /** Called with every message the shell posts: a new window or selection gets its edited data. */
  posted(m: ToWebviewMessage): void {
    if (m.type === 'analysis') {
      this.window = { firstIndex: m.firstIndex, count: m.tokens.length };
      this.push();
    } else if (m.type === 'selection') {
      this.selected = m.index;
      this.pushSelection();
    } else if (m.type === 'init') {
      this.push();
      if (this.showRequested) this.deps.post({ type: 'showContinuation' });
      this.showRequested = false;
    } else if (m.type === 'clear') {
      this.window = undefined;
      this.selected = null;
    }
  }

  /** Opens the panel's continuation section, which asks for a continuation from the cursor. */
  showContinuation(): void {
    if (this.deps.canPost()) this.deps.post({ type: 'showContinuation' });
    else this.showRequested = true;
  }

  /** Sends the followed document's edit list and effect (and the selected token's before/after). */
  push(): void {
    const editing = this.deps.editing;
    const doc = this.liveDocument();
    if (!editing) return;
    const docKey = doc ? key(doc) : '';
    const run = doc ? editing.effects.get(docKey, doc.version) : undefined;
    const edits = doc ? editing.sessions.list(docKey) : [];
    this.deps.post(buildEditsMessage(doc ? { docUri: docKey, version: doc.version } : null, edits, editing.sessions.key(docKey), run, this.window));
    this.pushSelection();
  }

  private pushSelection(): void {
    const doc = this.liveDocument();
    const editing = this.deps.editing;
    if (!doc || !editing || this.selected === null) return;
    const docKey = key(doc);
    const result = editing.effects.result(docKey, doc.version);
    if (!result) return;
    const msg = buildEditedSelection(docKey, doc.version, editing.sessions.key(docKey), result, this.selected, this.deps.topK());
    if (msg) this.deps.post(msg);
  }

  private liveDocument(): vscode.TextDocument | undefined {
    return this.deps.showingSnapshot() ? undefined : this.deps.document();
  }

  private async continueAt(m: Extract<EditFromWebviewMessage, { type: 'requestContinuation' }>): Promise<void> {
    const doc = this.liveDocument();
    const editing = this.deps.editing;
    if (!doc || !editing) return;
    const docKey = key(doc);
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    const offset = editor ? doc.offsetAt(editor.selection.active) : doc.getText().length;
    const asked = { docUri: docKey, version: doc.version, offset, temperature: m.temperature, seed: m.seed };
    const active = editing.sessions.list(docKey);
    const answer = await editing.continuations.run(m.requestId, {
      docKey,
      version: doc.version,
      text: doc.getText(),
      offset,
      tokens: m.tokens,
      temperature: m.temperature,
      seed: m.seed,
      edits: active.map((e) => e.edit),
    });
    this.deps.post(
      buildContinuationMessage(m.requestId, asked, answer.ok ? { pair: answer.value, labels: active.map(describeEdit) } : { error: describeError(answer.error) }),
    );
  }

  private async insert(requestId: string, which: 'plain' | 'edited'): Promise<void> {
    const doc = this.liveDocument();
    const editing = this.deps.editing;
    if (!doc || !editing) return;
    await insertContinuation(editing, doc, requestId, which, this.deps.warn);
  }

  dispose(): void {
    this.subscription?.dispose();
  }
}
