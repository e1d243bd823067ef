// Savings rules on hand-built estates (RULES.md "Savings findings"). D = 2026-09-30, dormant_days 90:
// the dormancy window is (2026-07-02, 2026-09-30]. Prices come from the test catalogue
// (ACD 2000, ACDLT 500, RVT 3000, CIV3D 2500, AECCOL 4000 with ACD, RVT, CIV3D).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEstate, of, days, addDays } from './helpers';
import { getEvidence } from '../../analysis/rules/evidence';

const D = '2026-09-30';
const EDGE = addDays(D, -90); // 2026-07-02: outside the window; the day after is inside

function session(user: string, product: string, day: string, device = 'pc-1') {
  return { user, product, start_time: `${day} 09:00:00`, end_time: `${day} 10:00:00`, device_name: device };
}

test('dormant_user: usage on D - dormant_days is dormant, the day after is not; never used says so', async () => {
  const e = await makeEstate();
  try {
    await e.insert('users', [
      { user: 'edge@contoso.com', offering: 'ACD', assigned_date: '2025-01-01' },
      { user: 'edge@contoso.com', offering: 'RVT', assigned_date: '2025-01-01' },
      { user: 'inside@contoso.com', offering: 'ACD', assigned_date: '2025-01-01' },
      { user: 'never@contoso.com', offering: 'RVT' }, // unknown assigned date counts as long ago
      { user: 'later@contoso.com', offering: 'ACD', assigned_date: '2025-01-01' }, // first use only after D
    ]);
    await e.insert('sessions', [
      session('edge@contoso.com', 'ACD', EDGE), session('inside@contoso.com', 'ACD', addDays(EDGE, 1)),
      session('later@contoso.com', 'ACD', addDays(D, 5)),
    ]);
    const { findings } = await e.review({ as_of: D });
    const dormant = of(findings, 'dormant_user');
    assert.deepEqual(dormant.map((f) => f.user).sort(), ['edge@contoso.com', 'later@contoso.com', 'never@contoso.com']);
    // Use after the review date does not count, but the detail does not call it "never used" either.
    assert.equal(dormant.find((f) => f.user === 'later@contoso.com')!.detail, `no use by the review date (first use ${addDays(D, 5)}, after it); assignments: ACD`);
    const edge = dormant.find((f) => f.user === 'edge@contoso.com')!;
    assert.equal(edge.units, 2);
    assert.equal(edge.annual_value, 2000 + 3000);
    assert.equal(edge.last_seen, EDGE);
    assert.notEqual(edge.detail, 'never used');
    const never = dormant.find((f) => f.user === 'never@contoso.com')!;
    // "never used" first, then the licence to reclaim (the finding names it: the user holds one).
    assert.equal(never.detail, 'never used; assignments: RVT');
    assert.equal(never.offering, 'RVT');
    assert.equal(edge.offering, null, 'two assignments: the detail lists them');
    assert.match(edge.detail ?? '', /; assignments: ACD, RVT$/);
    assert.equal(never.annual_value, 3000);
    assert.equal(never.evidence_count, 1, 'the roster row proves the assignment');
    // The last-used date rests on the rows of that day: both roster rows and the session of EDGE.
    const ev = await getEvidence(e.db, edge.finding_id, 10);
    assert.deepEqual(ev.rows.map((r) => [r.table, r.note]).sort(), [
      ['users', 'active assignment ACD'],
      ['users', 'active assignment RVT'],
      ['sessions', `last usage, on ${EDGE}`],
    ].sort());
  } finally {
    e.close();
  }
});

