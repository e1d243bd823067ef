// What `npm run dist` packages: electron-builder.yml, the bundle layout package.json points at, and
// the icons (real images of the right sizes, not placeholders).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { electronBundleOptions, ROOT } from '../../build/electron-bundles';
import { icnsFromPngs } from '../../build/icons';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(s: string): unknown };
type Cfg = Record<string, unknown> & { asarUnpack: string[]; files: string[]; win: { target: Array<{ target: string }>; icon: string }; mac: { target: Array<{ target: string }>; icon: string }; linux: { target: string[]; icon: string } };
const cfg = yaml.load(readFileSync(join(ROOT, 'build/electron-builder.yml'), 'utf8')) as Cfg;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };

function pngSize(file: string): [number, number] {
  const b = readFileSync(file);
  assert.equal(b.subarray(1, 4).toString('ascii'), 'PNG', `${file} is a PNG`);
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

test('electron-builder: identity, asar with DuckDB unpacked, no native rebuild, fuses hook', () => {
  assert.equal(cfg.productName, 'LRT Workbench');
  assert.match(String(cfg.appId), /^[a-z0-9.]+$/);
  assert.equal(cfg.asar, true);
  assert.ok(cfg.asarUnpack.includes('node_modules/@duckdb/**'));
  assert.equal(cfg.npmRebuild, false);
  assert.ok(existsSync(join(ROOT, String(cfg.afterPack))), 'afterPack hook file exists');
  for (const f of ['dist/electron/**', 'dist/renderer/**', 'assets/**', 'package.json']) assert.ok(cfg.files.includes(f), f);
  assert.deepEqual(cfg.win.target.map((t) => t.target), ['nsis']);
  assert.deepEqual(cfg.mac.target.map((t) => t.target), ['dmg']);
  assert.deepEqual(cfg.linux.target, ['AppImage', 'deb']);
});

test('package.json main is the main bundle; the engine keeps DuckDB and ExcelJS external; the preload only electron', () => {
  const o = electronBundleOptions(join(ROOT, 'dist/electron'), true);
  assert.equal(relative(ROOT, String(o.main.outfile)), pkg.main);
  assert.deepEqual(o.preload.external, ['electron']);
  assert.equal(o.preload.format, 'cjs');
  assert.deepEqual([...(o.engine.external ?? [])].sort(), ['@duckdb/node-api', 'electron', 'exceljs']);
  assert.ok(pkg.scripts['security-scan'] && pkg.scripts.dist?.includes('build/electron-builder.yml'));
});

test('icons: SVG source, PNG 512 and 256, a Linux size set, .ico and .icns that reference real images', () => {
  const icons = join(ROOT, 'assets/icons');
  assert.match(readFileSync(join(icons, 'icon.svg'), 'utf8'), /<svg[^>]+viewBox="0 0 1024 1024"/);
  assert.deepEqual(pngSize(join(icons, 'icon-512.png')), [512, 512]);
  assert.deepEqual(pngSize(join(icons, 'icon-256.png')), [256, 256]);
  for (const s of [16, 32, 48, 64, 128, 256, 512]) assert.deepEqual(pngSize(join(icons, 'png', `${s}x${s}.png`)), [s, s]);
  const ico = readFileSync(join(ROOT, cfg.win.icon));
  assert.equal(ico.readUInt16LE(2), 1, '.ico type');
  const n = ico.readUInt16LE(4);
  const sizes = Array.from({ length: n }, (_, i) => ico[6 + i * 16] || 256);
  assert.ok(sizes.includes(16) && sizes.includes(32) && sizes.includes(256), `ico sizes ${sizes}`);
  const icns = readFileSync(join(ROOT, cfg.mac.icon));
  assert.equal(icns.subarray(0, 4).toString('ascii'), 'icns');
  assert.equal(icns.readUInt32BE(4), icns.length);
  const types: string[] = [];
  for (let off = 8; off < icns.length; off += icns.readUInt32BE(off + 4)) types.push(icns.subarray(off, off + 4).toString('ascii'));
  assert.deepEqual(types, ['ic07', 'ic08', 'ic09', 'ic10']);
});

test('icnsFromPngs writes lengths an icns reader can walk', () => {
  const a = Buffer.from('first-png'), b = Buffer.from('second');
  const out = icnsFromPngs([{ type: 'ic08', png: a }, { type: 'ic09', png: b }]);
  assert.equal(out.readUInt32BE(4), out.length);
  assert.equal(out.readUInt32BE(12), a.length + 8);
  assert.equal(out.subarray(16, 16 + a.length).toString(), 'first-png');
  assert.equal(out.subarray(16 + a.length, 20 + a.length).toString(), 'ic09');
  assert.throws(() => icnsFromPngs([{ type: 'toolong', png: a }]), /4 characters/);
});

test('electron-builder accepts the configuration (its own schema validation)', async () => {
  const { getConfig, validateConfiguration } = require(join(ROOT, 'node_modules/app-builder-lib/out/util/config/config.js')) as {
    getConfig(dir: string, file: string, opts: null): Promise<unknown>;
    validateConfiguration(cfg: unknown, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require(join(ROOT, 'node_modules/builder-util')) as { DebugLogger: new (enabled: boolean) => unknown };
  // electron-builder logs "loaded configuration" to stdout, which node:test uses for its own reporting
  // protocol between processes: hold its output back while it loads.
  const write = process.stdout.write.bind(process.stdout);
  let loaded: unknown;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    loaded = await getConfig(ROOT, join(ROOT, 'build/electron-builder.yml'), null);
  } finally {
    process.stdout.write = write;
  }
  await validateConfiguration(loaded, new DebugLogger(false));
  // And a broken one is rejected, so the check above means something.
  await assert.rejects(() => validateConfiguration({ ...(loaded as object), afterPackk: 'build/fuses.cjs' }, new DebugLogger(false)), /afterPackk/);
});
