// Feature cards: the bundle's own (cards/<hook>/cards.bin, one positioned read + inflate per card) or, for
// dictionaries without cards (e.g. `--sae DIR`), one computed on demand from the decoder row through the
// tied unembedding (promoted/suppressed = largest/smallest of W_dec[i] @ W_U, W_U = W_E^T read from
// model.onnx's embedding initializer).

export interface TokenLogit {
  id: number;
  text: string;
  logit: number;
}

export interface FeatureCard {
  index: number;
  label: string;
  label_method?: string;
  density?: number;
  max_activation?: number;
  mean_activation?: number;
  histogram?: { edges: number[]; counts: number[] };
  top_contexts?: { tokens: string[]; index: number; activation: number }[];
  promoted: TokenLogit[];
  suppressed: TokenLogit[];
  /** True when the card was computed at run time (the bundle has no card for this dictionary). */
  computed?: boolean;
}