test('dormant_user: new assignments get grace; ended and unassigned rows are not assignments', async () => {
  const e = await makeEstate();
  try {
    await e.insert('users', [
      { user: 'graceedge@contoso.com', offering: 'ACD', assigned_date: EDGE }, // assigned on D - 90: eligible
      { user: 'new@contoso.com', offering: 'ACD', assigned_date: addDays(EDGE, 1) }, // in grace
      { user: 'ended@contoso.com', offering: 'ACD', assigned_date: '2024-01-01', unassigned_date: '2026-08-15' }, // ended mid-window
      { user: 'endsafter@contoso.com', offering: 'ACD', assigned_date: '2024-01-01', unassigned_date: addDays(D, 1) },
      { user: 'endsond@contoso.com', offering: 'ACD', assigned_date: '2024-01-01', unassigned_date: D },
      { user: 'off@contoso.com', offering: 'ACD', assigned_date: '2024-01-01', seat_assignment: 'unassigned' },
    ]);
    // An Account usage report row with seat_assignment 'assigned' describes an assignment the roster lacks.
    await e.insert('usage_report', [
      { user: 'report@contoso.com', offering: 'RVT', seat_assignment: 'assigned', assigned_date: '2025-02-01' },
      { user: 'report-off@contoso.com', offering: 'RVT', seat_assignment: 'unassigned', assigned_date: '2025-02-01' },
    ]);
    // Someone used something so D is in the data.
    await e.insert('sessions', [session('other@contoso.com', 'ACD', D)]);
    const { findings } = await e.review({ as_of: D });
    assert.deepEqual(of(findings, 'dormant_user').map((f) => f.user).sort(), ['endsafter@contoso.com', 'graceedge@contoso.com', 'report@contoso.com']);
  } finally {
    e.close();
  }
});

test('last used falls back to usage_report.last_accessed for users with no usage rows', async () => {
  const e = await makeEstate();
  try {
    await e.insert('users', [
      { user: 'recent@contoso.com', offering: 'ACD', assigned_date: '2025-01-01' },
      { user: 'old@contoso.com', offering: 'ACD', assigned_date: '2025-01-01' },
    ]);
    await e.insert('usage_report', [
      { user: 'recent@contoso.com', offering: 'ACD', seat_assignment: 'assigned', last_accessed: addDays(D, -10) },
      { user: 'old@contoso.com', offering: 'ACD', seat_assignment: 'assigned', last_accessed: '2026-03-01' },
    ]);
    await e.insert('usage_daily', [{ user: 'other@contoso.com', product: 'RVT', day: D }]);
    const { findings } = await e.review({ as_of: D });
    const dormant = of(findings, 'dormant_user');
    assert.deepEqual(dormant.map((f) => f.user), ['old@contoso.com']);
    assert.equal(dormant[0]!.last_seen, '2026-03-01');
    assert.equal(of(findings, 'unused_assignment').length, 0);
    // Active only by last_accessed: how often is unknown (no usage rows), so no low-frequency saving is claimed
    // as if the user had 0 usage days.
    assert.deepEqual(of(findings, 'low_frequency_user'), []);
  } finally {
    e.close();
  }
});

test('unused_assignment: covered products count as use of a collection; grace applies', async () => {
  const e = await makeEstate();
  try {
    await e.insert('users', [
      { user: 'a@contoso.com', offering: 'AECCOL', assigned_date: '2025-01-01' }, // uses RVT, a member: used
      { user: 'a@contoso.com', offering: 'ACDLT', assigned_date: '2025-01-01' }, // not used in window: unused
      { user: 'a@contoso.com', offering: 'MAYA', assigned_date: addDays(EDGE, 1) }, // in grace
      { user: 'b@contoso.com', offering: 'ACD', assigned_date: '2025-01-01' }, // used only before the window
      { user: 'b@contoso.com', offering: 'RVT', assigned_date: '2025-01-01' },
    ]);
    await e.insert('sessions', [
      session('a@contoso.com', 'RVT', addDays(D, -5)),
      session('b@contoso.com', 'ACD', EDGE),
      session('b@contoso.com', 'RVT', D),
    ]);
    const { findings } = await e.review({ as_of: D });
    const unused = of(findings, 'unused_assignment').map((f) => `${f.user} ${f.offering} ${f.annual_value}`).sort();
    assert.deepEqual(unused, ['a@contoso.com ACDLT 500', 'b@contoso.com ACD 2000']);
    assert.equal(of(findings, 'dormant_user').length, 0);
  } finally {
    e.close();
  }
});

