// `npm run build`: the three Electron bundles into dist/electron/*.cjs and the renderer into
// dist/renderer/. package.json "main" points at dist/electron/main.cjs.
// Usage: tsx build/build.ts [--dev]   (--dev keeps source maps and development React)
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildRenderer } from '../renderer/build';
import { ROOT, bundleElectron } from './electron-bundles';

async function main(): Promise<void> {
  const production = !process.argv.includes('--dev');
  const started = Date.now();
  const electronOut = join(ROOT, 'dist/electron');
  rmSync(electronOut, { recursive: true, force: true });
  await Promise.all([
    bundleElectron(electronOut, production),
    buildRenderer({ outDir: join(ROOT, 'dist/renderer'), production }),
  ]);
  console.log(`build: dist/electron (main, preload, engine-process) and dist/renderer in ${((Date.now() - started) / 1000).toFixed(1)} s${production ? '' : ' (development)'}`);
}

main().catch((e: unknown) => {
  console.error(`build failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
