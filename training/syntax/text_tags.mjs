import { C, L, UNSET, fillCtx, fillLeaf } from './names.mjs';

// ---------------------------------------------------------------------------------------------------
// Character-class tagging: prose, Markdown (line-based) and the fallback for code.

export const isSpace = (c) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
const WORD = /[\p{L}\p{N}_']/u;

// mode: 'prose'; 'code' (text a parsed tree leaves untagged: a macro body, mostly names); 'unparsed'.
export function charClassLeaf(ch, mode) {
  const prose = mode === 'prose';
  if (/\p{N}/u.test(ch)) return 'number';
  if (WORD.test(ch)) return prose ? 'prose word' : mode === 'code' ? 'variable or name read' : 'other';
  if (prose) return 'prose punctuation';
  if ('([{'.includes(ch)) return 'opening bracket';
  if (')]}'.includes(ch)) return 'closing bracket';
  if (',;:.'.includes(ch)) return 'punctuation';
  return 'operator';
}

export function tagCharClass(text, ctxName) {
  const leaf = new Uint8Array(text.length).fill(UNSET);
  const ctx = new Uint8Array(text.length).fill(C[ctxName]);
  for (let i = 0; i < text.length; i++) {
    if (!isSpace(text.charCodeAt(i))) leaf[i] = L[charClassLeaf(text[i], ctxName === 'prose' ? 'prose' : 'unparsed')];
  }
  return { leaf, ctx };
}

export function tagMarkdown(text) {
  const { leaf, ctx } = tagCharClass(text, 'prose');
  ctx.fill(C['markdown paragraph']);
  let fence = null;
  let pos = 0;
  for (const line of text.split('\n')) {
    const s = pos, e = pos + line.length;
    pos = e + 1;
    // Each line's context covers its line break too.
    const eol = Math.min(e + 1, text.length);
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence || fenceMatch) {
      fillCtx(ctx, s, eol, 'markdown code block');
      fillLeaf(leaf, s, e, 'markdown code');
      if (fenceMatch && (!fence || fenceMatch[1].startsWith(fence))) fence = fence ? null : fenceMatch[1][0].repeat(3);
      continue;
    }
    if (/^\s*$/.test(line)) continue;
    let m;
    if ((m = /^ {0,3}#{1,6}(\s|$)/.exec(line))) {
      fillCtx(ctx, s, eol, 'markdown heading');
      fillLeaf(leaf, s, e, 'markdown heading');
    } else if ((m = /^(\s*)([-*+]|\d{1,9}[.)])(\s|$)/.exec(line))) {
      fillCtx(ctx, s, eol, 'markdown list item');
      fillLeaf(leaf, s + m[1].length, s + m[1].length + m[2].length, 'markdown list marker');
    } else if ((m = /^(\s*)>/.exec(line))) {
      fillCtx(ctx, s, eol, 'markdown block quote');
    } else if (/^\s*\|/.test(line)) {
      fillCtx(ctx, s, eol, 'markdown table');
    } else if (/^ {4,}|^\t/.test(line)) {
      fillCtx(ctx, s, eol, 'markdown code block');
      fillLeaf(leaf, s, e, 'markdown code');
      for (let i = s; i < e && isSpace(text.charCodeAt(i)); i++) leaf[i] = UNSET;
      continue;
    } else fillCtx(ctx, s, eol, 'markdown paragraph');
    const inline = /(`+)[^`]+?\1|!?\[[^\]\n]*\]\([^)\n]*\)|<https?:[^>\s]+>|https?:\/\/[^\s)>\]]+|(\*\*|__)[^*_\n]+?\2|(?<![\w*])[*_][^*_\s][^*_\n]*?[*_](?![\w*])|<!--.*?-->/g;
    while ((m = inline.exec(line))) {
      const a = s + m.index, b = a + m[0].length;
      const c0 = m[0][0];
      fillLeaf(leaf, a, b, c0 === '`' ? 'markdown code' : c0 === '<' && m[0].startsWith('<!--') ? 'comment'
        : c0 === '*' || c0 === '_' ? 'markdown emphasis' : 'markdown link');
    }
  }
  return { leaf, ctx };
}
