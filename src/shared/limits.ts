// Size limits shared by the extension, the engine and the CLI, so that each says the same number
// (docs/snapshot-format.md, README "Limits"). Each is a default that a setting or flag can change where
// noted; the *_CEILING values bound what a setting or flag may ask for.

/**
 * Largest document analysed, in UTF-8 bytes. Extension: activationInspector.maxDocumentSize; CLI: --max-bytes.
 * A byte can be a token (emoji, CJK, symbols: the worst case), and memory grows with the tokens: the
 * worst case at this limit, 100,000 tokens, peaks at about 1.2 GB analysed and exported and 1.85 GB
 * exported with activations (docs/cli.md, "Input files and their limit"), and its snapshot and activations files stay under
 * MAX_SNAPSHOT_BYTES and MAX_SNAPSHOT_ACTIVATIONS_BYTES. At 200,000 neither held.
 */
export const DEFAULT_MAX_DOCUMENT_BYTES = 100_000;
/** Highest value the setting or --max-bytes accepts. */
export const MAX_DOCUMENT_BYTES_CEILING = 10_000_000;

/**
 * Largest snapshot JSON file read or written, in bytes, checked before reading. A snapshot takes about
 * 2 KB a token with the default options (the worst case of the default document limit is about 205 MB), and the reader parses it
 * in slices that let the editor go on working; what stays bounded is memory (the parsed tokens take
 * several times the file's size).
 */
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;
/** Largest snapshot activations file (.safetensors) read, in bytes. */
export const MAX_SNAPSHOT_ACTIVATIONS_BYTES = 1024 * 1024 * 1024;

/** Largest labels.json of one dictionary's cards, in bytes. */
export const MAX_CARD_LABELS_BYTES = 16 * 1024 * 1024;
/** Largest single feature card, in bytes after inflating. */
export const MAX_CARD_BYTES = 1024 * 1024;
