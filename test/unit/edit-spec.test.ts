// The edit syntax (parse, format, checks against the dictionaries), which positions an edit covers, the
// order of hooks along the model, and the graph surgery that cuts a model at a hook.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { editProblem, formatEdit, parseEdit, type FeatureEdit } from '../../src/engine';
import { cutInputName, DataType, encodeModel, ParsedModel } from '../../src/engine/onnx';
import { attentionAfter, compareHooks, editPositions, EditScope } from '../../src/engine/edit/scope';

const H = 'blocks.0.hook_resid_post';
const DICTS = [{ hookName: H, dSae: 100 }];

describe('edit syntax', () => {
  it.each<[string, FeatureEdit]>([
    [`${H}:12=0`, { hook: H, feature: 12, op: 'ablate' }],
    [`${H}:12=x2.5`, { hook: H, feature: 12, op: 'scale', factor: 2.5 }],
    [`${H}:12=x-1e-1`, { hook: H, feature: 12, op: 'scale', factor: -0.1 }],
    [`${H}:3=-4`, { hook: H, feature: 3, op: 'clamp', value: -4 }],
    [`${H}:3=7@10-20`, { hook: H, feature: 3, op: 'clamp', value: 7, range: { start: 10, end: 20 } }],
    [`${H}:splice`, { hook: H, op: 'splice' }],
    [`${H}:splice@0-5`, { hook: H, op: 'splice', range: { start: 0, end: 5 } }],
  ])('%s', (text, edit) => {
    const r = parseEdit(text);
    expect(r).toEqual({ ok: true, value: edit });
    expect(parseEdit(formatEdit(edit))).toEqual({ ok: true, value: edit });
  });

  it.each([
    ['12=0', /no HOOK/],
    [`${H}:12`, /no =SPEC/],
    [`${H}:a=0`, /feature "a" is not a whole number/],
    [`${H}:-1=0`, /not a whole number/],
    [`${H}:1=x`, /scale "x" is not x followed by a number/],
    [`${H}:1=fast`, /neither 0, xS nor a number/],
    [`${H}:1=NaN`, /neither/],
    [`${H}:1=0@5`, /not START-END/],
    [`${H}:1=0@9-3`, /END must be >= START/],
  ])('refuses %s', (text, why) => {
    const r = parseEdit(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(why);
      expect(r.message).toContain(text);
    }
  });

  it('checks edits against the dictionaries and the text', () => {
    expect(editProblem([{ hook: H, feature: 99, op: 'ablate' }], DICTS, 10)).toBeNull();
    expect(editProblem([{ hook: H, feature: 100, op: 'ablate' }], DICTS, 10)).toMatch(/feature 100 is out of range \(blocks.0.hook_resid_post has features 0..99\)/);
    expect(editProblem([{ hook: 'blocks.3.hook_resid_pre', op: 'splice' }], DICTS, 10)).toMatch(/has no dictionary \(hooks with one: blocks.0.hook_resid_post\)/);
    expect(editProblem([{ hook: H, feature: 1, op: 'scale', factor: Infinity }], DICTS, 10)).toMatch(/finite/);
    expect(editProblem([{ hook: H, feature: 1, op: 'clamp', value: 1, range: { start: 4, end: 11 } }], DICTS, 10)).toMatch(/past the end/);
    expect(editProblem([{ hook: H, feature: 1, op: 'clamp', value: 1, range: { start: 4, end: 2 } }], DICTS, 10)).toMatch(/START <= END/);
    expect(editProblem([{ hook: H, feature: 1, op: 'nope' } as unknown as FeatureEdit], DICTS, 10)).toMatch(/unknown operation/);
  });
});

