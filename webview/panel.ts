// The inspector panel: owns the state, turns host messages and user input into state changes, and
// redraws only the sections whose inputs changed (so an open dropdown or the focused token survive
// an analysis arriving while you type).

import { type CardMessage, type FeatureRef, PendingRequests, PROTOCOL_VERSION, type ToWebviewMessage } from '../src/protocol';
import { h, replaceChildren } from './dom';
import { controls, emptyState, errorBanner, legend, readOnlyBanner, statusLine } from './components/chrome';
import { details } from './components/details';
import { featureCardView } from './components/featureCard';
import { featureFocusKey } from './components/features';
import { headFocusKey } from './components/why/headGrid';
import { whySection, type WhyEvents } from './components/why/whySection';
import { ExplainRequests } from './requests/explainRequests';
import { EditRequests } from './requests/editRequests';
import { continuationSection } from './components/edits/continuationView';
import { editControls } from './components/edits/editControls';
import { editsSection } from './components/edits/editsSection';
import { editLegend } from './components/edits/editLegend';
import { currentEffect } from './state/editState';
import { currentComparison } from './state/compareState';
import { compareLegend } from './components/compareLegend';
import { TokenStrip } from './components/tokenStrip';
import { isInOpenDropdown, registerToolkit } from './components/toolkit';
import type { Host } from './host';
import { fromPersisted, type PanelState, reduce, toPersisted } from './state/panelState';
import { featureEffect, readyExplanation } from './state/whyState';

const CARD_TIMEOUT_MS = 15_000;
/** Arrow keys held down: tell the host about the token the user stops on, not every one passed. */
const KEY_SELECT_DEBOUNCE_MS = 60;

interface Section {
  el: HTMLElement;
  deps: (s: PanelState) => unknown[];
  draw: (s: PanelState) => HTMLElement | null;
  last?: unknown[];
}

