// Number and token formatting shared by the panel's components. Pure functions, no DOM.

/** Whitespace made visible: space ·, tab →, newline ↵ (CR dropped when it precedes LF), others escaped. */
export function visibleToken(text: string): string {
  if (text === '') return '∅';
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === ' ') out += '·';
    else if (ch === '\t') out += '→';
    else if (ch === '\n') out += '↵';
    else if (ch === '\r') out += text[i + 1] === '\n' ? '' : '␍';
    else if (ch < ' ' || ch === '\u007f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/** Spoken form of a token for screen readers ("space def", "newline"). */
export function spokenToken(text: string): string {
  if (text === '') return 'empty token';
  const named: Record<string, string> = { ' ': 'space', '\t': 'tab', '\n': 'newline', '\r': 'carriage return' };
  if (/^\s+$/.test(text)) {
    const parts = [...text].map((c) => named[c] ?? 'whitespace');
    return parts.length > 3 ? `${parts.length} whitespace characters` : parts.join(' ');
  }
  return text.replace(/^ /, 'space ').replace(/\n/g, ' newline ');
}

export function formatProb(p: number): string {
  if (p >= 0.995) return '100%';
  if (p >= 0.1) return `${(p * 100).toFixed(0)}%`;
  if (p >= 0.001) return `${(p * 100).toFixed(1)}%`;
  if (p <= 0) return '0%';
  if (p < 1e-6) return '<0.0001%';
  return `${(p * 100).toPrecision(1)}%`;
}

export function formatNumber(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 0.01 || abs >= 1e5)) return x.toExponential(1);
  return x.toFixed(digits);
}

/** Surprisal in bits from a natural-log probability. */
export function surprisalBits(logprob: number): number {
  return -logprob / Math.LN2;
}

/** 1-based rank for people (engine ranks are 0-based: 0 = the model's top choice). */
export function displayRank(rank: number): string {
  return `#${(rank + 1).toLocaleString('en-US')}`;
}

export function shortHook(hook: string): string {
  // blocks.0.hook_resid_post -> L0 resid_post; mlp hooks keep their "mlp" part.
  const m = /^blocks\.(\d+)\.(?:hook_)?(.*)$/.exec(hook);
  return m ? `L${m[1]} ${m[2]!.replace('hook_', '')}` : hook;
}
