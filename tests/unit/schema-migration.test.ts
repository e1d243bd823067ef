// An engagement written by an older app opens in this one: its renewal brief, reviewed when a brief had one
// row per offering, reads as one main line per offering, and the analyst's targets stay where they were set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { EngagementDb } from '../../analysis/db/engine';
import { MIGRATIONS, SCHEMA_VERSION } from '../../analysis/db/schema';
import { getRenewal } from '../../analysis/rules/renewal';
import { importFiles } from '../../analysis/ingest/import';
import { defaultSettings } from '../../analysis/settings';

/** A database file as schema `version` left it, with a brief, its monthly series and one target of the analyst's. */
async function olderEngagement(path: string, version: number): Promise<void> {
  const inst = await DuckDBInstance.create(path);
  const conn = await inst.connect();
  try {
    await conn.run(`CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)`);
    for (const m of MIGRATIONS.filter((x) => x.version <= version)) for (const sql of m.sql) await conn.run(sql);
    await conn.run(`INSERT INTO meta VALUES ('schema_version', '${version}')`);
    await conn.run(`INSERT INTO renewal_brief VALUES
      ('ACD', 76, 67, 59, 59, 1.01, 12, 'increase', 98, 'the gap register holds 22 units for its products'),
      ('MECOLL', 19, 18, 14, 14, 1.02, 0, 'reduce', 15, 'peak 14 monthly active users')`);
    await conn.run(`CREATE TABLE renewal_monthly (offering VARCHAR NOT NULL, month VARCHAR NOT NULL, active_users BIGINT NOT NULL, seats DOUBLE NOT NULL)`);
    await conn.run(`INSERT INTO renewal_monthly VALUES ('ACD', '2026-09', 59, 76), ('MECOLL', '2026-09', 14, 19)`);
    await conn.run(`INSERT INTO renewal_targets (offering, target_quantity) VALUES ('MECOLL', 17)`);
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

test('a renewal brief stored before renewal lines opens as one main line per offering, with its target and monthly series', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrtw-migrate-'));
  try {
    const path = join(dir, 'q3.lrtw');
    await olderEngagement(path, 3);
    // Read-only first (auditor mode and comparisons do not migrate), then opened for work (migrated).
    for (const readOnly of [true, false]) {
      const db = await EngagementDb.open(path, { readOnly });
      try {
        const brief = await getRenewal(db, (c) => c);
        assert.deepEqual(
          brief.map((b) => [b.line, b.offering, b.licence_model, b.seats, b.target_quantity, b.recommended_quantity, b.set_by_analyst, b.monthly]),
          [
            ['ACD', 'ACD', null, 76, 98, 98, false, [{ month: '2026-09', active_users: 59, seats: 76 }]],
            ['MECOLL', 'MECOLL', null, 19, 17, 15, true, [{ month: '2026-09', active_users: 14, seats: 19 }]],
          ],
          readOnly ? 'read as stored' : 'migrated',
        );
        if (!readOnly) assert.equal((await db.one<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema_version'`))?.value, String(SCHEMA_VERSION));
      } finally {
        db.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rows loaded before schema 6 keep de-duplicating: a later export writing an address in another case adds nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrtw-migrate-'));
  try {
    const path = join(dir, 'q3.lrtw');
    await olderEngagement(path, 3);
    // A daily-usage row as schemas before 6 keyed it: over the address as written, capital letters included.
    const old = await DuckDBInstance.create(path);
    const conn = await old.connect();
    const names = ['user', 'user_raw', 'hashed_autodesk_id', 'day', 'product', 'product_raw', 'version', 'licence_type', 'feature', 'tokens', 'team'];
    await conn.run(`INSERT INTO sources (source_id, file, sha256, size_bytes, kind) VALUES (1, 'daily-sep.csv', 'aa', 1, 'usage_daily')`);
    await conn.run(`INSERT INTO usage_daily (source_id, line, row_key, "user", user_raw, day, product, product_raw, licence_type, tokens)
      VALUES (1, 2, '', 'ann.lee@contoso.com', 'Ann.Lee@contoso.com', DATE '2026-09-30', 'RVT', 'Revit', 'flex', 12)`);
    await conn.run(`UPDATE usage_daily SET row_key = md5(to_json([${names.map((n) => `CAST("${n}" AS VARCHAR)`).join(', ')}]))`);
    conn.closeSync();
    old.closeSync();
    const db = await EngagementDb.open(path);
    try {
      const csv = join(dir, 'daily-oct.csv');
      writeFileSync(csv, 'Email,Product,Day Used,Tokens\nann.lee@contoso.com,Revit,2026-09-30,12\n');
      const r = await importFiles(db, [{ path: csv }], { settings: defaultSettings() });
      assert.deepEqual(r.sources.map((x) => [x.rows_loaded, x.rows_duplicate]), [[0, 1]]);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