export class Panel {
  private state: PanelState;
  private readonly cards = new PendingRequests<CardMessage>({ timeoutMs: CARD_TIMEOUT_MS, idPrefix: 'card-' });
  private readonly explains: ExplainRequests;
  private readonly edits: EditRequests;
  private readonly strip: TokenStrip;
  private readonly sections: Section[];
  private readonly layout: HTMLElement;
  private reopenCard: FeatureRef | null;
  private selectTimer: ReturnType<typeof setTimeout> | undefined;
  private persistTimer: ReturnType<typeof setTimeout> | undefined;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: Host,
  ) {
    registerToolkit();
    ({ state: this.state, reopenCard: this.reopenCard } = fromPersisted(host.getState()));
    this.explains = new ExplainRequests({ state: () => this.state, update: (n) => this.update(n), post: (m) => this.host.post(m) });
    this.edits = new EditRequests({
      state: () => this.state,
      update: (n) => this.update(n),
      post: (m) => this.host.post(m),
      reveal: (i) => {
        this.select(i, 'click');
        this.reveal(i);
      },
      focusKey: (k) => this.focusKey(k),
    });
    this.strip = new TokenStrip({ select: (i, via) => this.select(i, via), reveal: (i) => this.reveal(i) });
    const slot = (cls: string) => h('div', { class: cls });
    const sec = (cls: string, deps: Section['deps'], draw: Section['draw']): Section => ({ el: slot(cls), deps, draw });
    this.sections = [
      sec('slot-readonly', (s) => [s.init], readOnlyBanner),
      sec('slot-error', (s) => [s.error], errorBanner),
      sec('slot-status', (s) => [s.init, s.status, s.analysis], statusLine),
      sec('slot-controls', (s) => [s.init, s.options, s.includeActivations, s.analysis === null, s.analysis?.hooks.join()], (s) =>
        !s.init ? null : controls(s, {
          setOptions: (o) => {
            this.update({ ...this.state, options: o });
            this.host.post({ type: 'setOptions', ...o });
          },
          exportSnapshot: (includeActivations) => this.host.post({ type: 'exportSnapshot', includeActivations }),
          openSnapshot: () => this.host.post({ type: 'openSnapshot' }),
          setIncludeActivations: (on) => this.update({ ...this.state, includeActivations: on }),
        }),
      ),
      sec('slot-legend', (s) => [s.legend, s.analysis === null, currentEffect(s.edit, s.analysis) !== null, currentComparison(s.comparison, s.analysis)], (s) => {
        const compared = currentComparison(s.comparison, s.analysis);
        return !s.analysis ? null : currentEffect(s.edit, s.analysis) ? editLegend() : compared ? compareLegend(compared) : legend(s.legend);
      }),
      sec('slot-empty', (s) => [s.analysis === null, s.cleared, s.init], emptyState),
      sec('slot-strip', (s) => [s.analysis, s.selectedIndex, s.legend, s.edit.edits, s.comparison], (s) => {
        this.strip.render(s);
        return s.analysis ? this.strip.root : null;
      }),
    ];
    const cardSection = sec('slot-card', (s) => [s.card, s.highlight, s.init, s.analysis, s.why.view], (s) =>
      s.card
        ? featureCardView(s.card, this.isHighlighted(s.card.ref), s.init?.readOnly ?? false, s.analysis, {
            close: () => this.closeCard(),
            reveal: (i) => {
              this.select(i, 'click');
              this.reveal(i);
            },
            toggleHighlight: (ref, on) => this.setHighlight(on ? ref : null),
            findInWorkspace: (ref) => this.host.post({ type: 'findFeature', hook: ref.hook, index: ref.index }),
          }, this.directEffect(s, s.card.ref))
        : null,
    );
    const detailsSection = sec('slot-details', (s) => [s.analysis, s.selection, s.selectedIndex, s.options, s.highlight, s.init], (s) =>
      details(s, (ref) => this.openCard(ref)),
    );
    const whySlot = sec('slot-why', (s) => [s.why, s.selection, s.selectedIndex, s.analysis === null, s.init, s.options.topK], (s) => whySection(s, this.whyEvents()));
    // Feature edits: the card's edit form, the active edits and their effect, the continuation section.
    const cardEdit = sec('slot-card-edit', (s) => [s.card?.ref, s.edit.form, s.init?.readOnly, s.analysis === null], (s) =>
      s.card && s.analysis && !s.init?.readOnly ? editControls(s.card.ref, s.edit.form, this.edits.cardEvents()) : null,
    );
    const editsSlot = sec('slot-edits', (s) => [s.edit.edits, s.edit.selection, s.analysis, s.selection, s.selectedIndex, s.options.topK], (s) => editsSection(s, this.edits.listEvents()));
    const continueSlot = sec('slot-continue', (s) => [s.edit.continuation, s.edit.view, s.edit.edits, s.analysis, s.init], (s) => continuationSection(s, this.edits.continuationEvents()));
    const columns = [detailsSection, editsSlot, whySlot, continueSlot, cardSection, cardEdit];
    this.sections.push(...columns);
    this.layout = h(
      'div',
      { class: 'layout' },
      h('div', { class: 'main-col' }, detailsSection.el, editsSlot.el, whySlot.el, continueSlot.el),
      h('div', { class: 'card-col' }, cardSection.el, cardEdit.el),
    );
    const top = this.sections.filter((x) => !columns.includes(x)).map((x) => x.el);
    replaceChildren(root, [h('main', { class: 'panel', attrs: { 'aria-label': 'Activation Inspector' } }, ...top, this.layout)]);
    document.addEventListener('keydown', (e) => this.onGlobalKey(e));
  }

  start(): void {
    this.render();
    this.stopListening = this.host.listen(
      (m) => this.onMessage(m),
      (reason, requestId) => {
        // A reply we were waiting for arrived broken: fail that request now rather than at timeout.
        if (requestId) this.cards.fail(requestId, `malformed reply: ${reason}`);
        if (requestId) this.explains.fail(requestId, `malformed reply: ${reason}`);
        if (requestId) this.edits.fail(requestId, `malformed reply: ${reason}`);
      },
    );
    this.host.post({ type: 'ready', protocol: PROTOCOL_VERSION });
    if (this.reopenCard) this.openCard(this.reopenCard, false);
    window.addEventListener('pagehide', () => this.dispose());
  }

  dispose(): void {
    this.cards.dispose('panel closed');
    this.explains.dispose();
    this.edits.dispose();
    this.stopListening?.();
  }

  private onMessage(m: ToWebviewMessage): void {
    if (m.type === 'card') {
      if (!this.cards.resolve(m.requestId, m)) this.host.post({ type: 'log', level: 'info', message: `ignored card reply ${m.requestId}: no request waiting` });
      return;
    }
    if (m.type === 'explanation') {
      if (!this.explains.resolve(m)) this.host.post({ type: 'log', level: 'info', message: `ignored explanation reply ${m.requestId}: no request waiting` });
      return;
    }
    if (m.type === 'continuation') {
      if (!this.edits.resolve(m)) this.host.post({ type: 'log', level: 'info', message: `ignored continuation reply ${m.requestId}: no request waiting` });
      return;
    }
    this.update(reduce(this.state, m));
    if (m.type === 'showContinuation') {
      this.edits.requestContinuation();
      this.focusKey('continue-toggle');
    }
    // With a cursorIndex the host follows up with its selection; without one, ask for the token the
    // panel still has selected (e.g. restored after the view was hidden).
    const s = this.state;
    if (m.type === 'analysis' && m.cursorIndex === null && s.selectedIndex !== null && s.selection?.index !== s.selectedIndex) {
      this.host.post({ type: 'selectToken', index: s.selectedIndex });
    }
  }

  private update(next: PanelState): void {
    this.state = next;
    this.render();
    clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => this.host.setState(toPersisted(this.state)), 150);
    this.explains.sync();
  }

  private render(): void {
    for (const sec of this.sections) {
      const deps = sec.deps(this.state);
      if (sec.last && deps.length === sec.last.length && deps.every((d, i) => d === sec.last![i])) continue;
      sec.last = deps;
      this.redraw(sec);
    }
    this.layout.classList.toggle('has-card', this.state.card !== null);
    document.body.classList.toggle('readonly', this.state.init?.readOnly ?? false);
  }

  /** Redraws one section, giving focus back to the element with the same data-focus-key. */
  private redraw(sec: Section): void {
    const active = document.activeElement as HTMLElement | null;
    const key = active && sec.el.contains(active) ? active.closest<HTMLElement>('[data-focus-key]')?.dataset.focusKey : undefined;
    const content = sec.draw(this.state);
    if (content !== this.strip.root || !sec.el.contains(content)) replaceChildren(sec.el, [content]);
    if (key) sec.el.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`)?.focus();
    if (content === this.strip.root) this.strip.scrollToSelected();
  }

  private select(index: number, via: 'key' | 'click'): void {
    const a = this.state.analysis;
    if (!a || a.tokenCount === 0) return;
    const clamped = Math.min(Math.max(index, 0), a.tokenCount - 1);
    if (clamped === this.state.selectedIndex && this.state.selection?.index === clamped) return;
    this.update({ ...this.state, selectedIndex: clamped });
    clearTimeout(this.selectTimer);
    const send = () => this.host.post({ type: 'selectToken', index: clamped });
    if (via === 'key') this.selectTimer = setTimeout(send, KEY_SELECT_DEBOUNCE_MS);
    else send();
  }

  private reveal(index: number): void {
    if (this.state.init?.readOnly && !this.state.init.snapshot?.textMatches) return; // no matching editor text to move in
    this.host.post({ type: 'revealToken', index });
  }

  private openCard(ref: FeatureRef, focus = true): void {
    const open = this.state.card;
    if (open && open.ref.hook === ref.hook && open.ref.index === ref.index && open.state !== 'error') {
      if (focus) this.focusKey('card-title');
      return;
    }
    if (open?.state === 'loading') this.cards.fail(open.requestId, 'superseded by another card');
    const { requestId, promise } = this.cards.start();
    this.update({ ...this.state, card: { state: 'loading', ref, requestId } });
    this.host.post({ type: 'requestCard', requestId, hook: ref.hook, index: ref.index });
    if (focus) this.focusKey('card-title');
    promise.then(
      (message) => {
        const cur = this.state.card;
        if (cur?.state !== 'loading' || cur.requestId !== requestId) return;
        this.update({
          ...this.state,
          card: message.card ? { state: 'ready', ref, message } : { state: 'error', ref, error: message.error ?? 'no card' },
        });
      },
      (err: Error) => {
        const cur = this.state.card;
        if (cur?.state !== 'loading' || cur.requestId !== requestId) return;
        this.update({ ...this.state, card: { state: 'error', ref, error: err.message } });
      },
    );
  }

  private whyEvents(): WhyEvents {
    const setWhy = (w: Partial<PanelState['why']>) => this.update({ ...this.state, why: { ...this.state.why, ...w } });
    return {
      toggle: (open) => {
        if (!open && this.state.why.head) this.host.post({ type: 'clearAttention' });
        setWhy(open ? { open } : { open, head: null });
      },
      setTarget: (target) => setWhy({ target }),
      setVersus: (versus) => setWhy({ versus }),
      setGroup: (group) => setWhy({ group }),
      setShade: (shade) => setWhy({ shade }),
      // From the grid a second Enter un-chooses; from the attribution list a head is always shown.
      chooseHead: (layer, head, from) => this.chooseHead(layer, head, from === 'grid'),
      openFeature: (ref) => this.openCard(ref),
      peek: (index) => {
        if (!this.state.init?.readOnly) this.host.post({ type: 'peekToken', index });
      },
    };
  }

  /** Chooses a head (its attended tokens listed and tinted in the editor), or un-chooses it. */
  private chooseHead(layer: number, head: number, toggle: boolean): void {
    const v = this.state.why.view;
    const cur = this.state.why.head;
    const again = toggle && cur !== null && cur.layer === layer && cur.head === head;
    this.update({ ...this.state, why: { ...this.state.why, head: again ? null : { layer, head } } });
    if (again || v.state !== 'ready') this.host.post({ type: 'clearAttention' });
    else this.host.post({ type: 'showAttention', requestId: v.requestId, layer, head });
    this.focusKey(headFocusKey({ layer, head }));
  }

  /** The open card's feature's direct effect on the explained prediction, when one is on screen. */
  private directEffect(s: PanelState, ref: FeatureRef) {
    const e = readyExplanation(s.why);
    const value = e ? featureEffect(e, ref.hook, ref.index) : undefined;
    return e && value !== undefined ? { value, target: e.target.text, versus: e.versus?.text ?? null, position: e.position } : null;
  }

  private closeCard(): void {
    const open = this.state.card;
    if (!open) return;
    if (open.state === 'loading') this.cards.fail(open.requestId, 'card closed');
    this.update({ ...this.state, card: null });
    // Back to where the card was opened from, else to the token strip.
    if (!this.focusKey(featureFocusKey(open.ref))) this.focusKey('strip-selected');
  }

  private isHighlighted(ref: FeatureRef): boolean {
    const hl = this.state.highlight;
    return hl !== null && hl.hook === ref.hook && hl.index === ref.index;
  }

  private setHighlight(ref: FeatureRef | null): void {
    this.update({ ...this.state, highlight: ref });
    this.host.post(ref ? { type: 'highlightFeature', hook: ref.hook, index: ref.index } : { type: 'clearHighlight' });
  }

  private focusKey(key: string): boolean {
    const el = this.root.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`);
    el?.focus();
    return el !== null;
  }

  private onGlobalKey(e: KeyboardEvent): void {
    // An open dropdown uses Escape itself (to close its list); only a plain Escape closes the card.
    if (e.key === 'Escape' && this.state.card && !e.defaultPrevented && !isInOpenDropdown(e.target)) {
      e.preventDefault();
      this.closeCard();
    }
  }
}
