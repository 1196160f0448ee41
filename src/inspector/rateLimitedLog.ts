// A log that writes at most `limit` lines per window and counts the rest, so a panel that floods the
// host with malformed messages costs a few lines of output, not thousands. The count of dropped
// lines is written when the next window opens. Pure: the clock is injected.

export interface RateLimitedLogOptions {
  /** Lines written per window; the rest are counted. */
  limit: number;
  windowMs: number;
  /** Writes one line. */
  write: (line: string) => void;
  /** The line that reports `count` dropped lines. */
  droppedLine: (count: number) => string;
  /** Milliseconds; Date.now by default. */
  now?: () => number;
}

export class RateLimitedLog {
  private windowStart: number | undefined;
  private written = 0;
  private dropped = 0;
  private readonly now: () => number;

  constructor(private readonly options: RateLimitedLogOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Writes `line` unless this window's limit is reached. Returns whether it was written. */
  write(line: string): boolean {
    const now = this.now();
    if (this.windowStart === undefined || now - this.windowStart > this.options.windowMs) {
      if (this.dropped > 0) this.options.write(this.options.droppedLine(this.dropped));
      this.windowStart = now;
      this.written = 0;
      this.dropped = 0;
    }
    if (this.written >= this.options.limit) {
      this.dropped++;
      return false;
    }
    this.written++;
    this.options.write(line);
    return true;
  }
}
