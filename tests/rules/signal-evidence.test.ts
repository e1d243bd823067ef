// Evidence of the signals: the rows an analyst opens behind a telemetry gap, a new network domain and a
// usage spike. D = 2026-09-30, lookback 24 months (after 2024-09-30).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEstate, days, addDays, of } from './helpers';
import type { EngagementDb } from '../../analysis/db/engine';

const D = '2026-09-30';

async function evidenceOf(db: EngagementDb, findingId: string): Promise<string[]> {
  const rows = await db.all<{ table_name: string; line: number; note: string }>(
    `SELECT table_name, line, note FROM finding_evidence WHERE finding_id = $1`, [findingId]);
  return rows.map((r) => `${r.table_name}:${Number(r.line)}:${r.note}`).sort();
}

test('telemetry_gap over the whole estate: the rows of the last day before and the first day after the hole', async () => {
  const e = await makeEstate();
  try {
    await e.insert('usage_daily', [
      { user: 'a@contoso.com', product: 'ACD', day: '2024-09-30' }, // outside the lookback: no gap starts there
      { user: 'a@contoso.com', product: 'ACD', day: '2026-03-01' },
      { user: 'b@contoso.com', product: 'RVT', day: '2026-03-01' },
      ...days('2026-03-20', 195).map((day) => ({ user: 'a@contoso.com', product: 'ACD', day })),
      { user: 'a@contoso.com', product: 'ACD', day: '2026-10-05' }, // after D
    ]);
    const { findings } = await e.review({ as_of: D });
    const gaps = of(findings, 'telemetry_gap');
    assert.deepEqual(gaps.map((f) => `${f.units} ${f.first_seen} ${f.last_seen}`), ['18 2026-03-02 2026-03-19']);
    const lines = new Map((await e.db.all<{ line: number; day: string; product: string }>(
      `SELECT line, CAST(day AS VARCHAR) AS day, product FROM usage_daily`)).map((r) => [`${r.day} ${r.product}`, Number(r.line)]));
    assert.equal(gaps[0]!.evidence_count, 3);
    assert.deepEqual(await evidenceOf(e.db, gaps[0]!.finding_id), [
      `usage_daily:${lines.get('2026-03-01 ACD')}:last usage before the gap`,
      `usage_daily:${lines.get('2026-03-01 RVT')}:last usage before the gap`,
      `usage_daily:${lines.get('2026-03-20 ACD')}:first usage after the gap`,
    ].sort());
  } finally {
    e.close();
  }
});

test('new network domain: every row naming the site up to D; usage spike: every row of the product in the month', async () => {
  const e = await makeEstate();
  try {
    const sessions: Array<Record<string, string>> = [];
    const at = (user: string, product: string, day: string, site: string) =>
      sessions.push({ user, product, start_time: `${day} 09:00:00`, end_time: `${day} 10:00:00`, device_name: `pc-${user}`, network_domain: site });
    // hq.contoso.com from the start; ' Plant.Contoso.com ' (trimmed, lower-cased) first seen 60 days before D with 5 users.
    for (const day of days('2025-01-06', 20, 30)) at('a@contoso.com', 'ACD', day, 'hq.contoso.com');
    for (let i = 0; i < 5; i++) for (const day of [addDays(D, -60 + i), addDays(D, -10)]) at(`p${i}@contoso.com`, 'ACD', day, i === 0 ? ' Plant.Contoso.com ' : 'plant.contoso.com');
    at('p0@contoso.com', 'ACD', addDays(D, 3), 'plant.contoso.com'); // after D: not evidence
    await e.insert('sessions', sessions);
    // RVT: 10 users a month, then 25 in July 2026 (a spike).
    const daily: Array<Record<string, string>> = [];
    for (const [m, n] of [['2026-04', 10], ['2026-05', 10], ['2026-06', 10], ['2026-07', 25]] as const) {
      for (let i = 0; i < n; i++) daily.push({ user: `r${i}@contoso.com`, product: 'RVT', day: `${m}-${String(i + 1).padStart(2, '0')}` });
    }
    await e.insert('usage_daily', daily);
    const { findings } = await e.review({ as_of: D });

    const nd = of(findings, 'new_domain');
    assert.deepEqual(nd.map((f) => `${f.units} ${f.first_seen}`), [`5 ${addDays(D, -60)}`]);
    assert.match(nd[0]!.detail ?? '', /network domain plant\.contoso\.com/);
    const plantLines = (await e.db.all<{ line: number }>(
      `SELECT line FROM sessions WHERE lower(trim(network_domain)) = 'plant.contoso.com' AND start_time < TIMESTAMP '2026-10-01'`)).map((r) => Number(r.line));
    assert.equal(plantLines.length, 10);
    assert.equal(nd[0]!.evidence_count, 10);
    assert.deepEqual(await evidenceOf(e.db, nd[0]!.finding_id), plantLines.map((l) => `sessions:${l}:row naming plant.contoso.com`).sort());

    // (April is a spike too: RVT had no users in the months before.)
    const july = of(findings, 'usage_spike').find((f) => f.first_seen === '2026-07-01');
    assert.ok(july, 'July 2026 is a spike');
    assert.equal(july.units, 25);
    const julyLines = (await e.db.all<{ line: number }>(`SELECT line FROM usage_daily WHERE day BETWEEN DATE '2026-07-01' AND DATE '2026-07-31'`)).map((r) => Number(r.line));
    assert.equal(july.evidence_count, 25);
    assert.deepEqual(await evidenceOf(e.db, july.finding_id), julyLines.map((l) => `usage_daily:${l}:use in the month`).sort());
  } finally {
    e.close();
  }
});
