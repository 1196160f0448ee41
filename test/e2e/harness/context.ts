// What globalSetup hands to every e2e test file (vitest's provide/inject).
export interface E2EContext {
  codeServerBin: string;
  extensionsDir: string;
  /** The packaged file that was installed. */
  vsix: string;
  /** The folder code-server unpacked it to (EXT/<publisher>.<name>-<version>-<target>). */
  installedExtension: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2EContext;
  }
}
