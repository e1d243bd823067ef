// An engagement written by an older app opens in this one: its renewal brief, reviewed when a brief had one
// row per offering, reads as one main line per offering, and the analyst's targets stay where they were set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { EngagementDb } from '../../analysis/db/engine';
import { MIGRATIONS, SCHEMA_VERSION } from '../../analysis/db/schema';
import { getRenewal } from '../../analysis/rules/renewal';

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