test('duplicate_access: the covered offering beside its collection, else the cheaper of one function group', async () => {
  const e = await makeEstate();
  try {
    const dates = days(addDays(D, -60), 40);
    await e.insert('users', [
      { user: 'coll@contoso.com', offering: 'AECCOL', assigned_date: '2025-01-01' },
      { user: 'coll@contoso.com', offering: 'ACD', assigned_date: '2025-01-01' },
      { user: 'pair@contoso.com', offering: 'ACD', assigned_date: '2025-01-01' },
      { user: 'pair@contoso.com', offering: 'ACDLT', assigned_date: '2025-01-01' },
      { user: 'mixed@contoso.com', offering: 'ACD', assigned_date: '2025-01-01' },
      { user: 'mixed@contoso.com', offering: 'RVT', assigned_date: '2025-01-01' },
    ]);
    const rows = [];
    for (const d of dates) {
      rows.push(session('coll@contoso.com', 'ACD', d), session('coll@contoso.com', 'RVT', d));
      rows.push(session('pair@contoso.com', 'ACD', d), session('pair@contoso.com', 'ACDLT', d));
      rows.push(session('mixed@contoso.com', 'ACD', d), session('mixed@contoso.com', 'RVT', d));
    }
    await e.insert('sessions', rows);
    const { findings } = await e.review({ as_of: D });
    const dup = of(findings, 'duplicate_access').map((f) => `${f.user} ${f.offering} ${f.annual_value} ${f.counted_in_savings}`).sort();
    assert.deepEqual(dup, ['coll@contoso.com ACD 2000 true', 'pair@contoso.com ACDLT 500 true']);
    assert.equal(of(findings, 'duplicate_access').find((f) => f.user === 'coll@contoso.com')!.evidence_count, 2);
  } finally {
    e.close();
  }
});

test('collection_single_product: exactly one member used in the frequency window, saving only if positive', async () => {
  const e = await makeEstate();
  try {
    await e.insert('users', [
      { user: 'one@contoso.com', offering: 'AECCOL', assigned_date: '2025-01-01' },
      { user: 'two@contoso.com', offering: 'AECCOL', assigned_date: '2025-01-01' },
      { user: 'oldtwo@contoso.com', offering: 'AECCOL', assigned_date: '2025-01-01' },
    ]);
    const rows = [];
    for (const d of days(addDays(D, -80), 20, 4)) {
      rows.push(session('one@contoso.com', 'RVT', d));
      rows.push(session('two@contoso.com', 'RVT', d), session('two@contoso.com', 'CIV3D', d));
      rows.push(session('oldtwo@contoso.com', 'CIV3D', d));
    }
    // oldtwo used RVT on D - 365 only: outside (D - 365, D], so still one product in the window.
    rows.push(session('oldtwo@contoso.com', 'RVT', addDays(D, -365)));
    await e.insert('sessions', rows);
    const { findings } = await e.review({ as_of: D });
    const csp = of(findings, 'collection_single_product').map((f) => `${f.user} ${f.product} ${f.offering} ${f.annual_value}`).sort();
    assert.deepEqual(csp, ['oldtwo@contoso.com CIV3D AECCOL 1500', 'one@contoso.com RVT AECCOL 1000']);
  } finally {
    e.close();
  }
});

