// 1,000+ malformed messages in each direction: all rejected, none throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFromWebview, parseToWebview, type ParsedMessage } from '../../src/protocol';
import { arbitraryValues, mutations } from './protocolMalformed';
import { validFromWebview, validToWebview } from './protocolSamples';

function expectRejected(parse: (raw: unknown) => ParsedMessage<unknown>) {
  return (raw: unknown) => {
    let result: ParsedMessage<unknown> | undefined;
    expect(() => (result = parse(raw))).not.toThrow();
    expect(result!.ok, fc.stringify(raw).slice(0, 300)).toBe(false);
    expect(typeof (result as { reason: string }).reason).toBe('string');
  };
}

describe('malformed messages are rejected without throwing', () => {
  it('1,000 mutated host->panel messages', () => {
    fc.assert(fc.property(mutations(validToWebview), expectRejected(parseToWebview)), { numRuns: 1000 });
  });

  it('1,000 mutated panel->host messages', () => {
    fc.assert(fc.property(mutations(validFromWebview), expectRejected(parseFromWebview)), { numRuns: 1000 });
  });

  it('1,000 arbitrary values in each direction', () => {
    const arbitrary = arbitraryValues([...validToWebview.map((m) => m.type), ...validFromWebview.map((m) => m.type)]);
    fc.assert(fc.property(arbitrary, expectRejected(parseToWebview)), { numRuns: 1000 });
    fc.assert(fc.property(arbitrary, expectRejected(parseFromWebview)), { numRuns: 1000 });
  });
});
