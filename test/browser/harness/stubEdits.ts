// Plays the extension's side of feature edits and continuations for the browser tests, with the host's
// own builders (src/inspector/editAnswers.ts) over the real engine's edited analysis in the edit
// fixture. Only the fixture's edit has a result; any other edit stays "running", as it would while
// the model works on it.
import { EditSessions, describeEdit, featureEdit } from '../../../src/editor/edits/editSession';
import { buildContinuationMessage, buildEditedSelection, buildEditsMessage } from '../../../src/inspector/editAnswers';
import type { FromWebviewMessage } from '../../../src/protocol';
import type { EditFixture } from './editFixture';
import type { PanelPage } from './page';

export class StubEdits {
  readonly sessions = new EditSessions();
  /** Messages of the edit kind the panel sent, in order (the tests read them). */
  readonly received: FromWebviewMessage[] = [];
  private window: { firstIndex: number; count: number } | undefined;
  private selected: number | null = null;

  constructor(
    private readonly fixture: EditFixture,
    private readonly doc: { docUri: string; version: number; topK: () => number },
  ) {}

  /** The analysis window sent (deltas go with it). */
  setWindow(firstIndex: number, count: number): void {
    this.window = { firstIndex, count };
  }

  private matchesFixture(): boolean {
    const list = this.sessions.list(this.doc.docUri);
    return list.length === 1 && JSON.stringify(list[0]!.edit) === JSON.stringify(this.fixture.edit);
  }

  async push(panel: PanelPage): Promise<void> {
    const { docUri, version } = this.doc;
    const key = this.sessions.key(docUri);
    const run = this.matchesFixture() ? { state: 'ready' as const, version, editsKey: key, result: this.fixture.edited } : undefined;
    await panel.send(buildEditsMessage({ docUri, version }, this.sessions.list(docUri), key, run, this.window));
    await this.pushSelection(panel);
  }

  async selectedToken(index: number, panel: PanelPage): Promise<void> {
    this.selected = index;
    await this.pushSelection(panel);
  }

  private async pushSelection(panel: PanelPage): Promise<void> {
    if (this.selected === null || !this.matchesFixture()) return;
    const m = buildEditedSelection(this.doc.docUri, this.doc.version, this.sessions.key(this.doc.docUri), this.fixture.edited, this.selected, this.doc.topK());
    if (m) await panel.send(m);
  }

  /** Handles an edit message; false for any other message. */
  async handle(m: FromWebviewMessage, panel: PanelPage): Promise<boolean> {
    const docUri = this.doc.docUri;
    switch (m.type) {
      case 'addEdit': {
        this.received.push(m);
        // The stub's editor has no selection or cursor token to take a range from: whole-document edits only.
        const edit = featureEdit(m.hook, m.feature, m.op, m.amount, undefined);
        if (typeof edit !== 'string') this.sessions.add(docUri, edit, m.scope);
        await this.push(panel);
        return true;
      }
      case 'removeEdit':
      case 'clearEdits':
        this.received.push(m);
        if (m.type === 'removeEdit') this.sessions.remove(docUri, m.id);
        else this.sessions.clear(docUri);
        await this.push(panel);
        return true;
      case 'requestContinuation': {
        this.received.push(m);
        const c = this.fixture.continuation;
        const edits = this.sessions.list(docUri);
        const asked = { docUri, version: this.doc.version, offset: c.offset, temperature: m.temperature, seed: m.seed };
        const pair = { docKey: docUri, version: this.doc.version, offset: c.offset, temperature: m.temperature, seed: m.seed, plain: c.plain, edited: edits.length > 0 ? c.edited : null };
        await panel.send(buildContinuationMessage(m.requestId, asked, { pair, labels: edits.map(describeEdit) }));
        return true;
      }
      case 'insertContinuation':
        this.received.push(m);
        return true;
      default:
        return false;
    }
  }
}
