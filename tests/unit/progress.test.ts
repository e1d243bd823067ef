// Long imports report how far DuckDB has got with the statement running (an import of a 2.6 GB export
// runs single statements of tens of seconds): the engine polls DuckDB's own progress while it waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngagementDb } from '../../analysis/db/engine';

test('a long statement reports rising progress while it runs, and nothing once it is done', async () => {
  const db = await EngagementDb.open(join(mkdtempSync(join(tmpdir(), 'lrtw-progress-')), 'e.lrtw'));
  try {
    // A table scan reports its progress (a range() source does not): rows are made first, then read.
    await db.run(`CREATE TEMP TABLE x AS SELECT i, md5(CAST(i AS VARCHAR)) AS h FROM range(3000000) t(i)`);
    const seen: number[] = [];
    const started = performance.now();
    await db.watched(
      () => db.run(`CREATE TEMP TABLE y AS SELECT i, md5(h) AS h2, md5(h || 'x') AS h3 FROM x`),
      (f) => seen.push(f),
      10,
    );
    const ms = performance.now() - started;
    const after = seen.length;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.length, after, 'no report after the statement ends');
    // A statement that runs for several polling intervals is seen moving.
    if (ms > 200) assert.ok(seen.length >= 2, `${seen.length} reports in ${ms.toFixed(0)} ms`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `rising: ${seen.join(', ')}`);
    assert.ok(seen.every((f) => f > 0 && f <= 1), seen.join(', '));
  } finally {
    db.close();
  }
});
