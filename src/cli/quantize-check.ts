// `activation-inspector quantize-check BUNDLE --text FILE... [--write]`: measures, per dictionary, how far
// the int8 encoder's features are from float32's on held-out text (top feature, top-8 overlap, explained
// variance; the bars in docs/bundle-format.md) and prints the figures. With --write it records the result
// in the bundle's manifest.json: `encoder: { precision: "int8", agreement }` where the bars are met, no
// `encoder` (float32) where they are not. manifest.json is not in its own `files` list, so no hash changes.
import fs from 'node:fs';
import path from 'node:path';
import { AGREEMENT_BARS, checkEncoders, markEncoders, type EncoderCheck } from '../engine';
import { escapeInvisible } from '../shared/present';
import { intArg, maxBytesArg, inputOptions, parse, readTextFile, stringArg, UsageError } from './args';

export const QUANTIZE_CHECK_USAGE = `activation-inspector quantize-check BUNDLE --text FILE... [--chars N] [--write] [--json] [--threads N]`;

/** Held-out characters analysed by default: some ten thousand tokens of source code. */
const DEFAULT_CHARS = 24_000;

function row(h: EncoderCheck): string {
  const a = h.agreement;
  const verdict = h.meetsBars ? 'int8' : 'float32';
  return `${h.hook.padEnd(28)} top1 ${a.top1.toFixed(4)}  top8 ${a.topOverlap.toFixed(4)}  ev ${a.explainedVarianceDiff.toFixed(5)}  token ev ${a.meanRowExplainedVarianceDiff.toFixed(4)}  -> ${verdict} (manifest: ${h.precision})`;
}

/** Replaces manifest.json by a complete new file (written beside it, then renamed over it). */
function writeManifestAtomic(file: string, manifest: Record<string, unknown>): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

export async function quantizeCheckCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    text: { type: 'string', multiple: true },
    chars: { type: 'string' },
    write: { type: 'boolean' },
    json: { type: 'boolean' },
    ...inputOptions,
  });
  if (values.help) {
    console.log(QUANTIZE_CHECK_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`quantize-check takes one BUNDLE folder (usage: ${QUANTIZE_CHECK_USAGE})`);
  if (stringArg(values.model) !== undefined || values.sae !== undefined) throw new UsageError('quantize-check checks the BUNDLE it is given; --model and --sae do not apply');
  const files = Array.isArray(values.text) ? values.text : [];
  if (!files.length) throw new UsageError(`quantize-check needs held-out text: --text FILE (text the model was not trained on; usage: ${QUANTIZE_CHECK_USAGE})`);
  const chars = intArg(values.chars, 'chars', DEFAULT_CHARS, 1000, 10_000_000);
  const maxBytes = maxBytesArg(values);
  const text = files.map((f) => readTextFile(f, maxBytes).text).join('\n').slice(0, chars);
  const bundleDir = path.resolve(positionals[0]);
  const checked = await checkEncoders(bundleDir, text, { threads: intArg(values.threads, 'threads', 2, 1, 64) });
  if (!checked.ok) throw new UsageError(`cannot check the bundle ${positionals[0]}: ${checked.error.message}`);
  const { tokens, hooks } = checked.value;
  const description = `held out: ${files.length} file(s) (${files.map((f) => path.basename(f)).join(', ').slice(0, 200)}), ${tokens.toLocaleString('en-US')} tokens; activation-inspector quantize-check`;
  if (values.write) {
    const manifestFile = path.join(bundleDir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeManifestAtomic(manifestFile, markEncoders(manifest, hooks, description));
  }
  if (values.json) {
    console.log(JSON.stringify({ tokens, bars: AGREEMENT_BARS, written: Boolean(values.write), hooks }, null, 2));
    return 0;
  }
  console.log(`${tokens.toLocaleString('en-US')} held-out tokens; bars: top1 >= ${AGREEMENT_BARS.top1}, top8 overlap >= ${AGREEMENT_BARS.topOverlap}, explained variance within ${AGREEMENT_BARS.explainedVariance}`);
  for (const h of hooks) console.log(escapeInvisible(row(h)));
  console.log(values.write ? `manifest.json updated: ${hooks.filter((h) => h.meetsBars).length} of ${hooks.length} encoders marked int8` : 'manifest.json unchanged (--write records the verdicts)');
  return 0;
}
