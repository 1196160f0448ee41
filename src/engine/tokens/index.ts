// Tokens -> exact text ranges. No `vscode` import.
export { TextTokenizer, END_OF_TEXT } from './text-tokenizer';
export type { EncodeOptions } from './text-tokenizer';
export { tokenIndexAt, alignTokens } from './ranges';
export { byteLevelToBytes, bytesToByteLevel, bytesToDisplayText, BYTE_TO_CHAR } from './byte-level';
