// Tag names (language-independent, human-readable: they become label text) and helpers that fill a
// per-character tag array by name. Shared by the tree-sitter and character-class taggers.

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
export const L = Object.fromEntries(LEAF_NAMES.map((n, i) => [n, i]));
export const C = Object.fromEntries(CONTEXT_NAMES.map((n, i) => [n, i]));
export const UNSET = 255;

export function fillCtx(ctx, s, e, name) {
  const v = C[name];
  if (v !== undefined) ctx.fill(v, s, e);
}
export function fillLeaf(leaf, s, e, name) {
  const v = L[name];
  if (v !== undefined) leaf.fill(v, s, e);
}
