// Where the extension's parts write their log lines (the "Activation Inspector" output channel in the
// extension; a recorder in tests).

export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}
