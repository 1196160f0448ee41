// Model bundle loading and validation (docs/bundle-format.md). Every problem comes back as an
// EngineError value naming the file and what is wrong; nothing here throws past these functions.
import type { Result } from '../types';
import type { Bundle, Dictionary, LoadBundleOptions } from './types';
export type * from './types';

export async function loadBundle(dir: string, options: LoadBundleOptions = {}): Promise<Result<Bundle>> {
  void dir; void options;
  return { ok: false, error: { kind: 'internal', message: 'loadBundle: not implemented yet' } };
}

/** An SAELens folder outside the bundle (`--sae DIR`); expectedD = the hook width it must match. */
export async function loadSaeFolder(dir: string, options: { expectedD?: number } = {}): Promise<Result<Dictionary>> {
  void dir; void options;
  return { ok: false, error: { kind: 'internal', message: 'loadSaeFolder: not implemented yet' } };
}
