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
