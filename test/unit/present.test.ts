// The one presentation module the hover, the panel and the CLI share.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_READABLE_THRESHOLD,
  displayRank,
  escapeInvisible,
  formatBits,
  formatPositionBand,
  formatScore,
  isUnclearLabel,
  labelWithScore,
  formatNumber,
  formatProb,
  natsToBits,
  shortHook,
  spokenToken,
  surprisalBits,
  visibleToken,
} from '../../src/shared/present';

/** Anything a terminal or a page would act on or hide: controls, format/bidi characters, separators. */
const RAW_INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;

describe('visibleToken', () => {
  it('draws whitespace the way VS Code renders it', () => {
    expect(visibleToken(' def')).toBe('·def');
    expect(visibleToken('\tx')).toBe('→x');
    expect(visibleToken('a\nb')).toBe('a↵b');
    expect(visibleToken('\r\n')).toBe('␍↵');
    expect(visibleToken('\r')).toBe('␍');
    expect(visibleToken('')).toBe('∅');
  });

  it('escapes C0 controls and DEL', () => {
    expect(visibleToken('\u0000')).toBe('\\u{0000}');
    expect(visibleToken('a\u0007b')).toBe('a\\u{0007}b');
    expect(visibleToken('\u001b[31m')).toBe('\\u{001B}[31m');
    expect(visibleToken('\u007f')).toBe('\\u{007F}');
  });

  it('escapes C1 controls U+0080–U+009F', () => {
    expect(visibleToken('\u0080')).toBe('\\u{0080}');
    expect(visibleToken('\u0085')).toBe('\\u{0085}');
    expect(visibleToken('\u009b2J')).toBe('\\u{009B}2J');
    expect(visibleToken('\u009f')).toBe('\\u{009F}');
    expect(visibleToken('\u00a0')).toBe('\\u{00A0}'); // no-break space: would pass for a space
    expect(visibleToken('é')).toBe('é'); // U+00E9 is just a letter
  });

  it('escapes bidi overrides, isolates, marks and zero-width characters', () => {
    expect(visibleToken('a\u202eb')).toBe('a\\u{202E}b');
    for (const c of ['\u202a', '\u202b', '\u202c', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c']) {
      expect(visibleToken(c)).toBe(`\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`);
    }
    expect(visibleToken('\u200b\u200d\ufeff')).toBe('\\u{200B}\\u{200D}\\u{FEFF}');
    expect(visibleToken('\u2028\u2029')).toBe('\\u{2028}\\u{2029}');
  });

  it('escapes lone surrogates but keeps whole astral characters', () => {
    expect(visibleToken('\ud83d')).toBe('\\u{D83D}');
    expect(visibleToken('\ude00x')).toBe('\\u{DE00}x');
    expect(visibleToken('😀')).toBe('😀');
  });

  it('leaves ordinary text alone, backslashes and the tokenizer\'s own \\xNN escapes included', () => {
    expect(visibleToken('print("\\n")')).toBe('print("\\n")');
    expect(visibleToken('\\xF0')).toBe('\\xF0');
    expect(visibleToken('λ→中')).toBe('λ→中');
  });

  it('never lets an invisible character through and never breaks a line, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const shown = visibleToken(s);
        expect(shown).not.toMatch(RAW_INVISIBLE);
        expect(shown).not.toMatch(/[\n\r\u0085\u2028\u2029]/);
        expect(shown.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('escapeInvisible', () => {
  it('escapes what would hide or reorder text, and keeps ordinary spaces', () => {
    expect(escapeInvisible('a label \u202eevil')).toBe('a label \\u{202E}evil');
    expect(escapeInvisible('line\nbreak')).toBe('line\\u{000A}break');
    expect(escapeInvisible('plain words')).toBe('plain words');
  });
});

describe('spokenToken', () => {
  it('names whitespace for screen readers', () => {
    expect(spokenToken(' def')).toBe('space def');
    expect(spokenToken('\n')).toBe('newline');
    expect(spokenToken(' \t')).toBe('space tab');
    expect(spokenToken('    ')).toBe('4 whitespace characters');
    expect(spokenToken('')).toBe('empty token');
  });

  it('escapes invisible characters in what it says', () => {
    expect(spokenToken('a\u202eb')).toBe('a\\u{202E}b');
    expect(spokenToken('x\u0007')).not.toMatch(RAW_INVISIBLE);
  });
});

describe('numbers', () => {
  it('formats a probability as a percentage, with more digits the smaller it is', () => {
    expect(formatProb(1)).toBe('100%');
    expect(formatProb(0.5)).toBe('50%');
    expect(formatProb(0.12)).toBe('12%');
    expect(formatProb(0.0123)).toBe('1.2%');
    expect(formatProb(0.0003)).toBe('0.03%');
    expect(formatProb(1e-7)).toBe('<0.0001%');
    expect(formatProb(0)).toBe('0%');
    expect(formatProb(Number.NaN)).toBe('?');
  });

  it('formats plain figures with fixed digits, or an exponent when tiny or huge', () => {
    expect(formatNumber(3.14159)).toBe('3.14');
    expect(formatNumber(2.5, 1)).toBe('2.5');
    expect(formatNumber(0.001)).toBe('1.0e-3');
    expect(formatNumber(123456)).toBe('1.2e+5');
    expect(formatNumber(0)).toBe('0.00');
  });

  it('converts nats to bits', () => {
    expect(natsToBits(Math.LN2)).toBeCloseTo(1, 12);
    expect(surprisalBits(Math.log(0.25))).toBeCloseTo(2, 12);
    expect(formatBits(Math.LN2 * 2.345)).toBe('2.35 bits');
  });

  it('shows ranks 1-based with thousands separators', () => {
    expect(displayRank(0)).toBe('#1');
    expect(displayRank(1233)).toBe('#1,234');
  });
});

describe('shortHook', () => {
  it('shortens TransformerLens hook names one way everywhere', () => {
    expect(shortHook('blocks.0.hook_resid_post')).toBe('L0 resid_post');
    expect(shortHook('blocks.1.hook_resid_pre')).toBe('L1 resid_pre');
    expect(shortHook('blocks.0.mlp.hook_post')).toBe('L0 mlp.post');
    expect(shortHook('blocks.11.attn.hook_z')).toBe('L11 attn.z');
  });

  it('keeps other names, escaping what would not show', () => {
    expect(shortHook('embed')).toBe('embed');
    expect(shortHook('blocks.0.\u202ehook_x')).toBe('L0 \\u{202E}hook_x');
  });
});

describe('labelWithScore: one wording for a label and how well it describes its feature', () => {
  it('adds the score to a readable label', () => {
    expect(labelWithScore('`(` in a call', { score: 0.62 })).toBe('`(` in a call (score 0.62)');
    expect(labelWithScore('x', { score: 0.5 })).toBe('x (score 0.50)'); // the threshold itself is readable
    expect(labelWithScore('x', { score: 1 })).toBe('x (score 1.00)');
  });

  it('calls a label below the readable threshold unclear, with its score and the label as a best guess', () => {
    expect(labelWithScore('`self` in a call', { score: 0.21 })).toBe('unclear (score 0.21) — best guess: `self` in a call');
    expect(labelWithScore('x', { score: 0.499 })).toBe('unclear (score 0.49) — best guess: x');
    expect(isUnclearLabel({ score: 0.21 })).toBe(true);
    expect(isUnclearLabel({ score: DEFAULT_READABLE_THRESHOLD })).toBe(false);
  });

  it("follows the bundle's threshold, and the engine's verdict over any threshold", () => {
    expect(labelWithScore('x', { score: 0.6, readableThreshold: 0.7 })).toBe('unclear (score 0.60) — best guess: x');
    expect(labelWithScore('x', { score: 0.3, readableThreshold: 0.25 })).toBe('x (score 0.30)');
    expect(labelWithScore('x', { score: 0.3, readable: true })).toBe('x (score 0.30)');
    expect(labelWithScore('x', { score: 0.9, readable: false })).toBe('unclear (score 0.90) — best guess: x');
    // An unusable threshold falls back to the default.
    expect(labelWithScore('x', { score: 0.4, readableThreshold: Number.NaN })).toBe('unclear (score 0.40) — best guess: x');
  });

  it('leaves labels of older bundles as they are (no score), and a feature that never fires unscored', () => {
    expect(labelWithScore('x')).toBe('x');
    expect(labelWithScore('x', { score: null, readable: false })).toBe('x');
    expect(labelWithScore('x', { score: Number.NaN })).toBe('x');
    expect(labelWithScore('dead (never fired on held-out text)', { score: 0, density: 0 })).toBe('dead (never fired on held-out text)');
    expect(isUnclearLabel({ score: 0, density: 0 })).toBe(false);
  });

  it('says unlabelled when there is no label, and never prints "undefined"', () => {
    expect(labelWithScore(undefined)).toBe('unlabelled');
    expect(labelWithScore('', { score: 0.8 })).toBe('unlabelled (score 0.80)');
    fc.assert(
      fc.property(fc.option(fc.string()), fc.option(fc.double()), fc.option(fc.boolean()), fc.option(fc.double()), (label, score, readable, threshold) => {
        const text = labelWithScore(label, { score, readable, readableThreshold: threshold });
        if (label) expect(text).toContain(label);
        expect(label ? text.replace(label, '') : text).not.toMatch(/undefined|null|NaN/);
      }),
    );
  });

  it('formats scores and position bands', () => {
    expect(formatScore(0.621)).toBe('0.62');
    expect(formatScore(Number.POSITIVE_INFINITY)).toBe('?');
    expect(formatPositionBand({ from: 0, to: 32 })).toBe('positions 0–32');
    expect(formatPositionBand({ from: 5, to: 5 })).toBe('position 5');
  });
});
