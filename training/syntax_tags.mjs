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

const MAX_CHARS = 2_000_000;
const PARSE_BUDGET_MS = 20_000;

export const LEAF_NAMES = [
  'other', 'string content', 'string delimiter', 'escape sequence', 'docstring', 'docstring first line',
  'comment', 'doc comment', 'number', 'keyword', 'constant (true/false/null)', 'operator', 'punctuation',
  'opening bracket', 'closing bracket', 'name being defined', 'parameter name', 'function name being called',
  'attribute or property name', 'object key', 'type name', 'imported name', 'module name',
  'variable or name read', 'decorator', 'indentation', 'line continuation', 'newline', 'whitespace',
  'preprocessor directive', 'shell command name', 'shell variable', 'shell argument', 'command-line option',
  'markdown heading', 'markdown code', 'markdown link', 'markdown list marker', 'markdown emphasis',
  'prose word', 'prose punctuation',
];
export const CONTEXT_NAMES = [
  'top level', 'function signature', 'parameter list', 'function body', 'class header', 'class body',
  'call arguments', 'subscript/index', 'dict or object literal', 'list or array literal',
  'parenthesized expression or tuple', 'lambda or arrow function', 'comprehension', 'condition',
  'loop header', 'block body', 'return statement', 'assignment right side', 'assignment target',
  'type annotation', 'import statement', 'decorator', 'string', 'string interpolation', 'docstring',
  'comment', 'preprocessor line', 'shell command', 'shell expansion or substitution', 'markdown heading',
  'markdown paragraph', 'markdown list item', 'markdown code block', 'markdown block quote',
  'markdown table', 'prose', 'unparsed',
];
const L = Object.fromEntries(LEAF_NAMES.map((n, i) => [n, i]));
const C = Object.fromEntries(CONTEXT_NAMES.map((n, i) => [n, i]));
const UNSET = 255;

// ---------------------------------------------------------------------------------------------------
// Node types → tags. One table for all grammars (a node type means the same thing wherever it occurs),
// with per-language overrides where it does not (bash's `list` is `a && b`, not a list literal).

