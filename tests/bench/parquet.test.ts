// `review --parquet`: every canonical table is written as a Parquet file another DuckDB can read, with
// the same rows as the engagement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { EngagementDb } from '../../analysis/db/engine';
import { importFiles } from '../../analysis/ingest/import';
import { exportParquet, PARQUET_TABLES } from '../../analysis/parquet';
import { defaultSettings } from '../../analysis/settings';

test('exportParquet writes one readable Parquet file per canonical table with the right row counts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrtw-parquet-'));
  const csv = join(dir, 'sessions.csv');
  const rows = ['session_id,user_email,product_name,device_name,session_start,session_end,licence_type'];
  for (let i = 0; i < 500; i++) rows.push(`s${i},user${i % 40}@contoso.com,${i % 3 ? 'Revit' : 'AutoCAD'},PC-${i % 40},2025-03-${String(1 + (i % 28)).padStart(2, '0')} 09:00:00,2025-03-${String(1 + (i % 28)).padStart(2, '0')} 10:00:00,Named User`);
  rows.push('bad,user1@contoso.com,Revit,PC-1,not a date,,Named User');
  writeFileSync(csv, rows.join('\n') + '\n');
  const db = await EngagementDb.open(join(dir, 'e.lrtw'));
  const res = await importFiles(db, [{ path: csv }], { settings: defaultSettings() });
  assert.equal(res.sources[0]!.rows_loaded, 500);
  const out = await exportParquet(db, join(dir, 'parquet'));
  const expected: Record<string, number> = {};
  for (const t of PARQUET_TABLES) expected[t] = Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))!.n);
  const sample = await db.all('SELECT session_id, "user", product, start_time FROM sessions ORDER BY session_id LIMIT 3');
  db.close();

  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  for (const t of PARQUET_TABLES) {
    const r = await conn.runAndReadAll('SELECT count(*) AS n FROM read_parquet($1)', [join(out, `${t}.parquet`)]);
    assert.equal(Number(r.getRowObjects()[0]!.n), expected[t], `${t}.parquet row count`);
  }
  assert.equal(expected.sessions, 500);
  assert.equal(expected.rejects, 1);
  const back = await conn.runAndReadAll('SELECT session_id, "user", product, CAST(start_time AS VARCHAR) AS start_time FROM read_parquet($1) ORDER BY session_id LIMIT 3', [join(out, 'sessions.parquet')]);
  assert.deepEqual(back.getRowObjectsJson(), sample.map((r) => ({ ...r, start_time: String(r.start_time) })));
  conn.closeSync();
  inst.closeSync();
});
