// Where bundles live: the bundled default inside the extension, and user-given folders (absolute,
// `~/…`, or relative to the first workspace folder).
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_BUNDLE_SEGMENTS } from '../../shared/defaultBundle';

export function defaultBundleDir(extensionPath: string): string {
  return path.join(extensionPath, ...DEFAULT_BUNDLE_SEGMENTS);
}

/** Resolves a configured folder; '' = the bundled default. */
export function resolveBundleDir(configured: string, extensionPath: string, workspaceRoot: string | undefined): string {
  const p = configured.trim();
  if (p === '') return defaultBundleDir(extensionPath);
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) return path.join(os.homedir(), p.slice(1));
  if (path.isAbsolute(p)) return path.normalize(p);
  return path.resolve(workspaceRoot ?? extensionPath, p);
}
