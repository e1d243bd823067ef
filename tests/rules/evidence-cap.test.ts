// Evidence capping: a finding keeps at most EVIDENCE_CAP evidence rows (the first ones by table, source and
// line) while evidence_count stays the exact number of rows that prove it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEstate, days, of } from './helpers';
import { EVIDENCE_CAP } from '../../analysis/rules/evidence';

const D = '2026-09-30';

test('a finding with more rows than the cap keeps the first rows by table, source and line and counts them all', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [{ offering: 'RVT', seat_quantity: 10, start_date: '2025-01-01', end_date: '2026-12-31' }]);
    await e.insert('users', [{ user: 'r@contoso.com', offering: 'RVT', assigned_date: '2025-01-01' }]);
    // MAYA has no subscription line: every row below is out-of-scope use. Two usage_daily sources with
    // interleaved line numbers (source 3 has the low lines) so the order source-then-line is tested.
    const mayaDays = days('2025-10-01', 360);
    const sessions = mayaDays.slice(0, 300).map((day, i) => ({ user: `m${i % 7}@contoso.com`, product: 'MAYA', start_time: `${day} 09:00:00`, end_time: `${day} 10:00:00`, device_name: 'pc' }));
    const daily: Array<Record<string, string | number>> = [];
    for (let i = 0; i < 600; i++) {
      daily.push({ source_id: 3, line: 10 + i, user: `d${i % 5}@contoso.com`, product: 'MAYA', day: mayaDays[i % 360]! });
      daily.push({ source_id: 2, line: 5000 + i, user: `d${i % 5}@contoso.com`, product: 'MAYA', day: mayaDays[(i + 1) % 360]! });
    }
    await e.insert('sessions', sessions);
    await e.insert('usage_daily', daily);
    // RVT is entitled and assigned: its rows are evidence of nothing out of scope.
    await e.insert('sessions', days('2026-01-05', 20).map((day) => ({ user: 'r@contoso.com', product: 'RVT', start_time: `${day} 09:00:00`, end_time: `${day} 10:00:00`, device_name: 'pc-r' })));
    const { findings } = await e.review({ as_of: D, corporate_email_domains: ['contoso.com'] });

    const maya = of(findings, 'out_of_scope_product').find((f) => f.product === 'MAYA');
    assert.ok(maya, 'MAYA use without a subscription line is out of scope');
    const total = sessions.length + daily.length;
    assert.ok(total > EVIDENCE_CAP);
    assert.equal(maya.evidence_count, total, 'evidence_count counts every row, not only the stored ones');

    const stored = await e.db.all<{ table_name: string; source_id: number; line: number; note: string }>(
      `SELECT table_name, source_id, line, note FROM finding_evidence WHERE finding_id = $1`, [maya.finding_id]);
    assert.equal(stored.length, EVIDENCE_CAP);
    // Expected: every sessions row (source 1), then usage_daily source 2 before source 3, each by line.
    const sessionLines = (await e.db.all<{ line: number }>(`SELECT line FROM sessions WHERE product = 'MAYA' ORDER BY line`)).map((r) => Number(r.line));
    const expected = [
      ...sessionLines.map((line) => `sessions:1:${line}`),
      ...daily.filter((r) => r.source_id === 2).map((r) => `usage_daily:2:${r.line}`),
      ...daily.filter((r) => r.source_id === 3).map((r) => `usage_daily:3:${r.line}`),
    ].slice(0, EVIDENCE_CAP);
    const got = stored.map((r) => `${r.table_name}:${Number(r.source_id)}:${Number(r.line)}`).sort();
    assert.deepEqual(got, [...expected].sort());
    assert.ok(stored.every((r) => /^use on \d{4}-\d{2}-\d{2} without entitlement$/.test(r.note)));
    assert.equal(of(findings, 'out_of_scope_product').length, 1, 'RVT is entitled');
  } finally {
    e.close();
  }
});

test('the cap spans all evidence of a finding: usage rows come before the assignment row they are staged before', async () => {
  const e = await makeEstate();
  try {
    // 40 usage days in the frequency window (3.33 a month: low frequency) with 30 sessions each: 1200 usage rows,
    // then one roster row. low_frequency_user stages the usage rows first, so the first 1000 of them are kept.
    await e.insert('users', [{ user: 'rare@contoso.com', offering: 'RVT', assigned_date: '2024-01-01' }]);
    const rows: Array<Record<string, string>> = [];
    for (const day of days('2025-10-05', 40, 9)) {
      for (let k = 0; k < 30; k++) {
        const t = `${String(8 + Math.floor(k / 4)).padStart(2, '0')}:${String((k % 4) * 15).padStart(2, '0')}:00`;
        rows.push({ user: 'rare@contoso.com', product: 'RVT', start_time: `${day} ${t}`, end_time: `${day} ${t}`, device_name: 'pc-rare' });
      }
    }
    await e.insert('sessions', rows);
    const { findings } = await e.review({ as_of: D, flex_token_price: 3 });
    const lf = of(findings, 'low_frequency_user').find((f) => f.user === 'rare@contoso.com');
    assert.ok(lf, 'rare@ is a low-frequency user');
    assert.equal(lf.evidence_count, rows.length + 1, 'every usage row and the assignment row are counted');
    const stored = await e.db.all<{ table_name: string; line: number; note: string }>(
      `SELECT table_name, line, note FROM finding_evidence WHERE finding_id = $1`, [lf.finding_id]);
    assert.equal(stored.length, EVIDENCE_CAP);
    assert.ok(stored.every((r) => r.table_name === 'sessions' && r.note === 'use in the frequency window'), 'the assignment row is past the cap');
    const lines = (await e.db.all<{ line: number }>(`SELECT line FROM sessions ORDER BY line LIMIT ${EVIDENCE_CAP}`)).map((r) => Number(r.line));
    assert.deepEqual(stored.map((r) => Number(r.line)).sort((a, b) => a - b), lines);
  } finally {
    e.close();
  }
});
