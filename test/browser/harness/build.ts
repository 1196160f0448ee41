// Builds the panel bundle the way scripts/build.mjs does (webview/main.ts, browser iife, es2022;
// the css import becomes webview.css), in memory, so the tests always load the current source.
import path from 'node:path';
import * as esbuild from 'esbuild';

export interface PanelAssets {
  js: string;
  css: string;
}

const root = path.resolve(__dirname, '../../..');

export async function buildPanel(): Promise<PanelAssets> {
  const out = await esbuild.build({
    entryPoints: [path.join(root, 'webview/main.ts')],
    outdir: path.join(root, 'dist'),
    entryNames: 'webview',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const file = (ext: string) => out.outputFiles.find((f) => f.path.endsWith(ext))?.text;
  const js = file('.js');
  const css = file('.css');
  if (!js || !css) throw new Error('panel build produced no js/css');
  return { js, css };
}
