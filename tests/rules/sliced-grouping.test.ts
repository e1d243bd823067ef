// Past a size threshold the review groups usage rows in slices of days (memory stays flat at tens of
// millions of sessions). Slicing must not change any result: the bundled sample estate, reviewed with
// the grouping in one pass and in many slices, gives the same findings and the same evidence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngagementDb } from '../../analysis/db/engine';
import { generateSample } from '../../analysis/sample/generate';
import { importFiles } from '../../analysis/ingest/import';
import { parseSettings } from '../../analysis/settings';
import { runReview } from '../../analysis/review';
import { RULE_TUNING } from '../../analysis/rules/context';
import { computeUsage } from '../../analysis/usage';
import { readFileSync } from 'node:fs';

test('the review finds the same findings and evidence whether usage days are grouped in one pass or in slices', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrtw-sliced-'));
  await generateSample(join(dir, 'in'), {});
  const settings = parseSettings(JSON.parse(readFileSync(join(dir, 'in', 'engagement.json'), 'utf8')));
  const db = await EngagementDb.open(join(dir, 'e.lrtw'), { allowedDirectories: [join(dir, 'in')] });
  const dump = async () => ({
    findings: JSON.stringify(await db.all('SELECT * EXCLUDE (evidence_count), evidence_count FROM findings ORDER BY finding_id')),
    evidence: JSON.stringify(await db.all('SELECT * FROM finding_evidence ORDER BY ALL')),
  });
  const saved = RULE_TUNING.updRowsPerSlice;
  try {
    await importFiles(db, [{ path: join(dir, 'in') }], { settings });
    const rows = Number((await db.one<{ n: number }>('SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM usage_daily) AS n'))?.n);
    RULE_TUNING.updRowsPerSlice = rows * 10;
    await runReview(db, settings);
    const whole = await dump();
    // About 9 slices of days over the sample's usage.
    RULE_TUNING.updRowsPerSlice = Math.ceil(rows / 9);
    await runReview(db, settings);
    const sliced = await dump();
    assert.ok(whole.findings.length > 1000 && whole.evidence.length > 1000, 'the sample gives findings with evidence');
    const fa = JSON.parse(sliced.findings) as Record<string, unknown>[];
    const fb = JSON.parse(whole.findings) as Record<string, unknown>[];
    assert.equal(fa.length, fb.length);
    for (let i = 0; i < fa.length; i++) assert.deepEqual(fa[i], fb[i]);
    assert.equal(sliced.findings, whole.findings);
    assert.equal(sliced.evidence, whole.evidence);
  } finally {
    RULE_TUNING.updRowsPerSlice = saved;
    db.close();
  }
});

test('usage as the review computes it (from its own grouping) equals usage read from the tables, with data past the as-of date', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrtw-usage-'));
  await generateSample(join(dir, 'in'), {});
  const base = parseSettings(JSON.parse(readFileSync(join(dir, 'in', 'engagement.json'), 'utf8')));
  const db = await EngagementDb.open(join(dir, 'e.lrtw'), { allowedDirectories: [join(dir, 'in')] });
  try {
    await importFiles(db, [{ path: join(dir, 'in') }], { settings: base });
    // An as-of date months before the data ends: the review's grouping covers only the days up to it.
    const last = (await db.one<{ d: string }>('SELECT CAST(max(CAST(start_time AS DATE)) AS VARCHAR) AS d FROM sessions'))!.d;
    const asOf = new Date(Date.parse(`${last}T00:00:00Z`) - 120 * 86_400_000).toISOString().slice(0, 10);
    const settings = { ...base, as_of: asOf };
    const review = await runReview(db, settings);
    assert.equal(review.as_of, asOf);
    const fromTables = await computeUsage(db);
    assert.ok(Object.keys(fromTables).length >= 5, JSON.stringify(fromTables));
    assert.ok(Object.values(fromTables).some((u) => u.last_day !== null && u.last_day > asOf), 'some usage lies past the as-of date');
    assert.deepEqual(review.usage, fromTables);
  } finally {
    db.close();
  }
});
