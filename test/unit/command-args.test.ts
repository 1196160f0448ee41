import { describe, expect, it } from 'vitest';
import { offsetArg } from '../../src/editor/commandArgs';

describe('offsetArg', () => {
  it('keeps a string uri and a whole, non-negative offset', () => {
    expect(offsetArg({ uri: 'file:///a.py', offset: 12 })).toEqual({ uri: 'file:///a.py', offset: 12 });
    expect(offsetArg({ offset: 0 })).toEqual({ uri: undefined, offset: 0 });
  });

  it('drops malformed parts and ignores what is not an object', () => {
    expect(offsetArg({ uri: 3, offset: -1 })).toEqual({ uri: undefined, offset: undefined });
    expect(offsetArg({ uri: 'u', offset: 1.5 })).toEqual({ uri: 'u', offset: undefined });
    expect(offsetArg({ offset: '4' })).toEqual({ uri: undefined, offset: undefined });
    expect(offsetArg(null)).toBeUndefined();
    expect(offsetArg('file:///a.py')).toBeUndefined();
    expect(offsetArg(undefined)).toBeUndefined();
  });
});
