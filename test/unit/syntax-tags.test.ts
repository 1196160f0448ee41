// training/syntax_tags.mjs: per-token syntax tags for the feature-labelling recipe. Runs the script on
// small texts and checks the tags of tokens whose role is unambiguous, and that its token ids are the
// tokenizer's own (so tags line up with the corpus stream).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const tokenizerPath = path.join(root, 'media/models/code-gpt2-2l/tokenizer.json');

interface Tagged { ids: number[]; leaf: number[]; context: number[]; parsed: boolean }
interface Output { leaf_names: string[]; context_names: string[]; texts: Tagged[] }

const samples = {
  python: [
    'def area(width, height=2):',
    '    """Return the area.',
    '',
    '    More words here.',
    '    """',
    '    total = width * \\',
    '        height',
    '    # a comment',
    '    print("size", total)',
    '    return total',
    '',
  ].join('\n'),
  javascript: 'import { a } from "./m";\nfunction f(x) {\n  const y = obj.run(x, [1]);\n  return `v${y}`;\n}\n',
  c: '#include <stdio.h>\nint main(int argc, char **argv) {\n  printf("hi\\n");\n  return 0;\n}\n',
  markdown: '# Heading words\n\nSome `code` and [a link](http://x).\n\n- item\n\n```\nx = 1\n```\n',
  prose: 'Hello, world! It was 1999.\n',
  shell: 'X=1\nls -la "$X" | grep foo\n',
};
type Kind = keyof typeof samples;
// Characters of 2, 3 and 4 UTF-8 bytes (the emoji is a UTF-16 surrogate pair): byte-level tokens split them.
const MULTIBYTE = 's = "é✓😀😀"  # ü\nt = 1\n';
const kinds = Object.keys(samples) as Kind[];

let out: Output;
let tokenizer: Tokenizer;
let vocab: string[];

beforeAll(() => {
  const texts = kinds.map((kind) => ({ kind, text: samples[kind] }));
  const job = { tokenizer: tokenizerPath, texts: [...texts, { kind: 'python', text: MULTIBYTE }] };
  out = JSON.parse(execFileSync(process.execPath, [path.join(root, 'training/syntax_tags.mjs')], {
    input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  })) as Output;
  const tj = JSON.parse(readFileSync(tokenizerPath, 'utf8'));
  tokenizer = new Tokenizer(tj, {});
  vocab = [];
  // Byte-level BPE pieces: 'Ġ' stands for a space and 'Ċ' for a line break.
  for (const [piece, id] of Object.entries(tj.model.vocab as Record<string, number>)) {
    vocab[id] = piece.replace(/Ġ/g, ' ').replace(/Ċ/g, '\n');
  }
});

// "leaf | context" of the token holding the first character of the first occurrence of `needle` (after
// `after`, when given). The samples are ASCII, so a token's piece length is its length in characters.
function tagAt(kind: Kind, needle: string, after = ''): string {
  const text = samples[kind];
  const at = text.indexOf(needle, after ? text.indexOf(after) + after.length : 0);
  if (at < 0) throw new Error(`${needle} not in the ${kind} sample`);
  const t = out.texts[kinds.indexOf(kind)]!;
  let offset = 0;
  for (let i = 0; i < t.ids.length; i++) {
    offset += vocab[t.ids[i]!]!.length;
    if (offset > at) return `${out.leaf_names[t.leaf[i]!]} | ${out.context_names[t.context[i]!]}`;
  }
  throw new Error('past the end');
}

