// Syntax tags per token, for the feature-labelling recipe (training only; not shipped in the extension).
//
// Why: a feature's label is chosen by how well a candidate explanation predicts where the feature fires.
// One family of explanations is syntax ("inside a string", "a function name being defined", "`(` in call
// arguments", "the first line of a docstring"). This script gives every token of a source file two tags
// computed with a real parser (web-tree-sitter 0.25 and prebuilt WebAssembly grammars from npm: see GRAMMARS):
//   leaf:    what the token itself is (keyword, string content, name being defined, indentation, ...);
//   context: the innermost enclosing construct (call arguments, function body, docstring, ...).
// Tag names are language-independent and human-readable: they become label text.
//
// Interface:
//   node training/syntax_tags.mjs [--out=FILE] < job.json > out.json
//   job.json: {"tokenizer": "<bundle tokenizer.json>", "files": [{"path": "...", "kind": "python"}, ...],
//              "texts": [{"text": "...", "kind": "python"}, ...]}          (texts: optional, for tests)
//   out.json: {"leaf_names": [...], "context_names": [...],
//              "files": [{"path", "kind", "parsed", "ids": [...], "leaf": [...], "context": [...]}, ...],
//              (parsed: false where the file was tagged by character class; "error" where it could not be read)
//              "texts": [same, without path]}
//   leaf[i] / context[i] index leaf_names / context_names for token ids[i]. Output is written file by file
//   (a few million tokens stay a stream of small writes).
// Kinds: python, javascript, typescript (.ts/.d.ts; .tsx uses the TSX grammar), c, shell, markdown, prose.
// Tokens are exactly the corpus stream's (training/build_corpus.mjs: the file read as UTF-8,
// `Tokenizer.encode(text).ids`). Byte-level BPE tokens are whole bytes, so each token's byte span is the
// running sum of its byte lengths; tree-sitter in JavaScript reports UTF-16 offsets, so byte spans are
// mapped to UTF-16 (a token that starts inside a multi-byte character takes that character).
// A token is tagged by its first non-whitespace character; a pure whitespace token by position
// (indentation, newline, whitespace, or line continuation after a backslash line), unless it lies inside a
// string, comment or docstring. Markdown has no WebAssembly grammar on npm: it is tagged line by line
// (headings, fences, lists, quotes, tables, inline code, links, emphasis). Prose, files over MAX_CHARS and
// files the parser gives up on are tagged by character class (context "unparsed" for code).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { Language, Parser } from 'web-tree-sitter';
import { C, CONTEXT_NAMES, L, LEAF_NAMES, UNSET } from './syntax/names.mjs';
import { charClassLeaf, isSpace, tagCharClass, tagMarkdown } from './syntax/text_tags.mjs';
import { tagTree } from './syntax/tree_tags.mjs';

const MAX_CHARS = 2_000_000;
const PARSE_BUDGET_MS = 20_000;

// Grammar files: tree-sitter-wasms (ABI 14) for most; its bash grammar's scanner needs a C library
// function web-tree-sitter 0.25 does not provide (parsing many scripts throws), so bash comes from
// @vscode/tree-sitter-wasm (ABI 15). web-tree-sitter 0.26+ no longer loads the ABI 14 grammars.
const GRAMMARS = {
  python: ['tree-sitter-wasms', 'out/tree-sitter-python.wasm'],
  javascript: ['tree-sitter-wasms', 'out/tree-sitter-javascript.wasm'],
  typescript: ['tree-sitter-wasms', 'out/tree-sitter-typescript.wasm'],
  tsx: ['tree-sitter-wasms', 'out/tree-sitter-tsx.wasm'],
  c: ['tree-sitter-wasms', 'out/tree-sitter-c.wasm'],
  shell: ['@vscode/tree-sitter-wasm', 'wasm/tree-sitter-bash.wasm'],
};

// ---------------------------------------------------------------------------------------------------
// Tokens: byte spans from the vocabulary, mapped to UTF-16 offsets.

