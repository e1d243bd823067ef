// esbuild settings of the three Electron bundles. Kept apart from build.ts so tests can bundle the
// preload exactly as shipped without building the renderer.
import { build, type BuildOptions } from 'esbuild';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Electron 38 ships Node 22 and Chromium 140. */
const NODE_TARGET = 'node22';
const CHROME_TARGET = 'chrome140';

// CJS output has no import.meta; give bundled code a working import.meta.url anyway.
const importMetaShim: Partial<BuildOptions> = {
  define: { 'import.meta.url': '__lrtwImportMetaUrl' },
  banner: { js: "const __lrtwImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

export function electronBundleOptions(outDir: string, production: boolean): Record<'main' | 'preload' | 'engine', BuildOptions> {
  const common: BuildOptions = {
    bundle: true,
    format: 'cjs',
    sourcemap: production ? false : 'linked',
    minify: false, // readable stack traces in user bug reports; size is irrelevant next to Electron
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
  };
  return {
    main: {
      ...common,
      ...importMetaShim,
      define: { ...common.define, ...importMetaShim.define },
      entryPoints: [join(ROOT, 'electron/main.ts')],
      outfile: join(outDir, 'main.cjs'),
      platform: 'node',
      target: NODE_TARGET,
      external: ['electron'],
    },
    // A sandboxed preload may require only 'electron' (and a few polyfilled modules): bundle everything else.
    preload: {
      ...common,
      entryPoints: [join(ROOT, 'electron/preload.ts')],
      outfile: join(outDir, 'preload.cjs'),
      platform: 'browser',
      target: CHROME_TARGET,
      external: ['electron'],
    },
    // The engine keeps its native module (DuckDB, unpacked from the asar) and ExcelJS as real packages.
    engine: {
      ...common,
      ...importMetaShim,
      define: { ...common.define, ...importMetaShim.define },
      entryPoints: [join(ROOT, 'electron/engine-process.ts')],
      outfile: join(outDir, 'engine-process.cjs'),
      platform: 'node',
      target: NODE_TARGET,
      external: ['electron', '@duckdb/node-api', 'exceljs'],
    },
  };
}

export async function bundleElectron(outDir: string, production: boolean, only?: ReadonlyArray<'main' | 'preload' | 'engine'>): Promise<void> {
  const all = electronBundleOptions(outDir, production);
  const names = only ?? (['main', 'preload', 'engine'] as const);
  await Promise.all(names.map((n) => build(all[n])));
}