const CTX_BY_TYPE = {
  function_definition: 'function signature', function_declaration: 'function signature',
  generator_function_declaration: 'function signature', method_definition: 'function signature',
  function_expression: 'function signature', function: 'function signature',
  method_signature: 'function signature', function_signature: 'function signature',
  preproc_function_def: 'preprocessor line',
  parameters: 'parameter list', lambda_parameters: 'parameter list', formal_parameters: 'parameter list',
  parameter_list: 'parameter list', preproc_params: 'parameter list',
  class_definition: 'class header', class_declaration: 'class header', class: 'class header',
  interface_declaration: 'class header', enum_declaration: 'class header', struct_specifier: 'class header',
  union_specifier: 'class header', enum_specifier: 'class header', abstract_class_declaration: 'class header',
  class_body: 'class body', field_declaration_list: 'class body', enumerator_list: 'class body',
  interface_body: 'class body', enum_body: 'class body',
  argument_list: 'call arguments', arguments: 'call arguments',
  dictionary: 'dict or object literal', set: 'dict or object literal', object: 'dict or object literal',
  object_pattern: 'dict or object literal', object_type: 'type annotation',
  list: 'list or array literal', array: 'list or array literal', array_pattern: 'list or array literal',
  list_pattern: 'list or array literal', initializer_list: 'list or array literal',
  tuple: 'parenthesized expression or tuple', parenthesized_expression: 'parenthesized expression or tuple',
  tuple_pattern: 'parenthesized expression or tuple',
  lambda: 'lambda or arrow function', arrow_function: 'lambda or arrow function',
  list_comprehension: 'comprehension', set_comprehension: 'comprehension',
  dictionary_comprehension: 'comprehension', generator_expression: 'comprehension',
  for_statement: 'loop header', for_in_statement: 'loop header', c_style_for_statement: 'loop header',
  block: 'block body', statement_block: 'block body', compound_statement: 'block body', do_group: 'block body',
  return_statement: 'return statement',
  type: 'type annotation', type_annotation: 'type annotation', type_arguments: 'type annotation',
  type_parameters: 'type annotation', type_alias_declaration: 'type annotation',
  import_statement: 'import statement', import_from_statement: 'import statement',
  future_import_statement: 'import statement', preproc_include: 'preprocessor line',
  decorator: 'decorator',
  string: 'string', template_string: 'string', string_literal: 'string', char_literal: 'string',
  raw_string: 'string', heredoc_body: 'string', system_lib_string: 'string', concatenated_string: 'string',
  regex: 'string', ansi_c_string: 'string',
  interpolation: 'string interpolation', template_substitution: 'string interpolation',
  comment: 'comment',
  preproc_def: 'preprocessor line', preproc_call: 'preprocessor line',
  command: 'shell command',
  command_substitution: 'shell expansion or substitution', expansion: 'shell expansion or substitution',
  simple_expansion: 'shell expansion or substitution', process_substitution: 'shell expansion or substitution',
  arithmetic_expansion: 'shell expansion or substitution',
  test_command: 'condition',
};
const CTX_OVERRIDES = { shell: { list: null, function_definition: 'function signature' } };
// Contexts given by a child's field in its parent ("parent.field", then "*.field"); null: no context.
const CTX_BY_FIELD = {
  '*.condition': 'condition', '*.body': 'block body', '*.consequence': 'block body',
  '*.alternative': 'block body', '*.return_type': 'type annotation', '*.type': 'type annotation',
  'ternary_expression.consequence': null, 'ternary_expression.alternative': null,
  'conditional_expression.consequence': null, 'conditional_expression.alternative': null,
  'preproc_if.condition': 'preprocessor line', 'preproc_elif.condition': 'preprocessor line',
  'preproc_if.alternative': null, 'preproc_ifdef.alternative': null, 'preproc_elif.alternative': null,
  'lambda.body': null, 'arrow_function.body': null, 'linkage_specification.body': null, 'for_statement.body': 'block body',
  'function_definition.body': 'function body', 'function_declaration.body': 'function body',
  'generator_function_declaration.body': 'function body', 'method_definition.body': 'function body',
  'function_expression.body': 'function body', 'function.body': 'function body',
  'class_definition.body': 'class body', 'class_declaration.body': 'class body', 'class.body': 'class body',
  'interface_declaration.body': 'class body', 'struct_specifier.body': 'class body',
  'union_specifier.body': 'class body', 'enum_specifier.body': 'class body', 'enum_declaration.body': 'class body',
  'abstract_class_declaration.body': 'class body',
  'assignment.right': 'assignment right side', 'augmented_assignment.right': 'assignment right side',
  'assignment_expression.right': 'assignment right side',
  'augmented_assignment_expression.right': 'assignment right side',
  'variable_declarator.value': 'assignment right side', 'init_declarator.value': 'assignment right side',
  'variable_assignment.value': 'assignment right side', 'public_field_definition.value': 'assignment right side',
  'field_definition.value': 'assignment right side',
  'assignment.left': 'assignment target', 'augmented_assignment.left': 'assignment target',
  'assignment_expression.left': 'assignment target', 'augmented_assignment_expression.left': 'assignment target',
  'for_statement.left': 'loop header', 'for_in_statement.left': 'loop header',
  'for_statement.right': 'loop header', 'for_in_statement.right': 'loop header',
};
const WEAK_FIELD_CTX = new Set(['assignment right side', 'assignment target', 'loop header']);
// Directives whose node spans their whole #if ... #endif block: only their first line is the directive.
const FIRST_LINE_CTX = { preproc_if: 'preprocessor line', preproc_ifdef: 'preprocessor line',
  preproc_elif: 'preprocessor line', preproc_else: 'preprocessor line', preproc_elifdef: 'preprocessor line' };
