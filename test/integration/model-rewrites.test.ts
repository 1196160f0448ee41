// The analysis model's load-time rewrites against model.onnx as shipped, in real ONNX Runtime: counting the
// target's rank in float gives every output bit for bit, and the context-only cut gives the same KV.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { countInFloat, sessionOptions } from '../../src/engine/onnx';
import { contextModelBytes, kvOutputNames } from '../../src/engine/inference';
import { realBundle } from './inference-helpers';

const bundle = realBundle();

describe.skipIf(!bundle)('model.onnx rewrites on the default bundle', () => {
  const manifest = bundle ? JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8')) : null;
  const modelPath = bundle ? path.join(bundle, 'model.onnx') : '';
  const feeds = (n: number, withTargets: boolean): Record<string, ort.Tensor> => {
    const a = manifest.architecture;
    const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 977 + 13) % a.d_vocab));
    const f: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, [1, n]) };
    if (withTargets) f.target_ids = new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 31 + 5) % a.d_vocab)), [1, n]);
    for (let l = 0; l < a.n_layers; l++) {
      f[`past_key_${l}`] = new ort.Tensor('float32', new Float32Array(0), [1, a.n_heads, 0, a.d_head]);
      f[`past_value_${l}`] = new ort.Tensor('float32', new Float32Array(0), [1, a.n_heads, 0, a.d_head]);
    }
    return f;
  };

  it('counting in float rewrites the rank count and changes no output', async () => {
    const rewritten = countInFloat(fs.readFileSync(modelPath));
    expect(rewritten.rewritten).toBe(1);
    const original = await ort.InferenceSession.create(modelPath, sessionOptions({ threads: 2 }));
    const counted = await ort.InferenceSession.create(rewritten.bytes, sessionOptions({ threads: 2 }));
    const f = feeds(96, true);
    const a = await original.run(f);
    const b = await counted.run(f);
    expect(counted.outputNames).toEqual(original.outputNames);
    for (const k of original.outputNames) {
      expect(b[k].type, k).toBe(a[k].type);
      expect(Array.from(b[k].data as ArrayLike<number | bigint>), k).toEqual(Array.from(a[k].data as ArrayLike<number | bigint>));
    }
    const ranks = Array.from(a.target_rank.data as BigInt64Array, Number);
    expect(new Set(ranks).size).toBeGreaterThan(10); // the counts are real ranks, not all 0
    await original.release();
    await counted.release();
  });

  it('the context-only cut returns the KV of the whole model', async () => {
    const bytes = contextModelBytes(modelPath, manifest.architecture.n_layers);
    expect(bytes).not.toBeNull();
    const whole = await ort.InferenceSession.create(modelPath, sessionOptions({ threads: 2 }));
    const context = await ort.InferenceSession.create(bytes!, sessionOptions({ threads: 2 }));
    expect(context.inputNames).not.toContain('target_ids');
    expect([...context.outputNames].sort()).toEqual(kvOutputNames(manifest.architecture.n_layers).sort());
    const a = await whole.run(feeds(80, true));
    const b = await context.run(feeds(80, false));
    let maxDiff = 0;
    for (const k of context.outputNames) {
      const x = a[k].data as Float32Array;
      const y = b[k].data as Float32Array;
      expect(y.length).toBe(x.length);
      for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
    }
    expect(maxDiff).toBeLessThan(1e-5);
    await whole.release();
    await context.release();
  });
});
