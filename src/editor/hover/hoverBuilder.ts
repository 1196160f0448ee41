// The hover's markdown, as a pure function of plain analysis data: unit-tested without VS Code, and
// fast because it only reads a finished analysis (the model is never called from a hover).
import type { AnalysisResult, TokenResult } from '../../engine';
import { COMMANDS } from '../../shared/commands';
import type { LensSummary } from '../../shared/lensSummary';
import { lensLine } from './hoverLens';
import { densePercent } from '../../shared/featureDensity';
import { displayRank, escapeInvisible, formatBits, formatNumber, formatProb, labelWithScore, surprisalBits, visibleToken } from '../../shared/present';

/** The only commands hover links may run (MarkdownString.isTrusted.enabledCommands). */
export const HOVER_COMMANDS: readonly string[] = [COMMANDS.openInspector, COMMANDS.highlightFeature, COMMANDS.explainPrediction, COMMANDS.findFeatureInWorkspace, COMMANDS.editFeature, COMMANDS.clearEdits];

/** The token under the hover in the document's edited analysis (feature edits active). */
export interface HoverEdited {
  /** How many edits are active. */
  count: number;
  /** The token's numbers under the edits and without them; undefined while the edited result is computed. */
  token?: { logprob: number | null; logprobOriginal: number | null; rank: number | null; rankOriginal: number | null };
}

export interface HoverInput {
  result: AnalysisResult;
  index: number;
  /** Document URI (string) the command links act on. */
  uri: string;
  /** Feature label lookup (bundle labels.json); undefined when the bundle has none. */
  labelOf: (hook: string, index: number) => string | undefined;
  /** Fraction of tokens a feature fires on (bundle cards); undefined when unknown. */
  densityOf?: (hook: string, index: number) => number | undefined;
  /** What the bundle says of a feature beyond its label (engine featureFacts); undefined for older bundles. */
  factsOf?: (hook: string, index: number) => HoverFeatureFacts | undefined;
  /** Hooks to show; empty = all in the result. */
  hooks: readonly string[];
  maxFeatures: number;
  /** Expected-token rows shown (the analysis may hold more; the inspector shows them all). */
  maxExpected?: number;
  /** Next-token rows shown. */
  maxNext?: number;
  /** The logit-lens summary of this token's prediction when the inspector explained it. */
  lens?: LensSummary;
  /** Feature edits are active on the document (their result for this very version, if computed). */
  edited?: HoverEdited;
}

/** The part of the engine's per-feature facts the hover shows (all optional: older bundles have none). */
export interface HoverFeatureFacts {
  /** Label score, 0–1 (F1 on held-out text). */
  score?: number;
  /** score >= the bundle's readable_threshold. */
  readable?: boolean;
  /** Fires in a band of window positions rather than on what the text says. */
  positional?: boolean;
  density?: number;
}

const BAR_WIDTH = 10;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** Pads bars: a no-break space, so HTML does not collapse the padding and the numbers line up. */
const BAR_PAD = '\u00a0';

/** A fixed-width bar of unicode blocks for a value in [0, 1]. */
export function bar(fraction: number, width = BAR_WIDTH): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const part = EIGHTHS[eighths % 8]!;
  return ('█'.repeat(full) + part).padEnd(width, BAR_PAD);
}

/** A markdown code span that holds any text (backticks included): fence longer than any run inside. */
export function codeSpan(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const longest = runs.reduce((m, r) => Math.max(m, r.length), 0);
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || longest > 0 ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * Escapes markdown syntax in plain text (labels come from bundle files and may contain anything).
 * Autolinks too: an escaped ':' breaks `https://…` / `ftp://…`, an escaped '.' breaks `www.…` and bare
 * domains, an escaped '@' e-mail addresses, so no part of a label becomes a link.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&:@]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

export function commandUri(command: string, args: unknown[]): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
}

function headline(token: TokenResult): string {
  const shown = codeSpan(visibleToken(token.text));
  if (token.logprob === null || token.rank === null) return `${shown} — first token: nothing came before it to predict it`;
  const p = Math.exp(token.logprob);
  return `${shown} — p **${formatProb(p)}** · rank **${displayRank(token.rank)}** · **${surprisalBits(token.logprob).toFixed(2)}** bits`;
}

/** The hover's line about active feature edits: the numbers above are the plain model's; these are edited. */
function editedLine(e: HoverEdited, uri: string): string {
  const n = `${e.count} feature edit${e.count === 1 ? '' : 's'} active`;
  const clear = `[clear edits](${commandUri(COMMANDS.clearEdits, [{ uri }])} "Remove every feature edit of this document")`;
  const t = e.token;
  if (!t) return `**Edited** (${n}): the edited result is being computed; the numbers above are the unedited model's · ${clear}`;
  if (t.logprob === null || t.logprobOriginal === null) return `**Edited** (${n}): the first token is not predicted · ${clear}`;
  const delta = (t.logprob - t.logprobOriginal) / Math.LN2;
  const sign = delta >= 0 ? '+' : '−';
  const rank = t.rank !== null && t.rankOriginal !== null ? ` · rank **${displayRank(t.rank)}** (was ${displayRank(t.rankOriginal)})` : '';
  return `**Edited** (${n}): p **${formatProb(Math.exp(t.logprob))}** (unedited ${formatProb(Math.exp(t.logprobOriginal))})${rank} · change **${sign}${Math.abs(delta).toFixed(2)}** bits · ${clear}`;
}

