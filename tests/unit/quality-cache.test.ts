// Data quality is computed once after the review and read from the engagement afterwards, so the Data
// quality and Settings steps open at once on millions of sessions. The stored view must be exactly what
// the tables say, and must not outlive the data it was computed from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engagement } from '../../analysis/engagement';
import { parseSettings } from '../../analysis/settings';
import { generateSample } from '../../analysis/sample/generate';
import { importFiles } from '../../analysis/ingest/import';
import { runReview, listFindings } from '../../analysis/review';
import { buildSummary, listAllFindings } from '../../analysis/summary';
import { computeQuality, getQuality } from '../../analysis/quality';

/** The heat map's definition written the plain way: distinct users per site and day over the last 365 days of data. */
const REFERENCE_HEATMAP = `
  WITH u AS (
    SELECT network_domain AS site, CAST(start_time AS DATE) AS day, "user" FROM sessions
    UNION ALL SELECT NULL, day, "user" FROM usage_daily
  ), named AS (SELECT count(*) AS n FROM (SELECT 1 FROM u WHERE site IS NOT NULL LIMIT 1)),
  last AS (SELECT max(day) AS d FROM u)
  SELECT CASE WHEN named.n = 0 THEN 'Whole estate' ELSE coalesce(site, 'No network domain (daily usage, sessions without one)') END AS site,
         strftime(day, '%Y-%m-%d') AS day, count(DISTINCT "user")::INTEGER AS users
  FROM u, last, named WHERE day > last.d - INTERVAL 365 DAY GROUP BY ALL
  UNION ALL
  -- And a row per licence server (named by its log's banner note): its own check-outs.
  SELECT 'licence server ' || coalesce(nullif(regexp_extract(CAST(src.notes AS VARCHAR), '"server ([^"]+)"', 1), ''), src.file) AS site,
         strftime(CAST(s.start_time AS DATE), '%Y-%m-%d') AS day, count(DISTINCT s."user")::INTEGER AS users
  FROM sessions s JOIN sources src USING (source_id), last WHERE src.kind = 'flexnet_log' AND CAST(s.start_time AS DATE) > last.d - INTERVAL 365 DAY GROUP BY ALL
  ORDER BY site, day`;

test('data quality and the findings list are stored by the review, equal the tables, and are recomputed after new data', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'lrtw-quality-cache-'));
  try {
    const input = join(root, 'input');
    const gen = await generateSample(input, { users: 60, months: 14, seed: 5 });
    const settings = parseSettings(JSON.parse(readFileSync(join(input, 'engagement.json'), 'utf8')));
    const path = join(root, 'engagement.lrtw');
    const e = await Engagement.create(path, settings, { allowedDirectories: [root] });
    await importFiles(e.db, gen.files.filter((f) => !f.endsWith('engagement.json')).map((p) => ({ path: p })), { settings });
    const review = await runReview(e.db, settings);
    await buildSummary(e.db, settings, review, { workbook: null, evidence_pack: null });

    // The review left one stored view behind.
    const stored = await e.db.all<{ name: string; json: string }>('SELECT name, json FROM view_cache ORDER BY name');
    assert.deepEqual(stored.map((r) => r.name), ['findings', 'quality']);
    const fresh = await computeQuality(e.db);
    assert.deepEqual(JSON.parse(stored[1]!.json), fresh);
    // The findings list the UI opens with is the stored one, equal to reading the table.
    const listed = await listFindings(e.db);
    assert.ok(listed.length > 50, `${listed.length} findings`);
    assert.deepEqual(await listAllFindings(e.db), listed);
    assert.deepEqual(JSON.parse(stored[0]!.json), listed);
    // It is served from the store: a change behind its back (never made by the app) does not show until the data changes.
    await e.db.run(`UPDATE findings SET detail = 'changed behind the view' WHERE finding_id = $1`, [listed[0]!.finding_id]);
    assert.equal((await listAllFindings(e.db)).find((f) => f.finding_id === listed[0]!.finding_id)?.detail, listed[0]!.detail);
    await e.db.run(`UPDATE findings SET detail = $2 WHERE finding_id = $1`, [listed[0]!.finding_id, listed[0]!.detail]);
    assert.deepEqual(await getQuality(e.db, settings), fresh);
    // The faster heat map query gives the plain definition's rows, and the sample spans more than a year (the cut matters).
    assert.deepEqual(fresh.heatmap, await e.db.all(REFERENCE_HEATMAP));
    assert.ok(fresh.heatmap.length > 300, `${fresh.heatmap.length} heat map cells`);
    const firstDay = (await e.db.one<{ d: string }>(`SELECT CAST(min(start_time)::DATE AS VARCHAR) AS d FROM sessions`))!.d;
    assert.ok(fresh.heatmap.every((c) => c.day > firstDay), 'days older than a year before the last one are left out');

    // New sessions a day after the last one: the stored view is stale and is not served.
    const lastDay = fresh.heatmap.map((c) => c.day).sort().at(-1)!;
    const next = new Date(Date.parse(`${lastDay}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const extra = join(root, 'late-sessions.csv');
    writeFileSync(
      extra,
      ['session_id,user,product,device_name,start_time,end_time,licence_type,network_domain',
        `late-1,late.user@contoso.com,Revit,WS-LATE,${next} 09:00,${next} 11:00,named_user,corp.contoso.com`,
        `late-2,other.user@contoso.com,Revit,WS-LATE2,${next} 10:00,${next} 12:00,named_user,corp.contoso.com`].join('\n') + '\n',
    );
    const imported = await importFiles(e.db, [{ path: extra }], { settings });
    assert.equal(imported.sources[0]?.rows_loaded, 2);
    const after = await getQuality(e.db, settings, { store: true });
    assert.deepEqual(after, await computeQuality(e.db));
    assert.deepEqual(after.heatmap, await e.db.all(REFERENCE_HEATMAP));
    assert.ok(after.heatmap.some((c) => c.day === next && c.users >= 2), 'the new day is on the heat map');
    // The review runs again on the new data: the findings view follows it, never the previous run's list.
    const again = await runReview(e.db, settings);
    await buildSummary(e.db, settings, again, { workbook: null, evidence_pack: null });
    assert.deepEqual(await listAllFindings(e.db), await listFindings(e.db));
    e.close();

    // Read-only (auditor) access reads the stored view and writes nothing.
    const ro = await Engagement.open(path, { readOnly: true });
    assert.deepEqual(await getQuality(ro.db, settings, { store: false }), after);
    ro.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
