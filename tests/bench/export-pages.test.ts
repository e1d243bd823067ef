// Exports page through results of millions of rows (finding evidence at 5M sessions). A large result is
// numbered once and read by range instead of LIMIT/OFFSET; the pages must be the same rows in the same order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngagementDb } from '../../analysis/db/engine';
import { evidencePages } from '../../analysis/export/data';

test('evidence pages over a large result keep every row once, in the stable order', async () => {
  const db = await EngagementDb.open(join(mkdtempSync(join(tmpdir(), 'lrtw-pages-')), 'e.lrtw'));
  await db.run(`INSERT INTO sources (source_id, file, sha256, size_bytes, kind) VALUES (1, 'a.csv', 'x', 1, 'sessions'), (2, 'b.csv', 'y', 1, 'sessions')`);
  // 120,000 evidence rows inserted out of order, with ties on finding_id broken by table, source and line.
  await db.run(`INSERT INTO finding_evidence SELECT 'F' || lpad(CAST((i * 7919) % 3000 AS VARCHAR), 5, '0'), 'sessions', 1 + i % 2, (i * 104729) % 1000003, NULL FROM range(120000) t(i)`);
  const expected = await db.all(`SELECT e.finding_id, e.source_id, e.line FROM finding_evidence e ORDER BY e.finding_id, e.table_name, e.source_id, e.line`);
  const got: { finding_id: string; source_id: number | null; line: number | null; file: string | null }[] = [];
  let pageCount = 0;
  for await (const page of evidencePages(db)) {
    pageCount++;
    got.push(...page);
  }
  assert.equal(got.length, 120000);
  assert.ok(pageCount >= 24);
  assert.deepEqual(got.map((r) => [r.finding_id, r.source_id, r.line]), expected.map((r) => [r.finding_id, r.source_id, r.line]));
  assert.equal(got[0]!.file, got[0]!.source_id === 1 ? 'a.csv' : 'b.csv');
  // The numbered copy is dropped once the pages are read.
  assert.deepEqual(await db.all(`SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'export_page_%'`), []);
  db.close();
});