// Code inside a string: its punctuation is code again, not string delimiters.
const STRING_HOLES = new Set(['interpolation', 'template_substitution', 'simple_expansion', 'expansion',
  'command_substitution', 'arithmetic_expansion']);
const SUBSCRIPT_PARENTS = new Set(['subscript', 'subscript_expression', 'generic_type', 'index_expression']);
const STRING_TYPES = new Set(['string', 'template_string', 'string_literal', 'char_literal', 'raw_string',
  'heredoc_body', 'system_lib_string', 'ansi_c_string', 'regex', 'translated_string']);

const LEAF_BY_TYPE = {
  integer: 'number', float: 'number', number: 'number', number_literal: 'number',
  string_content: 'string content', string_fragment: 'string content', regex_pattern: 'string content',
  system_lib_string: 'string content', raw_string: 'string content', heredoc_body: 'string content',
  heredoc_content: 'string content', character: 'string content', ansi_c_string: 'string content',
  escape_sequence: 'escape sequence', string_start: 'string delimiter', string_end: 'string delimiter',
  heredoc_start: 'string delimiter', heredoc_end: 'string delimiter', regex_flags: 'string delimiter',
  comment: 'comment', hash_bang_line: 'comment',
  true: 'constant (true/false/null)', false: 'constant (true/false/null)', none: 'constant (true/false/null)',
  null: 'constant (true/false/null)', undefined: 'constant (true/false/null)', ellipsis: 'constant (true/false/null)',
  this: 'keyword', super: 'keyword', self: 'keyword', this_type: 'keyword',
  line_continuation: 'line continuation',
  type_identifier: 'type name', primitive_type: 'type name', predefined_type: 'type name',
  sized_type_specifier: 'type name', type_conversion: 'operator',
  preproc_directive: 'preprocessor directive',
  special_variable_name: 'shell variable', test_operator: 'command-line option',
  statement_identifier: 'name being defined',
};
const IDENTIFIERS = new Set(['identifier', 'property_identifier', 'field_identifier', 'type_identifier',
  'shorthand_property_identifier', 'shorthand_property_identifier_pattern', 'variable_name', 'word',
  'private_property_identifier', 'nested_identifier']);
const DEFINERS = new Set(['function_definition', 'class_definition', 'function_declaration',
  'class_declaration', 'generator_function_declaration', 'method_definition', 'function_expression', 'class',
  'interface_declaration', 'type_alias_declaration', 'enum_declaration', 'abstract_class_declaration',
  'variable_declarator', 'function_declarator', 'init_declarator', 'pointer_declarator', 'array_declarator',
  'declaration', 'field_declaration', 'preproc_def', 'preproc_function_def', 'struct_specifier',
  'union_specifier', 'enum_specifier', 'type_definition', 'enumerator', 'variable_assignment',
  'public_field_definition', 'field_definition', 'method_signature', 'function_signature',
  'abstract_method_signature', 'property_signature', 'parenthesized_declarator']);
const TARGET_PARENTS = new Set(['assignment', 'augmented_assignment', 'for_statement', 'for_in_statement',
  'assignment_expression', 'augmented_assignment_expression']);
const PATTERNS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'array_pattern', 'as_pattern_target']);
const CALLS = new Set(['call', 'call_expression', 'new_expression']);
const MEMBER = { attribute: 'attribute', member_expression: 'property', field_expression: 'field' };
const PARAM_LISTS = new Set(['parameters', 'lambda_parameters', 'formal_parameters', 'parameter_list',
  'preproc_params']);

// Flags inherited by descendants.
const IN_TYPE = 1, IN_IMPORT = 2, IN_MODULE = 4, IN_PARAMS = 8, IN_PARAM_VALUE = 16, IN_DECORATOR = 32,
  IN_DOCSTRING = 64, IN_STRING = 128;

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
// Tree-sitter tagging: one pre-order walk fills per-character leaf and context arrays; inner nodes
// overwrite what their ancestors wrote.

