// Signals on hand-built estates (RULES.md "Signals"). D = 2026-09-30.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEstate, of, days, addDays } from './helpers';

const D = '2026-09-30';

function u(user: string, product: string, day: string) {
  return { user, product, day };
}

test('telemetry_gap: 14 empty days between two usage days is a gap, 13 is not; per site when sites are known', async () => {
  const e = await makeEstate();
  try {
    await e.insert('usage_daily', [u('a@contoso.com', 'ACD', '2026-03-01'), u('a@contoso.com', 'ACD', '2026-03-16'), u('a@contoso.com', 'ACD', '2026-03-30'), u('a@contoso.com', 'ACD', D)]);
    const { findings } = await e.review({ as_of: D });
    const gaps = of(findings, 'telemetry_gap').map((f) => `${f.units} ${f.first_seen} ${f.last_seen}`);
    // 03-02..03-15 (14 days) and 03-31..09-29; 03-17..03-29 is 13 days.
    assert.deepEqual(gaps.sort(), ['14 2026-03-02 2026-03-15', `183 2026-03-31 ${addDays(D, -1)}`]);
  } finally {
    e.close();
  }
  const s = await makeEstate();
  try {
    const rows = [];
    for (const d of days('2026-08-01', 61)) rows.push({ user: 'a@contoso.com', product: 'ACD', start_time: `${d} 09:00:00`, network_domain: 'hq.contoso.com' });
    for (const d of ['2026-08-01', '2026-08-22', '2026-09-30']) rows.push({ user: 'b@contoso.com', product: 'ACD', start_time: `${d} 09:00:00`, network_domain: 'plant.contoso.com' });
    await s.insert('sessions', rows);
    const { findings } = await s.review({ as_of: D });
    const gaps = of(findings, 'telemetry_gap');
    assert.deepEqual(gaps.map((f) => `${f.units} ${f.first_seen}`).sort(), ['20 2026-08-02', '38 2026-08-23']);
    assert.ok(gaps.every((f) => /plant\.contoso\.com/.test(f.detail ?? '')));
    assert.equal(new Set(gaps.map((f) => f.finding_id)).size, 2, 'each hole has its own id');
  } finally {
    s.close();
  }
});

test('usage_spike: months with no telemetry at all are no baseline (an old log beside current exports)', async () => {
  const e = await makeEstate();
  try {
    const rows: ReturnType<typeof u>[] = [];
    const month = (product: string, m: string, n: number) => {
      for (let i = 0; i < n; i++) rows.push(u(`${product.toLowerCase()}${i}@contoso.com`, product, `${m}-${String((i % 27) + 1).padStart(2, '0')}`));
    };
    // One old month far back (within the lookback), then nothing until current data starts in 2026-05.
    month('ACD', '2024-11', 2);
    month('ACD', '2026-05', 30); // the months before hold no use of anything: no spike
    month('ACD', '2026-06', 30);
    month('ACD', '2026-07', 30);
    month('RVT', '2026-08', 25); // RVT had no users in May-July while the estate had telemetry: a spike
    month('ACD', '2026-08', 30);
    await e.insert('usage_daily', rows);
    const { findings } = await e.review({ as_of: D });
    assert.deepEqual(of(findings, 'usage_spike').map((f) => `${f.product} ${f.first_seen}`), ['RVT 2026-08-01']);
  } finally {
    e.close();
  }
});