describe('edit scope', () => {
  // Tokens: [0,3) [3,4) [4,4) (a token holding only later bytes of a character) [4,9)
  const starts = Int32Array.from([0, 3, 4, 4]);
  const ends = Int32Array.from([3, 4, 4, 9]);
  const e = (range?: { start: number; end: number }): FeatureEdit => ({ hook: H, feature: 1, op: 'ablate', ...(range ? { range } : {}) });

  it('covers the tokens a range meets; an empty range covers the token at its offset', () => {
    expect(editPositions(e(), starts, ends)).toEqual({ from: 0, to: 4 });
    expect(editPositions(e({ start: 1, end: 2 }), starts, ends)).toEqual({ from: 0, to: 1 });
    expect(editPositions(e({ start: 2, end: 5 }), starts, ends)).toEqual({ from: 0, to: 4 });
    expect(editPositions(e({ start: 3, end: 3 }), starts, ends)).toEqual({ from: 1, to: 2 });
    expect(editPositions(e({ start: 9, end: 9 }), starts, ends)).toEqual({ from: 4, to: 4 });
  });

  it('gives each row its edits, the first edited position, and reaches a continuation only from the cursor', () => {
    const a = e({ start: 3, end: 4 });
    const b: FeatureEdit = { hook: 'blocks.1.hook_resid_pre', op: 'splice', range: { start: 5, end: 9 } };
    const s = new EditScope([b, a], starts, ends);
    expect(s.first).toBe(1);
    expect(s.hooks).toEqual([H, 'blocks.1.hook_resid_pre']);
    expect(s.rowEdits(H, 0, 4)).toEqual([[], [a], [], []]);
    expect(s.firstIn(2, 4)).toBe(3);
    expect(s.rowEdits(H, 4, 3)).toEqual([[], [], []]);
    const c = new EditScope([a, e()], starts, ends, { offset: 9 });
    expect(c.rowEdits(H, 4, 2)).toEqual([[e()], [e()]]); // only the whole-document edit reaches the cursor
  });

  it('orders hooks as the model computes them and knows which attention lies after each', () => {
    const names = ['blocks.1.hook_resid_pre', 'blocks.0.mlp.hook_post', 'blocks.0.hook_resid_post', 'blocks.0.hook_resid_pre', 'blocks.0.hook_resid_mid', 'blocks.10.hook_resid_pre'];
    expect([...names].sort(compareHooks)).toEqual(['blocks.0.hook_resid_pre', 'blocks.0.hook_resid_mid', 'blocks.0.mlp.hook_post', 'blocks.0.hook_resid_post', 'blocks.1.hook_resid_pre', 'blocks.10.hook_resid_pre']);
    expect(attentionAfter('blocks.1.hook_resid_pre', 1)).toBe(true);
    expect(attentionAfter('blocks.1.hook_resid_mid', 1)).toBe(false);
    expect(attentionAfter('blocks.1.hook_resid_post', 1)).toBe(false);
    expect(attentionAfter('blocks.1.hook_resid_post', 2)).toBe(true);
  });
});

describe('graph surgery', () => {
  // x -> Add(x, a) = t -> Identity -> hook (an output) ; t -> Mul(t, m) -> y ; x -> Neg -> unused
  const model = encodeModel({
    name: 'g',
    inputs: [{ name: 'x', type: DataType.FLOAT, shape: [1, 'n', 2] }],
    outputs: [
      { name: 'hook', type: DataType.FLOAT, shape: [1, 'n', 2] },
      { name: 'y', type: DataType.FLOAT, shape: [1, 'n', 2] },
      { name: 'unused', type: DataType.FLOAT, shape: [1, 'n', 2] },
    ],
    initializers: [{ name: 'a', dims: [2], data: Float32Array.from([1, 2]) }, { name: 'm', dims: [2], data: Float32Array.from([10, 100]) }],
    nodes: [
      { op: 'Add', inputs: ['x', 'a'], outputs: ['t'] },
      { op: 'Identity', inputs: ['t'], outputs: ['hook'] },
      { op: 'Mul', inputs: ['t', 'm'], outputs: ['y'] },
      { op: 'Neg', inputs: ['x'], outputs: ['unused'] },
    ],
  });
  const x = new ort.Tensor('float32', Float32Array.from([1, 1, 2, 2]), [1, 2, 2]);

  it('cuts at a hook: consumers of the tensor the hook aliases see the fed value', async () => {
    const parsed = new ParsedModel(model);
    expect(parsed.sourceOf('hook')).toBe('t');
    const tail = await ort.InferenceSession.create(parsed.segment({ from: 'hook', outputs: ['y', 'hook'] }));
    expect(tail.inputNames).toEqual([cutInputName('hook')]);
    const out = await tail.run({ [cutInputName('hook')]: new ort.Tensor('float32', Float32Array.from([0.5, 1, 2, 3]), [1, 2, 2]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([5, 100, 20, 300]);
    expect(Array.from(out.hook.data as Float32Array)).toEqual([0.5, 1, 2, 3]);
  });

  it('keeps only the nodes the outputs need', async () => {
    const head = await ort.InferenceSession.create(new ParsedModel(model).segment({ from: null, outputs: ['hook'] }));
    expect(head.outputNames).toEqual(['hook']);
    const out = await head.run({ x });
    expect(Array.from(out.hook.data as Float32Array)).toEqual([2, 3, 3, 4]);
    expect(() => new ParsedModel(model).segment({ from: 'hook', outputs: ['unused'] })).not.toThrow();
    expect(() => new ParsedModel(model).segment({ from: null, outputs: ['nowhere'] })).toThrow(/cannot be computed/);
  });
});
