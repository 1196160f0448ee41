// Entry of dist/cli.js, the `activation-inspector` command. Any bad input ends with exit code 1 (2 for
// usage) and a one-line reason on stderr.
import { analyzeCommand, ANALYZE_USAGE } from './analyze';
import { evalCommand, EVAL_USAGE } from './eval';
import { benchCommand, BENCH_USAGE } from './bench';
import { continueCommand, CONTINUE_USAGE } from './continue';
import { explainCommand, EXPLAIN_USAGE } from './explain';
import { diffCommand, DIFF_USAGE } from './diff';
import { indexCommand, INDEX_USAGE } from './index-command';
import { findCommand, FIND_USAGE } from './find';
import { quantizeCheckCommand, QUANTIZE_CHECK_USAGE } from './quantize-check';
import { escapeInvisible } from '../shared/present';
import { UsageError } from './args';

const USAGE = `usage:
  ${ANALYZE_USAGE}
  ${CONTINUE_USAGE}
  ${EVAL_USAGE}
  ${EXPLAIN_USAGE}
  ${DIFF_USAGE}
  ${INDEX_USAGE}
  ${FIND_USAGE}
  ${BENCH_USAGE}
  ${QUANTIZE_CHECK_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'analyze':
      return analyzeCommand(rest);
    case 'continue':
      return continueCommand(rest);
    case 'eval':
      return evalCommand(rest);
    case 'bench':
      return benchCommand(rest);
    case 'explain':
      return explainCommand(rest);
    case 'diff':
      return diffCommand(rest);
    case 'index':
      return indexCommand(rest);
    case 'find':
      return findCommand(rest);
    case 'quantize-check':
      return quantizeCheckCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${cmd}" (analyze, continue, eval, explain, diff, index, find, bench or quantize-check)`);
  }
}

// `activation-inspector analyze big.py | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    const msg = e instanceof UsageError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
    // One line, and no raw control characters (a file name can hold any) reach the terminal.
    process.stderr.write(`activation-inspector: ${escapeInvisible(msg.replace(/\s*\n\s*/g, ' '))}\n`);
    process.exitCode = e instanceof UsageError ? 1 : 70;
  },
);
