// Size limits on what a bundle may ask the engine to read and parse (docs/bundle-format.md, "Limits").
// Each is checked before the bytes are parsed, so a hostile or damaged bundle costs at most this much
// memory and parsing time on the thread that loads it (the extension host, for the editor). They are far
// above what a real bundle needs: the default bundle's largest card inflates to about 4 KB, its largest
// labels.json is 360 KB. They are not settings: a bundle that needs more is not a bundle this version reads.
import { MAX_CARD_BYTES, MAX_CARD_LABELS_BYTES } from '../../shared/limits';

export const BUNDLE_LIMITS = Object.freeze({
  /** manifest.json. */
  manifestBytes: 4 * 1024 * 1024,
  /** tokenizer.json (GPT-2's is 1.4 MB). */
  tokenizerBytes: 32 * 1024 * 1024,
  /** A dictionary's cfg.json. */
  saeConfigBytes: 1024 * 1024,
  /** A hook's labels.json (labels + densities of every feature, read with the bundle). */
  labelsBytes: MAX_CARD_LABELS_BYTES,
  /** One feature card: its stored (deflated) blob, and its JSON once inflated. */
  cardBytes: MAX_CARD_BYTES,
  /** cards/tokens.bin, the token ids card contexts point into (the default bundle's: 3 MB). */
  cardTokensBytes: 64 * 1024 * 1024,
  /** Tokens one stored card context may span (the recipe writes 24 before + the token + 4 after). */
  cardContextTokens: 256,
  /** cards.dict: zlib's window, the most a preset dictionary can use. */
  cardsDictionaryBytes: 32 * 1024,
  /** Largest |value| accepted in a dictionary's weights: larger ones overflow float32 activations. */
  dictionaryWeightAbs: 1e8,
});
