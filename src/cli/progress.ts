// Progress of a long analysis on stderr, so a large file never looks like a hang. On a terminal one line
// is redrawn in place (and cleared at the end); with --progress and stderr not a terminal (a log, CI),
// a line is written at each tenth of the work. stdout (the table or "wrote ...") is never touched.

export interface ProgressSink {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressReporter {
  update(done: number, total: number): void;
  finish(): void;
}

/** Redraws on a terminal at most this often. */
const TTY_REDRAW_MS = 200;

/** A reporter for `label`, or one that says nothing when progress is neither asked for nor on a terminal. */
export function progressReporter(label: string, asked: boolean, sink: ProgressSink = process.stderr, now: () => number = Date.now): ProgressReporter {
  if (sink.isTTY) {
    let lastDraw = -Infinity;
    let drawn = false;
    return {
      update(done, total) {
        if (now() - lastDraw < TTY_REDRAW_MS && done < total) return;
        lastDraw = now();
        drawn = true;
        sink.write(`\r${label}: ${done}/${total} tokens (${percent(done, total)}%)\u001b[K`);
      },
      finish() {
        if (drawn) sink.write('\r\u001b[K');
      },
    };
  }
  if (!asked) return { update() {}, finish() {} };
  let lastTenth = -1;
  return {
    update(done, total) {
      const tenth = Math.floor((10 * done) / Math.max(total, 1));
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      sink.write(`${label}: ${done}/${total} tokens (${percent(done, total)}%)\n`);
    },
    finish() {},
  };
}

function percent(done: number, total: number): number {
  return total > 0 ? Math.floor((100 * done) / total) : 100;
}
