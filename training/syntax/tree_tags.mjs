// Tree-sitter tagging (see training/syntax_tags.mjs for what the tags mean and how tokens get them).
import { C, L, UNSET, fillCtx, fillLeaf } from './names.mjs';

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

// ---------------------------------------------------------------------------------------------------
// Tree-sitter tagging: one pre-order walk fills per-character leaf and context arrays; inner nodes
// overwrite what their ancestors wrote.

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

export function tagTree(tree, text, lang) {
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
