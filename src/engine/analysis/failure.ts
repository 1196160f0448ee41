import type { EngineError } from '../types';

/** An error value at the engine boundary. */
export function failure(kind: EngineError['kind'], message: string, file?: string): { ok: false; error: EngineError } {
  return { ok: false, error: file === undefined ? { kind, message } : { kind, message, file } };
}
