// The FlexNet reader through the generic import: rows land in sessions / flexnet_events, identities run,
// a re-import of the same log is all duplicates, and usage-style counting sees one denial per attempt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngagementDb } from '../../analysis/db/engine';
import { importFiles } from '../../analysis/ingest/import';
import { defaultSettings } from '../../analysis/settings';

const LOG = fileURLToPath(new URL('../../../shared/fixtures/flexnet/adskflex-2018-denials.log', import.meta.url));
let dir: string;
let db: EngagementDb;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lrtw-flexnet-'));
  db = await EngagementDb.open(join(dir, 'e.lrtw'));
});
after(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('2018 log imports: sessions per product, one denial, users joined to the roster', async () => {
  // A roster with JohnDoe's e-mail, so the FlexNet login joins to it.
  const roster = join(dir, 'users.csv');
  writeFileSync(roster, 'email,first_name,last_name,offering_name\njohn.doe@contoso.com,John,Doe,AutoCAD\njohndoe@contoso.com,John,Doe,Civil 3D\n');
  const res = await importFiles(db, [{ path: LOG }, { path: roster }], { settings: defaultSettings() });
  assert.deepEqual(res.refused, []);
  const src = res.sources.find((s) => s.kind === 'flexnet_log')!;
  assert.ok(src, 'detected as a FlexNet log');
  // 85 sessions + 1 denial row (the package+version pair), counted in flexnet.test.ts from the raw log.
  assert.deepEqual([src.rows_read, src.rows_loaded, src.rows_rejected, src.rows_duplicate], [86, 86, 0, 0]);
  const per = await db.all<{ product: string; n: number }>(`SELECT product, count(*) AS n FROM sessions GROUP BY product ORDER BY product`);
  assert.deepEqual(per, [{ product: '3DSMAX', n: 1 }, { product: 'ACD', n: 3 }, { product: 'CIV3D', n: 80 }, { product: 'MAP', n: 1 }]);
  const denials = await db.one<{ n: number; all: number }>(
    `SELECT count(*) FILTER (WHERE event = 'DENIED' AND true_denial IS NOT FALSE) AS n, count(*) FILTER (WHERE event = 'DENIED') AS all FROM flexnet_events`,
  );
  assert.deepEqual(denials, { n: 0, all: 1 });
  // The package refused is recorded (the pool that ran out: AutoCAD's own, 64300ACD_F, not the AEC Collection).
  assert.equal((await db.one<{ p: string }>(`SELECT json_extract_string(extra, '$.package_offering') AS p FROM flexnet_events WHERE event = 'DENIED'`))?.p, 'ACD');
  // And each session's pool: the package it was checked out under.
  const pools = await db.all<{ product: string; lo: string | null; n: number }>(`SELECT product, licence_offering AS lo, count(*) AS n FROM sessions GROUP BY ALL ORDER BY ALL`);
  assert.deepEqual(pools.map((r) => `${r.product} ${r.lo} ${r.n}`), ['3DSMAX AECCOL 1', 'ACD ACD 2', 'ACD AECCOL 1', 'CIV3D AECCOL 80', 'MAP AECCOL 1']);
  const john = await db.all<{ user: string }>(`SELECT DISTINCT "user" FROM sessions WHERE user_raw = 'JohnDoe'`);
  assert.deepEqual(john, [{ user: 'johndoe@contoso.com' }]);
  const giovanni = await db.all<{ user: string }>(`SELECT DISTINCT "user" FROM sessions WHERE user_raw = 'Giovanni'`);
  assert.deepEqual(giovanni, [{ user: 'giovanni' }]);
});

test('re-importing the same log (under another name) loads nothing new', async () => {
  const copy = join(dir, 'copy-of-server.log');
  writeFileSync(copy, readFileSync(LOG));
  const res = await importFiles(db, [{ path: copy }], { settings: defaultSettings() });
  const src = res.sources[0];
  if (!src) {
    // The import may refuse an identical file outright; that is also "loads nothing new".
    assert.equal(res.refused.length, 1);
  } else {
    assert.equal(src.rows_loaded, 0, JSON.stringify(src));
  }
  assert.equal((await db.one<{ n: number }>(`SELECT count(*) AS n FROM sessions`))!.n, 85);
});

test('an older, cut-off copy of a log loaded first: the full log closes the sessions the copy left open, as if loaded alone', async () => {
  const alone = await EngagementDb.open(join(dir, 'alone.lrtw'));
  const both = await EngagementDb.open(join(dir, 'both.lrtw'));
  try {
    await importFiles(alone, [{ path: LOG }], { settings: defaultSettings() });
    const lines = readFileSync(LOG, 'utf8').split('\n');
    const copy = join(dir, 'LIC01-debug-copy.log');
    writeFileSync(copy, lines.slice(0, 600).join('\n') + '\n');
    const res = await importFiles(both, [{ path: copy }, { path: LOG }], { settings: defaultSettings() });
    const sessions = (db: EngagementDb) =>
      db.all<{ id: string; e: string; by: string }>(`SELECT session_id AS id, CAST(end_time AS VARCHAR) AS e, json_extract_string(extra, '$.ended_by') AS by FROM sessions ORDER BY id`);
    const full = await sessions(alone);
    assert.deepEqual(await sessions(both), full, 'the same sessions with the same ends as the full log alone');
    const sources = await both.all<{ file: string; rows_read: number; rows_loaded: number; rows_rejected: number; rows_duplicate: number; notes: string }>(
      'SELECT file, rows_read, rows_loaded, rows_rejected, rows_duplicate, CAST(notes AS VARCHAR) AS notes FROM sources ORDER BY source_id',
    );
    for (const s of sources) assert.equal(Number(s.rows_read), Number(s.rows_loaded) + Number(s.rows_rejected) + Number(s.rows_duplicate), `${s.file}: every row counted once`);
    const replaced = (JSON.parse(sources[0]!.notes) as string[]).find((n) => / still open where this log ends (was|were) replaced by the same/.test(n));
    assert.ok(replaced, sources[0]!.notes);
    const n = Number(/^(\d+)/.exec(replaced)![1]);
    assert.ok(n > 0, `${n} sessions moved from the copy to the full log`);
    // The import's result gives each file's counts as they stand at its end, as the sources list does.
    assert.deepEqual(res.sources.map((x) => [x.rows_loaded, x.rows_duplicate]), sources.map((x) => [Number(x.rows_loaded), Number(x.rows_duplicate)]));
    assert.equal(sources.reduce((a, s) => a + Number(s.rows_loaded), 0) - 1, full.length, 'the two sources hold the full log\'s sessions (and its denial) once');
  } finally {
    alone.close();
    both.close();
  }
});