function distributionLines(rows: readonly { text: string; prob: number; id: number }[], markId: number | undefined): string[] {
  const top = rows[0]?.prob ?? 1;
  return rows.map((r) => {
    const mark = r.id === markId ? ' ◀ actual' : '';
    return `- ${codeSpan(bar(top > 0 ? r.prob / top : 0))} ${formatProb(r.prob)} ${codeSpan(visibleToken(r.text))}${mark}`;
  });
}

/**
 * The token's features over the shown hooks, in the engine's order (it ranks them: most unusual first,
 * dense and positional ones after, or by activation, as the user chose): each hook's list is kept as
 * it is and the hooks are interleaved, so the hover's first rows are every hook's first features.
 */
function listedFeatures(hooks: readonly string[], token: TokenResult): { hook: string; index: number; activation: number }[] {
  const lists = hooks.map((hook) => (token.features[hook] ?? []).map((f) => ({ hook, index: f.index, activation: f.activation })));
  const out: { hook: string; index: number; activation: number }[] = [];
  for (let rank = 0; lists.some((l) => rank < l.length); rank++) for (const l of lists) if (rank < l.length) out.push(l[rank]!);
  return out;
}

/** One feature row: bar, activation, index, label with its score (or "unclear"), dense / positional tags, links. */
function featureLine(input: HoverInput, f: { hook: string; index: number; activation: number }, maxAct: number, offset: number): string {
  const { uri } = input;
  const label = input.labelOf(f.hook, f.index);
  const facts = input.factsOf?.(f.hook, f.index);
  const density = input.densityOf?.(f.hook, f.index) ?? facts?.density;
  const name = label ? escapeMarkdown(escapeInvisible(labelWithScore(label, { score: facts?.score, readable: facts?.readable, density }))) : '*(no label)*';
  const percent = densePercent(density);
  const dense = percent !== undefined ? ` · *dense: fires on ${percent}% of tokens*` : '';
  const positional = facts?.positional === true ? ' · *positional: fires at certain positions of the window*' : '';
  const link = commandUri(COMMANDS.highlightFeature, [{ uri, hook: f.hook, index: f.index }]);
  const find = commandUri(COMMANDS.findFeatureInWorkspace, [{ hook: f.hook, index: f.index }]);
  const edit = commandUri(COMMANDS.editFeature, [{ uri, hook: f.hook, index: f.index, offset }]);
  return `- ${codeSpan(bar(f.activation / maxAct))} ${formatNumber(f.activation)} **#${f.index}** ${name}${dense}${positional} · ${codeSpan(escapeInvisible(f.hook))} · [highlight](${link} "Highlight this feature in the document") · [find in workspace](${find} "Find this feature in the workspace") · [edit…](${edit} "Ablate, scale or clamp this feature and see the text's log-probabilities change")`;
}

/** The hover markdown for token `index` of a finished analysis. */
export function buildHoverMarkdown(input: HoverInput): string {
  const { result, index, uri } = input;
  const token = result.tokens[index];
  if (!token) return '';
  const previous = index > 0 ? result.tokens[index - 1] : undefined;
  const next = result.tokens[index + 1];
  const maxExpected = input.maxExpected ?? 5;
  const maxNext = input.maxNext ?? 3;
  const out: string[] = [headline(token), ''];
  if (input.edited) out.push(editedLine(input.edited, uri), '');

  if (previous && previous.topk.length > 0) {
    const entropyBits = token.entropy === null ? '' : ` (entropy ${formatBits(token.entropy)})`;
    out.push(`**Expected here**${entropyBits}`, '');
    out.push(...distributionLines(previous.topk.slice(0, maxExpected), token.id));
    if (!previous.topk.some((e) => e.id === token.id) && token.logprob !== null) {
      out.push(`- … actual ${codeSpan(visibleToken(token.text))} at rank ${displayRank(token.rank ?? 0)}, p ${formatProb(Math.exp(token.logprob))}`);
    }
    out.push('');
  }

  if (token.topk.length > 0) {
    out.push(`**Predicts next** (entropy ${formatBits(token.nextEntropy)})`, '');
    out.push(...distributionLines(token.topk.slice(0, maxNext), next?.id));
    out.push('', lensLine(input.lens, uri, token.start, { codeSpan, commandUri }), '');
  }

  const hooks = input.hooks.length > 0 ? result.hooks.filter((h) => input.hooks.includes(h)) : result.hooks;
  const shown = listedFeatures(hooks, token).slice(0, Math.max(0, input.maxFeatures));
  if (shown.length > 0) {
    const maxAct = Math.max(...shown.map((f) => f.activation));
    out.push('**Top features**', '');
    for (const f of shown) out.push(featureLine(input, f, maxAct > 0 ? maxAct : 1, token.start));
    out.push('');
  }

  const links = [`[Show in inspector](${commandUri(COMMANDS.openInspector, [{ uri, offset: token.start }])})`];
  if (shown.length > 0) {
    const top = shown[0]!;
    links.push(
      `[Highlight this feature in the document](${commandUri(COMMANDS.highlightFeature, [{ uri, hook: top.hook, index: top.index }])})`,
    );
  }
  out.push(links.join(' · '));
  return out.join('\n');
}
