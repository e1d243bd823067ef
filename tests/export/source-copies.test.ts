// The CLI starts the evidence pack's source copies right after the import, so the disk-bound copying
// overlaps the review. A pack made from those copies must be the pack that copying at pack time makes,
// byte for byte, and must verify; the staging folder must not outlive the run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { copySources, discardSourceCopies, startSourceCopies, writeEvidencePack } from '../../analysis/export/evidence-pack';
import { sha256File } from '../../analysis/export/bagit';
import { ExportCancelled } from '../../analysis/export/workbook';
import { verifyPack } from '../../analysis/export/verify';
import { buildFixture, disposeFixture, type Fixture } from './fixture';

let fx: Fixture;
let keyDir: string;
const now = new Date('2026-10-02T09:30:00Z');

before(async () => {
  fx = await buildFixture();
  keyDir = join(mkdtempSync(join(tmpdir(), 'lrtw-keys-')), 'keys');
});
after(() => {
  disposeFixture(fx);
  rmSync(join(keyDir, '..'), { recursive: true, force: true });
});

/** Every file of a folder tree, path -> bytes (the workbook's random protection salt excluded). */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

test('a pack made from copies started ahead equals a pack that copies at pack time, and verifies', async () => {
  const direct = await writeEvidencePack(fx.db, fx.settings, join(fx.dir, 'out-direct'), { keyDir, toolVersion: '0.1.0', now });
  const outAhead = join(fx.dir, 'out-ahead');
  const copies = await startSourceCopies(fx.db, outAhead);
  assert.ok(existsSync(copies.dir) && copies.toCopy.length >= 2, 'the copies start, one per source still on disk');
  const ahead = await writeEvidencePack(fx.db, fx.settings, outAhead, { keyDir, toolVersion: '0.1.0', now, sourceCopies: copies });
  await discardSourceCopies(copies);
  assert.equal(existsSync(copies.dir), false, 'the staging folder is gone');
  assert.deepEqual(readdirSync(outAhead).filter((f) => f.startsWith('.')), [], 'nothing hidden is left in the output folder');

  assert.equal((await verifyPack(ahead.path)).ok, true);
  const a = tree(direct.path);
  const b = tree(ahead.path);
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const [path, bytes] of a) {
    // The protected workbook carries a random salt (so its size in Payload-Oxum varies too), and the
    // manifests and signature hash it.
    if (/\.xlsx$|manifest|signature/.test(path)) continue;
    if (path === 'bag-info.txt') {
      const info = (x: Buffer) => x.toString('utf8').replace(/^Payload-Oxum: .*$/m, '');
      assert.equal(info(b.get(path)!), info(bytes));
      continue;
    }
    assert.ok(bytes.equals(b.get(path)!), `${path} is byte-identical`);
  }
  for (const s of fx.sourceFiles) assert.ok(b.get(join('data', 'sources', s.file))!.equals(s.bytes), `${s.file} packed byte for byte`);
});

test('copies started for other sources are not used: the pack copies what it needs itself', async () => {
  const out = join(fx.dir, 'out-stale');
  const copies = await startSourceCopies(fx.db, out);
  // As if the sources had changed since: the staged plan no longer matches the engagement.
  const stale = { ...copies, toCopy: copies.toCopy.slice(1) };
  const pack = await writeEvidencePack(fx.db, fx.settings, out, { keyDir, toolVersion: '0.1.0', now, sourceCopies: stale });
  await discardSourceCopies(copies);
  assert.equal((await verifyPack(pack.path)).ok, true);
  for (const s of fx.sourceFiles) assert.ok(readFileSync(join(pack.path, 'data', 'sources', s.file)).equals(s.bytes), s.file);
  assert.equal(existsSync(copies.dir), false);
});

test('Cancel stops the source copies: nothing more is copied once cancelled, and a copy being read back stops', async () => {
  const dir = mkdtempSync(join(fx.dir, 'cancel-'));
  const from = join(dir, 'a.csv');
  writeFileSync(from, 'x'.repeat(4 * 1024 * 1024));
  const files = [0, 1, 2].map((i) => ({ from, seg: `copy-${i}.csv` }));
  // Cancelled before the copies start: none is made (before, every copy ran to its end, gigabytes at scale).
  await assert.rejects(copySources(files, join(dir, 'none'), AbortSignal.abort()), ExportCancelled);
  assert.equal(existsSync(join(dir, 'none', 'copy-0.csv')), false);
  // The read-back that hashes a copy stops too.
  await assert.rejects(sha256File(from, AbortSignal.abort()), { name: 'AbortError' });
  // Uncancelled, every copy is made and hashed.
  mkdirSync(join(dir, 'all'));
  const hashes = await copySources(files, join(dir, 'all'));
  assert.deepEqual([...hashes.keys()], ['copy-0.csv', 'copy-1.csv', 'copy-2.csv']);
  assert.equal(new Set(hashes.values()).size, 1);
});
