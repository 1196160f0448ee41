// Windowing for documents longer than the model's context.
//
// n_ctx = C, stride S = C/2. Window w starts at token s_w = w·S and covers [s_w, min(s_w + C, N)).
// Window 0 owns positions [0, min(C, N)); window w ≥ 1 owns [s_w + S, min(s_w + C, N)) — the half
// of it that has at least S tokens of history inside the window. Owned ranges tile [0, N) with no
// overlap, so every position's outputs (its top-k, entropy, hook activations and features, and the
// log-prob/rank of the token after it) come from exactly one window, and every position is predicted
// with at least half a context of history (or all of it, at the start of the document).
// A token's own log-prob/rank/entropy are those of the position before it, which may belong to the
// previous window when the token is the first one a window owns.

/** Owned rows gathered, window after window, before the dictionaries encode them in one session run each. */
export const DICTIONARY_BATCH_ROWS = 512;

export interface Window {
  index: number;
  /** First token the window covers (its position 0). */
  start: number;
  /** One past the last token it covers. */
  end: number;
  /** First token whose outputs this window supplies. */
  ownedStart: number;
}

export function windowCount(n: number, ctx: number): number {
  if (n <= ctx) return 1;
  const stride = Math.floor(ctx / 2);
  return Math.ceil((n - ctx) / stride) + 1;
}

export function planWindows(n: number, ctx: number): Window[] {
  const stride = Math.floor(ctx / 2);
  const count = windowCount(n, ctx);
  const out: Window[] = [];
  for (let w = 0; w < count; w++) {
    const start = w * stride;
    out.push({ index: w, start, end: Math.min(start + ctx, n), ownedStart: w === 0 ? 0 : start + ctx - stride });
  }
  return out;
}

/** The run needed to bring positions [from, n) up to date: for each window whose owned range reaches
 *  `from` or beyond, the tokens to run ([runStart, end)) and the cached prefix it needs ([start, runStart)). */
export interface WindowRun extends Window {
  runStart: number;
}

export function planRuns(n: number, ctx: number, from: number): WindowRun[] {
  return planWindows(n, ctx)
    .filter((w) => w.end > from && w.end > w.ownedStart)
    .map((w) => ({ ...w, runStart: Math.max(w.start, Math.min(from, w.end)) }));
}
