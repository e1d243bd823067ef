// Renders assets/icons/icon.svg into every icon file the packagers need, with tools present on a
// developer machine: Chromium (through playwright-core) for a faithful SVG render, ImageMagick
// `convert` for resizing and the Windows .ico, and a few lines below for the macOS .icns container.
// Usage: tsx build/icons.ts [path-to-chromium]   (default: $CHROMIUM_PATH or /usr/bin/chromium)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from './electron-bundles';

const ICONS = join(ROOT, 'assets/icons');
const LINUX_SIZES = [16, 32, 48, 64, 128, 256, 512];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];

/** ICNS = 'icns' + total length, then entries of (type, length incl. 8-byte header, PNG bytes). */
export function icnsFromPngs(entries: ReadonlyArray<{ type: string; png: Buffer }>): Buffer {
  const parts = entries.map(({ type, png }) => {
    if (type.length !== 4) throw new Error(`icns entry type must be 4 characters, got "${type}"`);
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

async function main(): Promise<void> {
  const executablePath = process.argv[2] ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const svg = readFileSync(join(ICONS, 'icon.svg'), 'utf8');
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1024, height: 1024 } });
    await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: join(ICONS, 'icon-1024.png'), omitBackground: true });
  } finally {
    await browser.close();
  }
  const src = join(ICONS, 'icon-1024.png');
  const resize = (size: number, out: string) => execFileSync('convert', [src, '-resize', `${size}x${size}`, out]);
  resize(512, join(ICONS, 'icon-512.png'));
  resize(256, join(ICONS, 'icon-256.png'));
  mkdirSync(join(ICONS, 'png'), { recursive: true });
  for (const s of LINUX_SIZES) resize(s, join(ICONS, 'png', `${s}x${s}.png`));
  // .ico holds one bitmap per size; Windows picks the closest for taskbar, explorer and installer.
  const icoDir = mkdtempSync(join(tmpdir(), 'lrtw-ico-'));
  const icoParts = ICO_SIZES.map((s) => {
    const out = join(icoDir, `${s}.png`);
    resize(s, out);
    return out;
  });
  execFileSync('convert', [...icoParts, join(ICONS, 'icon.ico')]);
  rmSync(icoDir, { recursive: true, force: true });
  const png = (s: number) => (s === 1024 ? readFileSync(src) : readFileSync(join(ICONS, 'png', `${s}x${s}.png`)));
  writeFileSync(join(ICONS, 'icon.icns'), icnsFromPngs([
    { type: 'ic07', png: png(128) },
    { type: 'ic08', png: png(256) },
    { type: 'ic09', png: png(512) },
    { type: 'ic10', png: png(1024) },
  ]));
  console.log(`icons: wrote icon-1024/512/256.png, png/*.png, icon.ico, icon.icns into ${ICONS}`);
}

if (process.argv[1]?.endsWith('icons.ts')) {
  main().catch((e: unknown) => {
    console.error(`icons failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