test('low_frequency_user: a product without a Flex token rate leaves the saving unclaimed, and says how to fix it', async () => {
  const e = await makeEstate();
  try {
    // ZZZ is priced by the engagement but has no Flex token rate anywhere.
    await e.insert('users', [{ user: 'rare@contoso.com', offering: 'ZZZ', assigned_date: '2024-01-01' }]);
    await e.insert('sessions', days(addDays(D, -360), 40, 9).map((d) => session('rare@contoso.com', 'ZZZ', d)));
    const { findings } = await e.review({ as_of: D, prices: { ZZZ: { annual: 1500 } } });
    const [lf] = of(findings, 'low_frequency_user');
    assert.ok(lf, 'still a low-frequency user');
    assert.equal(lf.annual_value, 0);
    assert.equal(lf.counted_in_savings, false);
    assert.match(lf.detail ?? '', /no Flex token rate for ZZZ, so the Flex cost is unknown and no saving is counted: set its Flex tokens per day in the price book$/);
    // The figure quoted is the rated products' part only, and says so (here none: 0 tokens).
    assert.match(lf.detail ?? '', /; Flex estimate for the products with a rate USD 0\/yr \(0 tokens x /);
  } finally {
    e.close();
  }
});

test('low_frequency_user: usage days per observed month below the threshold, Flex estimate in the value', async () => {
  const e = await makeEstate();
  try {
    await e.insert('users', [
      { user: 'rare@contoso.com', offering: 'RVT', assigned_date: '2024-01-01' }, // 12 observed months, 40 days: 3.33/month
      { user: 'edge@contoso.com', offering: 'RVT', assigned_date: '2024-01-01' }, // 48 days: exactly 4/month, not low
      { user: 'young@contoso.com', offering: 'RVT', assigned_date: '2026-07-01' }, // 2 complete months observed: too short
      { user: 'threemonths@contoso.com', offering: 'ACD', assigned_date: '2026-06-30' }, // exactly 3 months observed, 6 days
    ]);
    const rows = [];
    for (const d of days(addDays(D, -360), 40, 9)) rows.push(session('rare@contoso.com', 'RVT', d));
    for (const d of days(addDays(D, -360), 48, 7)) rows.push(session('edge@contoso.com', 'RVT', d));
    for (const d of days(addDays(D, -80), 2, 30)) rows.push(session('young@contoso.com', 'RVT', d));
    for (const d of days(addDays(D, -85), 6, 14)) rows.push(session('threemonths@contoso.com', 'ACD', d));
    await e.insert('sessions', rows);
    const { findings } = await e.review({ as_of: D, flex_token_price: 3 });
    const lf = of(findings, 'low_frequency_user');
    assert.deepEqual(lf.map((f) => f.user).sort(), ['rare@contoso.com', 'threemonths@contoso.com']);
    const rare = lf.find((f) => f.user === 'rare@contoso.com')!;
    // Flex: 40 days x 10 tokens x $3, over 12 observed months scaled to 12 = 1200.
    assert.equal(rare.annual_value, 3000 - 1200);
    assert.match(rare.detail ?? '', /Flex estimate USD 1,200\/yr \(400 tokens x USD 3\.00 a token x 12\/12 months\) against USD 3,000\/yr of assignments/);
    const three = lf.find((f) => f.user === 'threemonths@contoso.com')!;
    // 6 days x 7 tokens x $3 = 126 in 3 months, scaled to 12 months = 504.
    assert.equal(three.annual_value, 2000 - 504);
  } finally {
    e.close();
  }
});

test('precedence: a dormant user\'s assignments never count again; summary savings equal the sum of findings', async () => {
  const e = await makeEstate();
  try {
    await e.insert('users', [
      // dormant, with a duplicate (ACD under AECCOL): the duplicate is listed but counts nothing
      { user: 'sleep@contoso.com', offering: 'AECCOL', assigned_date: '2025-01-01' },
      { user: 'sleep@contoso.com', offering: 'ACD', assigned_date: '2025-01-01' },
      // active user: ACD unused (counted there), duplicate of AECCOL too; low frequency on the rest
      { user: 'busy@contoso.com', offering: 'AECCOL', assigned_date: '2024-01-01' },
      { user: 'busy@contoso.com', offering: 'ACD', assigned_date: '2024-01-01' },
    ]);
    const rows = [session('sleep@contoso.com', 'RVT', '2026-01-10')];
    for (const d of days(addDays(D, -300), 10, 30)) rows.push(session('busy@contoso.com', 'RVT', d));
    await e.insert('sessions', rows);
    const { findings, result } = await e.review({ as_of: D });
    const sleep = findings.filter((f) => f.user === 'sleep@contoso.com');
    assert.deepEqual(sleep.map((f) => f.type).sort(), ['dormant_user', 'duplicate_access']);
    const dupSleep = sleep.find((f) => f.type === 'duplicate_access')!;
    assert.equal(dupSleep.annual_value, 0);
    assert.equal(dupSleep.counted_in_savings, false);
    assert.equal(sleep.find((f) => f.type === 'dormant_user')!.annual_value, 6000);

    const busy = findings.filter((f) => f.user === 'busy@contoso.com');
    const unusedAcd = busy.find((f) => f.type === 'unused_assignment');
    assert.equal(unusedAcd?.offering, 'ACD');
    assert.equal(busy.find((f) => f.type === 'duplicate_access')?.annual_value, 0);
    // AECCOL with one member used: 4000 - 3000 counted; low frequency then has nothing left to count.
    assert.equal(busy.find((f) => f.type === 'collection_single_product')?.annual_value, 1000);
    const lf = busy.find((f) => f.type === 'low_frequency_user');
    assert.ok(lf, 'busy is a low-frequency user');
    assert.equal(lf.annual_value, 0);

    // Every (user, offering) counted at most once, and the summary is the sum of the listed values.
    for (const t of ['dormant_user', 'unused_assignment', 'duplicate_access', 'collection_single_product', 'low_frequency_user']) {
      const sum = of(findings, t).reduce((s, f) => s + f.annual_value, 0);
      assert.equal(result.savings_annual[t], sum, t);
      assert.equal(result.findings[t], of(findings, t).length, t);
    }
    assert.equal(result.savings_annual.total, 6000 + 2000 + 1000);
  } finally {
    e.close();
  }
});