function tokenByteLengths(tj) {
  const vocab = tj.model.vocab;
  let size = 0;
  for (const id of Object.values(vocab)) size = Math.max(size, id + 1);
  for (const t of tj.added_tokens ?? []) size = Math.max(size, t.id + 1);
  const lens = new Int32Array(size);
  // Byte-level BPE: each character of a vocabulary entry stands for one byte.
  for (const [piece, id] of Object.entries(vocab)) lens[id] = piece.length;
  for (const t of tj.added_tokens ?? []) lens[t.id] = Buffer.byteLength(t.content, 'utf8');
  return lens;
}

// UTF-16 start and end of each token (end exclusive; a token inside one character spans that character).
function tokenSpans(text, ids, byteLens) {
  const nBytes = Buffer.byteLength(text, 'utf8');
  const floor = new Int32Array(nBytes + 1);
  const isStart = new Uint8Array(nBytes + 1);
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i);
    const nb = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    isStart[b] = 1;
    for (let k = 0; k < nb; k++) floor[b + k] = i;
    b += nb;
    if (cp > 0xffff) i++;
  }
  floor[nBytes] = text.length;
  isStart[nBytes] = 1;
  const toU16 = (x, ceil) => {
    if (x >= nBytes) return text.length;
    if (isStart[x] || !ceil) return floor[x];
    return floor[x] + (text.codePointAt(floor[x]) > 0xffff ? 2 : 1);
  };
  const starts = new Int32Array(ids.length), ends = new Int32Array(ids.length);
  let off = 0;
  for (let t = 0; t < ids.length; t++) {
    const s = off;
    off += byteLens[ids[t]];
    starts[t] = toU16(s, false);
    ends[t] = Math.max(toU16(off, true), starts[t] + (off > s ? 1 : 0));
  }
  return { starts, ends, ok: off === nBytes };
}

function lineStartAt(text, i) {
  return i === 0 || text.charCodeAt(i - 1) === 10;
}
function previousLineEndsWithBackslash(text, i) {
  let j = i - 1; // the newline that ends the previous line
  if (j < 0 || text.charCodeAt(j) !== 10) return false;
  j--;
  if (j >= 0 && text.charCodeAt(j) === 13) j--;
  return j >= 0 && text.charCodeAt(j) === 92;
}

const KEEP_ON_WHITESPACE = new Set([L['string content'], L.docstring, L['docstring first line'], L.comment,
  L['doc comment'], L['markdown code']]);

function tokenTags(text, spans, tags) {
  const { starts, ends } = spans;
  const n = starts.length;
  const leafOut = new Uint8Array(n), ctxOut = new Uint8Array(n);
  for (let t = 0; t < n; t++) {
    const s = starts[t], e = ends[t];
    let p = s;
    while (p < e && isSpace(text.charCodeAt(p))) p++;
    if (s >= text.length) {
      leafOut[t] = L.other;
      ctxOut[t] = C['top level'];
      continue;
    }
    if (p < e) {
      let v = tags.leaf[p];
      const ch = text[p];
      if (ch === '\\' && (text[p + 1] === '\n' || text.startsWith('\r\n', p + 1)) && !KEEP_ON_WHITESPACE.has(v)
        && v !== L['string delimiter'] && v !== L['escape sequence']) v = L['line continuation'];
      if (v === UNSET) {
        const c = tags.ctx[p];
        v = L[charClassLeaf(ch, c === C.prose ? 'prose' : c === C.unparsed ? 'unparsed' : 'code')];
      }
      leafOut[t] = v;
      ctxOut[t] = tags.ctx[p];
      continue;
    }
    // Pure whitespace: inside a string, comment or code block it belongs to it; otherwise by position.
    ctxOut[t] = tags.ctx[s];
    const inner = tags.leaf[s];
    const hasNewline = text.slice(s, e).includes('\n');
    if (KEEP_ON_WHITESPACE.has(inner) && (!hasNewline || inner !== L['markdown code'])) leafOut[t] = inner;
    else if (hasNewline) leafOut[t] = L.newline;
    else if (lineStartAt(text, s)) leafOut[t] = previousLineEndsWithBackslash(text, s) ? L['line continuation'] : L.indentation;
    else leafOut[t] = L.whitespace;
  }
  return { leaf: leafOut, context: ctxOut };
}