test('a denial for another reason than seats in use (EXCLUDE list, no such feature) is no true denial; a denial counts for the package refused', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [
      { offering: 'AECCOL', seat_quantity: 2, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network' },
      { offering: 'RVT', seat_quantity: 3, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network' },
    ]);
    const denied = (day: string, reason: string, pkg: string | null) => ({
      ts: `${day} 10:00:00`, event: 'DENIED', feature: '86979RVT_2023_0F', product: 'RVT', user: 'v@contoso.com', true_denial: true, reason,
      extra: pkg ? JSON.stringify({ package_offering: pkg }) : null,
    });
    await e.insert('flexnet_events', [
      // Seats in use, FlexNet's -4: true denials; one through the Collection's package, two through Revit's own.
      denied('2026-05-04', 'Licensed number of users already reached. (-4,342)', 'AECCOL'),
      denied('2026-05-05', 'Licensed number of users already reached. (-4,342)', 'RVT'),
      denied('2026-05-06', 'Licensed number of users already reached. (-4,342)', 'RVT'),
      // Not for want of seats: no true denials, and said apart.
      denied('2026-05-07', 'User/host on EXCLUDE list for feature. (-38,349)', 'RVT'),
      denied('2026-05-08', 'No such feature exists. (-5,414)', null),
      // Seats in use, no package named: Revit's own pool (bought as network), not also the Collection covering Revit.
      denied('2026-05-09', 'Licensed number of users already reached. (-4,342)', null),
    ]);
    const { findings } = await e.review({ as_of: D });
    const den = of(findings, 'network_denials');
    assert.deepEqual(den.map((f) => `${f.product} ${f.units}`), ['RVT 4']);
    assert.equal(den[0]!.detail, 'RVT in 2026-05: 4 true denials (besides 2 denials for another reason than seats in use (an EXCLUDE list, a feature or version the server lacks), not counted)');
    const brief = await e.db.all<{ line: string; true_denials: number }>('SELECT line, true_denials FROM renewal_brief ORDER BY line');
    assert.deepEqual(brief.map((b) => [b.line, Number(b.true_denials)]), [['AECCOL', 1], ['RVT', 3]], 'each pool counts the denials of its own package');
  } finally {
    e.close();
  }
});

test('usage_spike, new_domain and network_denials', async () => {
  const e = await makeEstate();
  try {
    const rows = [];
    const month = (product: string, m: string, n: number, domain = 'contoso.com') => {
      for (let i = 0; i < n; i++) rows.push(u(`${product.toLowerCase()}${i}@${domain}`, product, `${m}-${String((i % 27) + 1).padStart(2, '0')}`));
    };
    for (const m of ['2026-04', '2026-05', '2026-06']) {
      month('RVT', m, 10);
      month('ACD', m, 10);
    }
    month('RVT', '2026-07', 25); // 25 >= 1.5 x 10 and >= 10 + 10: a spike
    month('RVT', '2026-08', 19); // mean of May-July is 15: 19 < 22.5
    month('ACD', '2026-07', 19); // 19 >= 15 but < 20
    // Domains (on products of their own, too few users to spike): acq.com first seen inside (D - 90, D] with 5 users; late.com only 4; edge.com on D - 90.
    for (let i = 0; i < 5; i++) rows.push(u(`p${i}@acq.com`, 'MAYA', addDays(D, -89)));
    for (let i = 0; i < 4; i++) rows.push(u(`p${i}@late.com`, 'INVPROSA', addDays(D, -30)));
    for (let i = 0; i < 5; i++) rows.push(u(`p${i}@edge.com`, 'CIV3D', addDays(D, -90)));
    await e.insert('usage_daily', rows);
    await e.insert('flexnet_events', [
      ...[1, 2, 3].map((h) => ({ ts: `2026-05-0${h} 10:00:00`, event: 'DENIED', feature: '87545ACD_2022_0F', product: 'ACD', user: 'n@contoso.com', true_denial: true })),
      { ts: '2026-05-04 10:00:00', event: 'DENIED', feature: '87545ACD_2022_0F', product: 'ACD', user: 'n@contoso.com', true_denial: false },
      { ts: '2026-06-04 10:00:00', event: 'DENIED', feature: '87545ACD_2022_0F', product: 'ACD', user: 'n@contoso.com', true_denial: false },
    ]);
    const { findings } = await e.review({ as_of: D });
    assert.deepEqual(of(findings, 'usage_spike').map((f) => `${f.product} ${f.units} ${f.first_seen} ${f.last_seen}`), ['RVT 25 2026-07-01 2026-07-31']);
    const nd = of(findings, 'new_domain');
    assert.deepEqual(nd.map((f) => `${f.units} ${f.first_seen}`), [`5 ${addDays(D, -89)}`]);
    assert.match(nd[0]!.detail ?? '', /acq\.com/);
    const den = of(findings, 'network_denials').map((f) => `${f.product} ${f.units} ${f.first_seen}`).sort();
    assert.deepEqual(den, ['ACD 0 2026-06-04', 'ACD 3 2026-05-01']);
    assert.ok(findings.filter((f) => f.family === 'signal').every((f) => f.annual_value === 0));
  } finally {
    e.close();
  }
});
