// The model bundle that ships inside the package, used when no other is configured: by the extension
// (src/editor/model/bundlePaths.ts, "Select Model") and by the CLI (src/cli/args.ts).

export const DEFAULT_BUNDLE_ID = 'code-gpt2-2l';

/** Where the default bundle lies, as path segments from the package root. */
export const DEFAULT_BUNDLE_SEGMENTS: readonly string[] = ['media', 'models', DEFAULT_BUNDLE_ID];
