// Size limits shared by the extension, the engine and the CLI, so that each says the same number
// (docs/snapshot-format.md, README "Limits"). Each is a default that a setting or flag can change where
// noted; the *_CEILING values bound what a setting or flag may ask for.

/** Largest document analysed, in UTF-8 bytes. Extension: activationInspector.maxDocumentSize; CLI: --max-bytes. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 200_000;
/** Highest value the setting or --max-bytes accepts. */
export const MAX_DOCUMENT_BYTES_CEILING = 10_000_000;

/**
 * Largest snapshot JSON file read or written, in bytes, checked before reading. A snapshot takes about
 * 2 KB a token with the default options (a 200 KB source file is about 170 MB), and the reader parses it
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
