// Builds the renderer into one folder that works offline: a bundled script, a bundled stylesheet,
// Inter as woff2/woff files, and an index.html with a strict CSP (no inline script, no eval).
// Called by build/build.ts (desktop app) and by serve mode when dist/renderer is stale.
/* eslint-disable no-restricted-imports -- a Node build script that lives beside the renderer; not part of the bundle */
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPORT_STYLE_SOURCE } from '../analysis/export/report-style';

export const RENDERER_DIR = dirname(fileURLToPath(import.meta.url));

export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // One inline style, by its hash: the evidence pack's self-contained HTML report carries its own <style>.
  `style-src 'self' ${REPORT_STYLE_SOURCE}`,
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${RENDERER_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LRT Workbench</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="./main.css">
</head>
<body>
<div id="root"></div>
<script type="module" src="./main.js"></script>
</body>
</html>
`;

export async function buildRenderer(opts: { outDir: string; production: boolean }): Promise<void> {
  const outDir = resolve(opts.outDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(RENDERER_DIR, 'main.tsx')],
    outdir: outDir,
    entryNames: 'main',
    assetNames: 'assets/[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120'],
    jsx: 'automatic',
    minify: opts.production,
    sourcemap: opts.production ? false : 'linked',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': JSON.stringify(opts.production ? 'production' : 'development') },
    loader: { '.woff2': 'file', '.woff': 'file' },
    logLevel: 'warning',
  });
  writeFileSync(join(outDir, 'index.html'), INDEX_HTML);
}

/** Newest modification time of any renderer source (and the contract it imports). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(tsx?|css)$/.test(name)) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/** True when outDir has no index.html or any renderer source is newer than it. */
export function rendererIsStale(outDir: string): boolean {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return true;
  // The CSP is written into index.html and carries the report stylesheet's hash (analysis/export/report-style.ts).
  if (!readFileSync(index, 'utf8').includes(RENDERER_CSP)) return true;
  const built = statSync(index).mtimeMs;
  const contract = join(RENDERER_DIR, '..', 'analysis');
  const deps = ['api/contract.ts', 'model.ts', 'settings.ts'].map((f) => statSync(join(contract, f)).mtimeMs);
  return Math.max(newestSource(RENDERER_DIR), ...deps) > built;
}