function fillCtx(ctx, s, e, name) {
  const v = C[name];
  if (v !== undefined) ctx.fill(v, s, e);
}
function fillLeaf(leaf, s, e, name) {
  const v = L[name];
  if (v !== undefined) leaf.fill(v, s, e);
}

function anonymousLeaf(type, parentType, flags) {
  if (flags & IN_DECORATOR && type === '@') return 'decorator';
  if (type === '$' && (parentType === 'simple_expansion' || parentType === 'expansion')) return 'shell variable';
  if (/^["'`]+$/.test(type) || (STRING_TYPES.has(parentType) && /^[A-Za-z]*["'`]+$/.test(type))) return 'string delimiter';
  if (type.startsWith('#') && type.length > 1) return 'preprocessor directive';
  if (type === '\\') return 'line continuation';
  if (/^[A-Za-z_][A-Za-z_0-9]*$/.test(type)) {
    return type === 'True' || type === 'False' || type === 'None' ? 'constant (true/false/null)' : 'keyword';
  }
  if (/^([([{]|\$\{|\$\(|\$\(\(|\[\[|<\()$/.test(type)) return 'opening bracket';
  if (/^([)\]}]|\)\)|\]\])$/.test(type)) return 'closing bracket';
  if (/^[,;:.]$/.test(type)) return 'punctuation';
  return 'operator';
}

// The leaf tag of a named identifier-like node, from where it sits.
function identifierLeaf(lang, type, field, st, d, flags) {
  const parent = st.types[d - 1], pField = st.fields[d - 1], gp = st.types[d - 2];
  if (flags & IN_DECORATOR) return 'decorator';
  if (flags & IN_IMPORT) return field === 'alias' || !(flags & IN_MODULE) ? 'imported name' : 'module name';
  if (lang === 'shell') {
    if (parent === 'command_name') return 'shell command name';
    if (type === 'variable_name') return parent === 'variable_assignment' ? 'name being defined' : 'shell variable';
    if (parent === 'function_definition' && field === 'name') return 'name being defined';
    if (type === 'word' && (parent === 'command' || parent === 'concatenation')) {
      return st.text.charCodeAt(st.starts[d]) === 45 /* - */ ? 'command-line option' : 'shell argument';
    }
    if (type === 'word') return 'shell argument';
  }
  if (flags & IN_PARAMS && !(flags & IN_PARAM_VALUE) && !(flags & IN_TYPE)) return 'parameter name';
  if ((field === 'name' || field === 'declarator') && DEFINERS.has(parent)) return 'name being defined';
  if (flags & IN_TYPE || type === 'type_identifier') return 'type name';
  if (field === 'left' && TARGET_PARENTS.has(parent)) return 'name being defined';
  if (PATTERNS.has(parent) && TARGET_PARENTS.has(gp)) return 'name being defined';
  if (field === 'function' && CALLS.has(parent)) return 'function name being called';
  if (field === 'constructor' && parent === 'new_expression') return 'function name being called';
  if (MEMBER[parent] === field) {
    return pField === 'function' && CALLS.has(gp) ? 'function name being called' : 'attribute or property name';
  }
  if (field === 'key' || parent === 'pair') return 'object key';
  if (field === 'name' && parent === 'keyword_argument') return 'parameter name';
  if (type === 'property_identifier' || type === 'field_identifier') return 'attribute or property name';
  return 'variable or name read';
}

function isDocstring(st, d) {
  // A string that is the whole of the first statement of a module, class or function body.
  const parent = st.types[d - 1];
  if (parent !== 'expression_statement' || st.starts[d - 1] !== st.starts[d] || st.ends[d - 1] !== st.ends[d]) return false;
  if (st.namedIndex[d - 1] !== 0) return false;
  const gp = st.types[d - 2];
  if (gp === 'module') return true;
  return gp === 'block' && (st.types[d - 3] === 'function_definition' || st.types[d - 3] === 'class_definition');
}

function fillDocstringFirstLine(text, leaf, s, e) {
  const open = /^[A-Za-z]*("""|'''|"|')/.exec(text.slice(s, Math.min(e, s + 8)));
  let i = s + (open ? open[0].length : 0);
  while (i < e && /\s/.test(text[i])) i++;
  let j = i;
  while (j < e && text[j] !== '\n') j++;
  fillLeaf(leaf, i, j, 'docstring first line');
}

// A macro body is one opaque token to the C grammar: find its strings and comments; the rest falls back
// to character classes (names, numbers, operators).
function tagMacroBody(text, leaf, ctx, s, e) {
  const re = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g;
  const body = text.slice(s, e);
  let m;
  while ((m = re.exec(body))) {
    const a = s + m.index, b = a + m[0].length;
    if (m[0][0] === '/') {
      fillLeaf(leaf, a, b, 'comment');
      fillCtx(ctx, a, b, 'comment');
    } else {
      fillCtx(ctx, a, b, 'string');
      fillLeaf(leaf, a, b, 'string content');
      leaf[a] = leaf[b - 1] = L['string delimiter'];
    }
  }
}

function tagTree(tree, text, lang) {
  const n = text.length;
  const leaf = new Uint8Array(n).fill(UNSET);
  const ctx = new Uint8Array(n).fill(C['top level']);
  const ctxByType = { ...CTX_BY_TYPE, ...(CTX_OVERRIDES[lang] ?? {}) };
  const st = { text, types: [], fields: [], starts: [], ends: [], flags: [], namedIndex: [], counters: [] };
  const cursor = tree.walk();
  let d = 0;
  st.counters[0] = 0;
  for (;;) {
    const type = cursor.nodeType, named = cursor.nodeIsNamed;
    const field = cursor.currentFieldName;
    const s = cursor.startIndex, e = cursor.endIndex;
    st.types[d] = type; st.fields[d] = field; st.starts[d] = s; st.ends[d] = e;
    st.namedIndex[d] = named && type !== 'comment' ? st.counters[d]++ : -1;
    const parent = d > 0 ? st.types[d - 1] : '';
    let flags = d > 0 ? st.flags[d - 1] : 0;

    // Context of this node: by field in its parent first, then by its own type.
    const key = `${parent}.${field}`;
    const byField = !field ? undefined : key in CTX_BY_FIELD ? CTX_BY_FIELD[key] : CTX_BY_FIELD[`*.${field}`];
    const byType = named ? ctxByType[type] : undefined;
    // A field's context is the more specific one ("function body" over "block body"), except where the
    // field only says which side of an assignment this is and the node is itself a construct (a literal).
    let ctxName = byField === undefined || (byType && WEAK_FIELD_CTX.has(byField)) ? byType : byField;
    if (parent === 'class_definition' && field === 'superclasses') ctxName = 'class header';
    const docstring = lang === 'python' && type === 'string' && isDocstring(st, d);
    if (docstring) ctxName = 'docstring';
    if (ctxName) fillCtx(ctx, s, e, ctxName);
    if (named && FIRST_LINE_CTX[type]) {
      const nl = text.indexOf('\n', s);
      fillCtx(ctx, s, nl < 0 || nl > e ? e : nl, FIRST_LINE_CTX[type]);
    }
    if (!named && (type === '[' || type === '[[') && SUBSCRIPT_PARENTS.has(parent)) fillCtx(ctx, s, st.ends[d - 1], 'subscript/index');

    // Flags for this node and its descendants.
    if (ctxName === 'type annotation' || type === 'type') flags |= IN_TYPE;
    if (ctxName === 'import statement' || type === 'import_clause' || type === 'import_specifier') flags |= IN_IMPORT;
    if (field === 'module_name' || (parent === 'import_statement' && field === 'name' && lang === 'python')) flags |= IN_MODULE;
    if (PARAM_LISTS.has(type) && (lang !== 'c' || type === 'preproc_params')) flags |= IN_PARAMS;
    if (type === 'parameter_declaration' || type === 'optional_parameter_declaration') flags |= IN_PARAMS;
    if (flags & IN_PARAMS && (field === 'value' || field === 'right' || field === 'default')) flags |= IN_PARAM_VALUE;
    if (type === 'decorator') flags |= IN_DECORATOR;
    if (STRING_HOLES.has(type)) flags &= ~(IN_STRING | IN_DOCSTRING);
    if (STRING_TYPES.has(type) || type === 'concatenated_string') flags |= IN_STRING;
    if (docstring) flags |= IN_DOCSTRING;
    st.flags[d] = flags;

    // Leaf tags: strings and comments are pre-filled whole (some grammars leave their content unnamed);
    // childless nodes get their own tag.
    if (docstring) {
      fillLeaf(leaf, s, e, 'docstring');
      fillDocstringFirstLine(text, leaf, s, e);
    } else if (named && STRING_TYPES.has(type)) fillLeaf(leaf, s, e, 'string content');
    if (named && type === 'comment') {
      const doc = text.startsWith('/**', s) || text.startsWith('///', s) || text.startsWith('//!', s);
      fillLeaf(leaf, s, e, doc ? 'doc comment' : 'comment');
    }

    if (type === 'preproc_arg') tagMacroBody(text, leaf, ctx, s, e);

    if (cursor.gotoFirstChild()) {
      d++;
      st.counters[d] = 0;
      continue;
    }
    if (type !== 'comment' && e > s) {
      let name;
      if (!named) name = flags & IN_STRING && !/^[{}]$|^\$\{$/.test(type) ? 'string delimiter' : anonymousLeaf(type, parent, flags);
      else if ((type === 'string_content' || type === 'string_fragment') && flags & IN_DOCSTRING) name = undefined;
      else if (LEAF_BY_TYPE[type] && !(type === 'type_identifier' && (field === 'name' || field === 'declarator') && DEFINERS.has(parent))) {
        name = LEAF_BY_TYPE[type];
      } else if (IDENTIFIERS.has(type)) name = identifierLeaf(lang, type, field, st, d, flags);
      if (name) fillLeaf(leaf, s, e, name);
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        cursor.delete();
        return { leaf, ctx };
      }
      d--;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Character-class tagging: prose, Markdown (line-based) and the fallback for code.

const isSpace = (c) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
const WORD = /[\p{L}\p{N}_']/u;

// mode: 'prose'; 'code' (text a parsed tree leaves untagged: a macro body, mostly names); 'unparsed'.
function charClassLeaf(ch, mode) {
  const prose = mode === 'prose';
  if (/\p{N}/u.test(ch)) return 'number';
  if (WORD.test(ch)) return prose ? 'prose word' : mode === 'code' ? 'variable or name read' : 'other';
  if (prose) return 'prose punctuation';
  if ('([{'.includes(ch)) return 'opening bracket';
  if (')]}'.includes(ch)) return 'closing bracket';
  if (',;:.'.includes(ch)) return 'punctuation';
  return 'operator';
}

function tagCharClass(text, ctxName) {
  const leaf = new Uint8Array(text.length).fill(UNSET);
  const ctx = new Uint8Array(text.length).fill(C[ctxName]);
  for (let i = 0; i < text.length; i++) {
    if (!isSpace(text.charCodeAt(i))) leaf[i] = L[charClassLeaf(text[i], ctxName === 'prose' ? 'prose' : 'unparsed')];
  }
  return { leaf, ctx };
}

function tagMarkdown(text) {
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