describe('syntax_tags.mjs', () => {
  it('emits the tokenizer\'s ids and one leaf and context tag per token', () => {
    for (const kind of kinds) {
      const t = out.texts[kinds.indexOf(kind)]!;
      expect(t.ids).toEqual(tokenizer.encode(samples[kind]).ids);
      expect(t.leaf).toHaveLength(t.ids.length);
      expect(t.context).toHaveLength(t.ids.length);
      expect(t.leaf.every((v) => v >= 0 && v < out.leaf_names.length)).toBe(true);
      expect(t.context.every((v) => v >= 0 && v < out.context_names.length)).toBe(true);
    }
    expect(out.leaf_names.length).toBeLessThanOrEqual(42);
    expect(out.context_names.length).toBeLessThanOrEqual(42);
  });

  it('maps tokens inside multi-byte characters to those characters', () => {
    const t = out.texts[kinds.length]!;
    expect(t.ids).toEqual(tokenizer.encode(MULTIBYTE).ids);
    const names = t.leaf.map((v, i) => `${vocab[t.ids[i]!]} ${out.leaf_names[v]}`);
    const open = names.findIndex((n) => n.endsWith('string delimiter'));
    const close = names.findIndex((n, i) => i > open && n.endsWith('string delimiter'));
    expect(close - open).toBeGreaterThan(4); // the characters took several tokens
    for (let i = open + 1; i < close; i++) expect(names[i]).toMatch(/string content$/);
    expect(names.slice(close + 1).some((n) => n.endsWith('comment'))).toBe(true);
    expect(names.at(-3)).toBe(' = operator'); // offsets after the characters are still right
  });

  it('Python: definitions, parameters, docstring, continuation, comment, call, string', () => {
    expect(out.texts[kinds.indexOf('python')]!.parsed).toBe(true);
    expect(tagAt('python', 'def')).toBe('keyword | function signature');
    expect(tagAt('python', 'area')).toBe('name being defined | function signature');
    expect(tagAt('python', 'width')).toBe('parameter name | parameter list');
    expect(tagAt('python', 'height')).toBe('parameter name | parameter list');
    expect(tagAt('python', 'Return')).toBe('docstring first line | docstring');
    expect(tagAt('python', 'More')).toBe('docstring | docstring');
    expect(tagAt('python', 'total =')).toBe('name being defined | assignment target');
    expect(tagAt('python', '\\')).toBe('line continuation | assignment right side');
    // The indentation on the line after the backslash, then the usual indentation.
    expect(tagAt('python', '    ', '\\\n')).toBe('line continuation | assignment right side');
    expect(tagAt('python', '    ', 'height\n')).toBe('indentation | function body');
    expect(tagAt('python', 'comment')).toBe('comment | comment');
    expect(tagAt('python', 'print')).toBe('function name being called | function body');
    expect(tagAt('python', '("')).toBe('opening bracket | call arguments');
    expect(tagAt('python', 'size')).toBe('string content | string');
    expect(tagAt('python', '"', 'size')).toBe('string delimiter | string');
    expect(tagAt('python', 'return total')).toBe('keyword | return statement');
  });

  it('JavaScript: imports, declarations, member calls, arrays, template strings', () => {
    expect(tagAt('javascript', 'a', 'import {')).toBe('imported name | import statement');
    expect(tagAt('javascript', 'f', 'function')).toBe('name being defined | function signature');
    expect(tagAt('javascript', 'x', 'f(')).toBe('parameter name | parameter list');
    expect(tagAt('javascript', 'y', 'const')).toBe('name being defined | function body');
    expect(tagAt('javascript', '"', 'from'))
      .toBe('string delimiter | string');
    expect(tagAt('javascript', 'y', '${')).toBe('variable or name read | string interpolation');
    expect(tagAt('javascript', 'run')).toBe('function name being called | assignment right side');
    expect(tagAt('javascript', '1', '[')).toBe('number | list or array literal');
    expect(tagAt('javascript', 'v', '`')).toBe('string content | string');
  });

  it('C: preprocessor, types, parameters, calls, escapes', () => {
    expect(tagAt('c', '#include')).toBe('preprocessor directive | preprocessor line');
    expect(tagAt('c', 'int')).toBe('type name | type annotation');
    expect(tagAt('c', 'main')).toBe('name being defined | function signature');
    expect(tagAt('c', 'argc')).toBe('parameter name | parameter list');
    expect(tagAt('c', 'printf')).toBe('function name being called | function body');
    expect(tagAt('c', 'return 0')).toBe('keyword | return statement');
    expect(tagAt('c', '\\n')).toBe('escape sequence | string');
    expect(tagAt('c', 'hi')).toBe('string content | string');
    expect(tagAt('c', 'char')).toBe('type name | type annotation');
    expect(tagAt('c', '0;')).toBe('number | return statement');
  });

  it('shell: commands, options, variables', () => {
    expect(tagAt('shell', 'X=')).toBe('name being defined | top level');
    expect(tagAt('shell', '-la')).toBe('command-line option | shell command');
    expect(tagAt('shell', 'X', '$')).toBe('shell variable | shell expansion or substitution');
    expect(tagAt('shell', 'foo')).toBe('shell argument | shell command');
    expect(tagAt('shell', 'grep')).toBe('shell command name | shell command');
  });

  it('Markdown and prose: headings, inline code, links, lists, code blocks, words', () => {
    expect(tagAt('markdown', '# Heading')).toBe('markdown heading | markdown heading');
    expect(tagAt('markdown', 'words')).toBe('markdown heading | markdown heading');
    expect(tagAt('markdown', 'code')).toBe('markdown code | markdown paragraph');
    expect(tagAt('markdown', 'link')).toBe('markdown link | markdown paragraph');
    expect(tagAt('markdown', 'Some')).toBe('prose word | markdown paragraph');
    expect(tagAt('markdown', '- item')).toBe('markdown list marker | markdown list item');
    expect(tagAt('markdown', 'x =')).toBe('markdown code | markdown code block');
    expect(tagAt('prose', 'Hello')).toBe('prose word | prose');
    expect(tagAt('prose', '1999')).toBe('number | prose');
    expect(tagAt('prose', ',')).toBe('prose punctuation | prose');
    expect(tagAt('prose', '\n')).toBe('newline | prose');
  });
});