// ---------------------------------------------------------------------------------------------------

async function loadGrammars() {
  const require = createRequire(import.meta.url);
  await Parser.init();
  const languages = {};
  for (const [kind, [pkg, file]] of Object.entries(GRAMMARS)) {
    try {
      languages[kind] = await Language.load(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file));
    } catch (e) {
      process.stderr.write(`syntax_tags: no ${kind} grammar (${e.message}); ${kind} is tagged by character class\n`);
    }
  }
  return languages;
}

function grammarKind(kind, filePath) {
  if (kind === 'typescript' && filePath?.endsWith('.tsx')) return 'tsx';
  return kind;
}

function tagText(text, kind, filePath, state, languages) {
  if (kind === 'prose') return { tags: tagCharClass(text, 'prose'), parsed: true };
  if (kind === 'markdown') return { tags: tagMarkdown(text), parsed: true };
  const lang = grammarKind(kind, filePath);
  const language = languages[lang];
  if (!language || text.length > MAX_CHARS) return { tags: tagCharClass(text, 'unparsed'), parsed: false };
  try {
    const parser = state.parser;
    parser.setLanguage(language);
    const t0 = Date.now();
    const tree = parser.parse(text, null, { progressCallback: () => Date.now() - t0 > PARSE_BUDGET_MS });
    if (!tree) return { tags: tagCharClass(text, 'unparsed'), parsed: false };
    try {
      return { tags: tagTree(tree, text, lang === 'tsx' ? 'typescript' : lang), parsed: true };
    } finally {
      tree.delete();
    }
  } catch (e) {
    process.stderr.write(`syntax_tags: ${filePath ?? kind}: ${e.message}; tagged by character class\n`);
    // A parser that threw mid-parse may keep half-built state in the WebAssembly heap: start afresh.
    state.parser.delete();
    state.parser = new Parser();
    return { tags: tagCharClass(text, 'unparsed'), parsed: false };
  }
}

function readArgs(argv) {
  const out = argv.find((a) => a.startsWith('--out='));
  return { out: out ? out.slice('--out='.length) : null };
}

async function main() {
  const { out } = readArgs(process.argv.slice(2));
  const job = JSON.parse(fs.readFileSync(0, 'utf8'));
  const tj = JSON.parse(fs.readFileSync(job.tokenizer, 'utf8'));
  const tok = new Tokenizer(tj, {});
  const byteLens = tokenByteLengths(tj);
  const languages = await loadGrammars();
  const state = { parser: new Parser() };
  const fd = out ? fs.openSync(out, 'w') : 1;
  const write = (s) => fs.writeSync(fd, s);

  const one = (text, kind, filePath) => {
    const ids = tok.encode(text).ids;
    const spans = tokenSpans(text, ids, byteLens);
    const { tags, parsed } = tagText(text, kind, filePath, state, languages);
    if (!spans.ok) process.stderr.write(`syntax_tags: ${filePath ?? kind}: token bytes do not add up to the text\n`);
    const { leaf, context } = tokenTags(text, spans, tags);
    return { ids, leaf: Array.from(leaf), context: Array.from(context), parsed };
  };

  write(`{"leaf_names":${JSON.stringify(LEAF_NAMES)},\n"context_names":${JSON.stringify(CONTEXT_NAMES)},\n"files":[`);
  (job.files ?? []).forEach((f, i) => {
    let entry;
    try {
      // As build_corpus.mjs reads it, so the token ids are the corpus stream's.
      const text = fs.readFileSync(f.path).toString('utf8');
      entry = { path: f.path, kind: f.kind, ...one(text, f.kind, f.path) };
    } catch (e) {
      entry = { path: f.path, kind: f.kind, parsed: false, error: e.message, ids: [], leaf: [], context: [] };
    }
    write((i ? ',\n' : '\n') + JSON.stringify(entry));
  });
  write('],\n"texts":[');
  (job.texts ?? []).forEach((t, i) => {
    write((i ? ',\n' : '\n') + JSON.stringify({ kind: t.kind, ...one(t.text, t.kind, null) }));
  });
  write(']}\n');
  if (out) fs.closeSync(fd);
}

await main();
