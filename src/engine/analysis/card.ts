// Feature cards: the bundle's own (cards/<hook>/cards.jsonl, one positioned read per card) or, for
// dictionaries without cards (e.g. `--sae DIR`), one computed on demand from the decoder row through the
// tied unembedding (promoted/suppressed = largest/smallest of W_dec[i] @ W_U, W_U = W_E^T read from
// model.onnx's embedding initializer).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Result } from '../types';

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

export class CardFile {
  private offsets: Uint32Array | null = null;
  constructor(readonly dir: string, readonly hook: string) {}

  async read(index: number): Promise<Result<FeatureCard>> {
    const jsonl = path.join(this.dir, 'cards.jsonl');
    try {
      if (!this.offsets) {
        const raw = await fs.readFile(path.join(this.dir, 'cards.offsets'));
        this.offsets = new Uint32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      }
      if (!(index >= 0 && index + 1 < this.offsets.length)) {
        return { ok: false, error: { kind: 'bad-input', message: `feature ${index} is out of range for ${this.hook}` } };
      }
      const start = this.offsets[index];
      const len = this.offsets[index + 1] - start;
      const fh = await fs.open(jsonl, 'r');
      try {
        const buf = Buffer.alloc(len);
        await fh.read(buf, 0, len, start);
        return { ok: true, value: JSON.parse(buf.toString('utf8')) as FeatureCard };
      } finally {
        await fh.close();
      }
    } catch (e) {
      return { ok: false, error: { kind: 'unreadable-file', file: jsonl, message: `card ${index} of ${this.hook}: ${(e as Error).message}` } };
    }
  }
}
