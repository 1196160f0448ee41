// How tokens, probabilities, ranks and hooks read to a person: one set of rules for the hover
// (src/editor/hover/hoverBuilder.ts), the panel (webview/) and the CLI table (src/cli/analyze.ts), so the
// three show a token the same way. Pure functions; no `vscode` import, no DOM, no Node API.
// (The hover's markdown escaping is a separate step, in the hover builder.)

/**
 * Characters that would not show as themselves, or that would disturb the text around them in a
 * terminal or a web page: C0 and C1 controls and DEL (Cc), format characters such as the bidi
 * overrides and isolates U+202A–U+202E, U+2066–U+2069 and zero-width characters (Cf), the line and
 * paragraph separators U+2028/U+2029, lone surrogates, other default-ignorable characters (variation
 * selectors, Hangul fillers), and every space that is not U+0020 (it would pass for one).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]|(?! )\p{Zs}/gu;

/** Marks for the whitespace a token usually holds, as VS Code's "render whitespace" draws them. */
const WHITESPACE_MARKS: Readonly<Record<string, string>> = { ' ': '·', '\t': '→', '\n': '↵', '\r': '␍' };

const SPOKEN_WHITESPACE: Readonly<Record<string, string>> = { ' ': 'space', '\t': 'tab', '\n': 'newline', '\r': 'carriage return' };

/** The escape every invisible character is shown as: `\u{202E}` (hex, at least four digits). */
function escapeCodePoint(ch: string): string {
  return `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`;
}

/**
 * Text (a label, a file name) with every invisible or text-disturbing character written as
 * `\u{XXXX}`; everything else, whitespace included, is left as it is.
 */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, escapeCodePoint);
}

/**
 * Token text as shown everywhere: space `·`, tab `→`, newline `↵`, carriage return `␍` (so a CRLF
 * line end shows as `␍↵`), any other invisible character as `\u{XXXX}`, and the empty token as `∅`.
 * A token never holds raw control or bidi characters after this, so it is safe in a terminal and
 * cannot reorder the text around it.
 */
export function visibleToken(text: string): string {
  if (text === '') return '∅';
  return escapeInvisible(text.replace(/[ \t\n\r]/g, (ch) => WHITESPACE_MARKS[ch]!));
}

/** Spoken form of a token for screen readers ("space def", "newline", "3 whitespace characters"). */
export function spokenToken(text: string): string {
  if (text === '') return 'empty token';
  if (/^\s+$/.test(text)) {
    const parts = [...text].map((ch) => SPOKEN_WHITESPACE[ch] ?? 'whitespace');
    return parts.length > 3 ? `${parts.length} whitespace characters` : parts.join(' ');
  }
  const words = text.replace(/^ /, 'space ').replace(/\r?\n/g, ' newline ').replace(/\t/g, ' tab ');
  return escapeInvisible(words);
}

/** A probability as a percentage, with more digits the smaller it is: 50%, 1.2%, 0.03%, <0.0001%. */
export function formatProb(p: number): string {
  if (!Number.isFinite(p)) return '?';
  if (p >= 0.995) return '100%';
  if (p >= 0.1) return `${(p * 100).toFixed(0)}%`;
  if (p >= 0.001) return `${(p * 100).toFixed(1)}%`;
  if (p <= 0) return '0%';
  if (p < 1e-6) return '<0.0001%';
  return `${(p * 100).toPrecision(1)}%`;
}

/** A plain figure (activation, logit): fixed digits, or an exponent when very small or large. */
export function formatNumber(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 0.01 || abs >= 1e5)) return x.toExponential(1);
  return x.toFixed(digits);
}

/** Nats (the engine's unit for entropy and log-probabilities) to bits. */
export function natsToBits(nats: number): number {
  return nats / Math.LN2;
}

/** An entropy (nats) for people: `2.31 bits`. */
export function formatBits(nats: number): string {
  return `${natsToBits(nats).toFixed(2)} bits`;
}

/** Surprisal in bits from a natural-log probability. */
export function surprisalBits(logprob: number): number {
  return natsToBits(-logprob);
}

/** 1-based rank for people (engine ranks are 0-based: 0 = the model's top choice): `#1`, `#1,234`. */
export function displayRank(rank: number): string {
  return `#${(rank + 1).toLocaleString('en-US')}`;
}

/**
 * A hook name, short: `blocks.0.hook_resid_post` → `L0 resid_post`, `blocks.1.mlp.hook_post` →
 * `L1 mlp.post`. Names of another form are kept (invisible characters escaped, as everywhere).
 */
export function shortHook(hook: string): string {
  const m = /^blocks\.(\d+)\.(.*)$/.exec(hook);
  return escapeInvisible(m ? `L${m[1]} ${m[2]!.replace(/(^|\.)hook_/g, '$1')}` : hook);
}

/** A label scoring below this reads as unclear when the bundle names no threshold (labels.json `readable_threshold`). */
export const DEFAULT_READABLE_THRESHOLD = 0.5;

/** What is known of how well a feature's label describes it (bundles made before label scores have none of it). */
export interface LabelQuality {
  /** 0–1: F1 of "the label says it fires" against "the feature fires" on held-out text (card `label_score`). */
  score?: number | null;
  /** Whether the score reaches the bundle's labels.json `readable_threshold`, when the engine says (it knows the threshold). */
  readable?: boolean | null;
  /** The threshold itself, when known and `readable` is not given (DEFAULT_READABLE_THRESHOLD when absent). */
  readableThreshold?: number | null;
  /** Fraction of held-out tokens the feature fires on: a feature that never fires keeps its "dead" label, unscored. */
  density?: number | null;
}

/** A label score as shown: two decimals (`0.62`). */
export function formatScore(score: number): string {
  // Truncated, not rounded: a score of 0.498 under a threshold of 0.5 must not read "unclear (score 0.50)".
  return Number.isFinite(score) ? (Math.floor(score * 100 + 1e-9) / 100).toFixed(2) : '?';
}

/** The score to show for a label, or null when there is none (older bundle, or a feature that never fires). */
function shownScore(q: LabelQuality): number | null {
  if (typeof q.score !== 'number' || !Number.isFinite(q.score)) return null;
  return q.density === 0 ? null : q.score;
}

/** True when the label's score is below the bundle's readable threshold: the label is a guess, not a description. */
export function isUnclearLabel(q: LabelQuality): boolean {
  const score = shownScore(q);
  if (score === null) return false;
  if (typeof q.readable === 'boolean') return !q.readable;
  const threshold = typeof q.readableThreshold === 'number' && Number.isFinite(q.readableThreshold) ? q.readableThreshold : DEFAULT_READABLE_THRESHOLD;
  return score < threshold;
}

/**
 * A feature label with its score, one wording for the hover, the panel and the CLI:
 * `` `(` in a call (score 0.62) ``; below the readable threshold `unclear (score 0.21) — best guess: …`
 * so a weak label never sounds certain; the label alone when there is no score; `unlabelled` when
 * there is no label. Invisible characters are left to the caller (each view escapes its own way).
 */
export function labelWithScore(label: string | null | undefined, q: LabelQuality = {}): string {
  const text = label || 'unlabelled';
  const score = shownScore(q);
  if (score === null) return text;
  return isUnclearLabel(q) ? `unclear (score ${formatScore(score)}) — best guess: ${text}` : `${text} (score ${formatScore(score)})`;
}

/** A window-position band for people: `positions 0–31`. */
export function formatPositionBand(band: { from: number; to: number }): string {
  return band.from === band.to ? `position ${band.from}` : `positions ${band.from}–${band.to}`;
}
