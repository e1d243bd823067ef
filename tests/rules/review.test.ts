// The whole review: stable ids across re-runs and engagements, evidence, findings.csv, decisions carried
// into next quarter, comparison with the previous quarter, and the renewal brief.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeEstate, of, days, addDays, type Estate } from './helpers';
import { findingIdOf } from '../../analysis/rules/ids';
import { getEvidence } from '../../analysis/rules/evidence';
import { carryRenewalTargets, getRenewal, renewalBrief, renewalTargetsToCarry } from '../../analysis/rules/renewal';
import { writeFindingsCsv } from '../../analysis/findings-csv';
import { neutraliseFormula } from '../../analysis/export/csv';
import { setDecisions, listDecisions, clearDecisions, carryDecisions, compareWithPrevious, restoreDecisions } from '../../analysis/decisions';
import { FINDINGS_CSV_COLUMNS } from '../../analysis/model';

const D = '2026-09-30';

async function quarter(e: Estate, opts: { sleeperUsesAgain?: boolean; strayGone?: boolean } = {}) {
  await e.insert('subscriptions', [
    { offering: 'AECCOL', seat_quantity: 10, start_date: '2026-01-01', end_date: '2026-12-31' },
    { offering: 'RVT', seat_quantity: 2, start_date: '2026-01-01', end_date: '2026-12-31' },
    { offering: 'ACD', seat_quantity: 4, start_date: '2026-01-01', end_date: '2026-12-31' },
    { offering: 'MAYA', seat_quantity: 3, start_date: '2026-01-01', end_date: '2026-12-31' },
  ]);
  const roster = [
    ...['c1', 'c2', 'c3', 'c4'].map((u) => ({ user: `${u}@contoso.com`, offering: 'AECCOL', assigned_date: '2025-01-01' })),
    ...['a1', 'a2', 'a3', 'a4'].map((u) => ({ user: `${u}@contoso.com`, offering: 'ACD', assigned_date: '2025-01-01' })),
    ...['m1', 'm2', 'm3'].map((u) => ({ user: `${u}@contoso.com`, offering: 'MAYA', assigned_date: '2025-01-01' })),
    { user: '=HYPERLINK("http://x")@contoso.com', offering: 'RVT', assigned_date: '2025-01-01' },
    { user: 'r1@contoso.com', offering: 'RVT', assigned_date: '2025-01-01' },
  ];
  await e.insert('users', roster);
  const rows: Array<Record<string, string>> = [];
  for (const d of days('2026-01-01', 273)) {
    for (const u of ['c1', 'c2', 'c3', 'c4', 'a1', 'a2', 'a3', 'm1', 'm2', 'm3', 'r1']) {
      const product = u.startsWith('c') ? 'RVT' : u.startsWith('a') ? 'ACD' : u.startsWith('m') ? 'MAYA' : 'RVT';
      rows.push({ user: `${u}@contoso.com`, product, day: d });
    }
  }
  for (const d of days('2026-01-05', 18, 15)) rows.push({ user: 'a4@contoso.com', product: 'ACD', day: d }); // two days a month
  if (!opts.strayGone) rows.push({ user: 'x@contoso.com', product: 'RVT', day: '2026-09-01' }); // unassigned use of RVT
  if (opts.sleeperUsesAgain) rows.push({ user: '=HYPERLINK("http://x")@contoso.com', product: 'RVT', day: addDays(D, -3) });
  await e.insert('usage_daily', rows);
}

type Reviewed = Awaited<ReturnType<Estate['review']>>;

/** Last quarter's and this quarter's estates, each reviewed as the Contoso fixture; both closed after `fn`. */
async function twoQuarters(nextOpts: Parameters<typeof quarter>[1], fn: (prev: Estate, q1: Reviewed, next: Estate, q2: Reviewed) => Promise<void>): Promise<void> {
  const prev = await makeEstate();
  const next = await makeEstate();
  try {
    await quarter(prev);
    const q1 = await prev.review({ corporate_email_domains: ['contoso.com'] });
    await quarter(next, nextOpts);
    const q2 = await next.review({ corporate_email_domains: ['contoso.com'] });
    await fn(prev, q1, next, q2);
  } finally {
    prev.close();
    next.close();
  }
}

test('re-running gives the same findings and ids; ids are the hash of (type, user, product, offering); evidence and CSV', async () => {
  const e = await makeEstate();
  const f = await makeEstate();
  try {
    await quarter(e);
    const first = await e.review({ corporate_email_domains: ['contoso.com'] });
    assert.equal(first.result.as_of, '2026-09-30', 'as_of defaults to the last usage day');
    const second = await e.review({ corporate_email_domains: ['contoso.com'], scenario: { negotiated_back_period_rate: 0.5 } });
    assert.deepEqual(second.findings, first.findings);
    // Summary figures are sums over the listed findings, with the engagement's own assumptions.
    const gapLines = second.findings.filter((x) => x.family === 'gap');
    assert.ok(gapLines.length > 0);
    assert.equal(second.result.gap_units, gapLines.reduce((a, x) => a + x.units, 0));
    const best = gapLines.reduce((a, x) => a + x.units * x.price!, 0);
    const back = gapLines.reduce((a, x) => a + (x.units * x.price! * x.months!) / 12, 0);
    assert.equal(second.result.scenarios.self_review_best, best);
    assert.ok(Math.abs(second.result.scenarios.self_review_typical - (best + back * 0.5)) < 1e-6);
    await quarter(f);
    const other = await f.review({ corporate_email_domains: ['contoso.com'] });
    assert.deepEqual(other.findings.map((x) => x.finding_id).sort(), first.findings.map((x) => x.finding_id).sort());
    const evil = '=HYPERLINK("http://x")@contoso.com';
    const dormant = of(first.findings, 'dormant_user');
    assert.deepEqual(dormant.map((x) => x.user), [evil]);
    assert.equal(dormant[0]!.finding_id, findingIdOf('dormant_user', evil, null, null));
    const un = of(first.findings, 'unassigned_usage')[0]!;
    assert.equal(un.finding_id, findingIdOf('unassigned_usage', 'x@contoso.com', 'RVT', 'RVT'));

    const ev = await getEvidence(e.db, un.finding_id, 10);
    assert.equal(ev.total, 1);
    assert.equal(ev.rows[0]!.table, 'usage_daily');
    assert.equal(ev.rows[0]!.file, 'hand-built.csv');
    assert.equal(ev.rows[0]!.values.user, 'x@contoso.com');
    assert.equal(String(ev.rows[0]!.values.day).slice(0, 10), '2026-09-01');

    const csvPath = join(e.dir, 'findings.csv');
    const { rows: n } = await writeFindingsCsv(e.db, csvPath);
    const text = readFileSync(csvPath, 'utf8');
    const lines = text.trimEnd().split('\r\n');
    assert.equal(lines[0], FINDINGS_CSV_COLUMNS.join(','));
    assert.equal(lines.length, n + 1);
    const evilLine = lines.find((l) => l.includes('HYPERLINK'))!;
    assert.ok(evilLine.includes(`"'=HYPERLINK(""http://x"")@contoso.com"`), evilLine);
    const unLine = lines.find((l) => l.startsWith(un.finding_id))!;
    assert.equal(unLine.split(',').slice(1, 11).join(','), 'unassigned_usage,high,x@contoso.com,RVT,RVT,1,3000,2026-09-01,2026-09-01,1');
    assert.equal(neutraliseFormula('+1'), "'+1");
    assert.equal(neutraliseFormula('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(neutraliseFormula('\tx'), "'\tx");
    assert.equal(neutraliseFormula('plain'), 'plain');
  } finally {
    e.close();
    f.close();
  }
});

test('decisions carry to next quarter by finding id; comparison lists new, resolved and still open', async () => {
  await twoQuarters({ sleeperUsesAgain: true }, async (prev, q1, next, q2) => {
    const dormantId = of(q1.findings, 'dormant_user')[0]!.finding_id;
    const unId = of(q1.findings, 'unassigned_usage')[0]!.finding_id;
    assert.equal(await setDecisions(prev.db, [dormantId, unId], { action: 'investigate', owner: 'IT', due_date: '2026-10-31', justification: null }), 2);
    assert.equal(await clearDecisions(prev.db, [dormantId]), 1);
    await setDecisions(prev.db, [dormantId], { action: 'reclaim', owner: 'Ana', due_date: '2026-10-15', justification: 'left the company' });

    const carried = await carryDecisions(prev.db, next.db);
    assert.equal(carried, 1, 'only the still-present finding takes its decision along');
    const decisions = await listDecisions(next.db);
    assert.deepEqual(decisions.map((d) => [d.finding_id, d.action, d.owner, d.due_date, d.carried_from]), [[unId, 'investigate', 'IT', '2026-10-31', '2026-09-30']]);

    const cmp = await compareWithPrevious(prev.db, next.db);
    assert.deepEqual(cmp.resolved, [dormantId]);
    // What the resolved finding was, from last quarter's engagement: it is not among this quarter's findings.
    const was = of(q1.findings, 'dormant_user')[0]!;
    assert.deepEqual(cmp.resolved_findings, [{ finding_id: dormantId, type: 'dormant_user', family: was.family, user: was.user, product: was.product, offering: was.offering, annual_value: was.annual_value, detail: was.detail, user_in_data: true }]);
    assert.ok(!q2.findings.some((f) => f.finding_id === dormantId));
    assert.ok(cmp.still_open.includes(unId));
    assert.equal(cmp.new.length + cmp.still_open.length, q2.findings.length);
  });
});

test('a finding resolved because its user is gone from the data says so; last quarter\'s decisions and values come along', async () => {
  await twoQuarters({ strayGone: true }, async (prev, q1, next) => {
    const stray = of(q1.findings, 'unassigned_usage')[0]!;
    await setDecisions(prev.db, [stray.finding_id], { action: 'buy', owner: 'IT', due_date: '2026-10-31', justification: null });
    const cmp = await compareWithPrevious(prev.db, next.db);
    const gone = cmp.resolved_findings.find((f) => f.finding_id === stray.finding_id);
    assert.equal(gone?.user_in_data, false, 'x@contoso.com is in no table of this quarter');
    assert.ok(cmp.resolved_findings.filter((f) => f.finding_id !== stray.finding_id).every((f) => f.user_in_data !== false));
    assert.deepEqual(cmp.previous_decisions.find((d) => d.finding_id === stray.finding_id), { finding_id: stray.finding_id, action: 'buy', owner: 'IT', due_date: '2026-10-31', justification: null });
    assert.equal(cmp.carryable, 0, 'nothing to carry: the decided finding is resolved');
  });
});

test('last quarter\'s renewal targets carry once, onto lines without one, and not where they are this quarter\'s recommendation', async () => {
  await twoQuarters({}, async (prev, _q1, next) => {
    const [a, b] = await renewalBrief(prev.db);
    await prev.db.run('INSERT INTO renewal_targets (offering, target_quantity) VALUES ($1, $2), ($3, $4)', [a!.line, a!.target_quantity! + 2, b!.line, b!.target_quantity! + 5]);
    // This quarter recommends for b what the analyst set last quarter: nothing to carry there.
    await next.db.run('UPDATE renewal_brief SET target_quantity = $2 WHERE line = $1', [b!.line, b!.target_quantity! + 5]);
    assert.deepEqual(await renewalTargetsToCarry(prev.db, next.db), [{ line: a!.line, target: a!.target_quantity! + 2 }]);
    assert.equal(await carryRenewalTargets(prev.db, next.db), 1);
    assert.equal((await renewalBrief(next.db)).find((r) => r.line === a!.line)?.analyst_target, a!.target_quantity! + 2);
    assert.deepEqual(await renewalTargetsToCarry(prev.db, next.db), [], 'carried once: not offered again');
  });
});

test('renewal brief: a Flex token pool is judged by tokens used against tokens bought, not by users against seats', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [
      { offering: 'FLEX', seat_quantity: 1, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'flex', tokens: 5000, unit_price: 2.5 },
      { offering: 'RVT', seat_quantity: 2, start_date: '2026-01-01', end_date: '2026-12-31' },
    ]);
    // 6,000 tokens in the 12 months to D (one row outside them does not count); no user names the pool.
    const rows = days('2025-10-15', 60, 5).map((d) => ({ usage_date: d, product: 'RVT', tokens: 100 }));
    await e.insert('tokenflex', [...rows, { usage_date: '2025-06-01', product: 'RVT', tokens: 9999 }]);
    await e.insert('usage_daily', [{ user: 'r1@contoso.com', product: 'RVT', day: '2026-09-01' }]);
    // A Revit user on it once a month: Optimisation moves them to Flex, 12 days x 10 tokens a year from the same pool.
    await e.insert('users', [{ user: 'lf@contoso.com', offering: 'RVT', assigned_date: '2024-01-01' }]);
    await e.insert('usage_daily', days('2025-10-05', 12, 30).map((d) => ({ user: 'lf@contoso.com', product: 'RVT', day: d, licence_type: 'named_user' })));
    await e.review({ as_of: D, flex_token_price: 3 });
    const flex = (await getRenewal(e.db, (c) => c)).find((b) => b.offering === 'FLEX')!;
    // Sized in tokens a year, not by the contract line's seat quantity (1): 6,000 used plus the 5% buffer; the overage
    // priced at the pool's own token price (2.50), not the Flex token price setting (3).
    assert.equal(flex.recommendation, 'increase', 'more tokens used than bought');
    assert.equal(flex.seats, 5000);
    assert.equal(flex.target_quantity, 6300);
    assert.equal(flex.reason, 'Flex token pool, sized by tokens: 6,000 of 5,000 tokens used in the 12 months to the review date (120%); 1,000 more were used than bought (about USD 2,500 of overage at USD 2.50 a token); with the 5% buffer the next year needs 6,300 tokens; the 1 low-frequency user Optimisation would move to Flex would use about 120 tokens a year more');
    // Charted as tokens a month against a twelfth of the tokens bought (while the line is in term), not as users.
    assert.equal(flex.measure, 'tokens');
    // Where the tokens went in the 12 months judged (the row before them is not counted), most first.
    assert.deepEqual(flex.tokens_by_product, [{ product: 'RVT', name: 'RVT', tokens: 6000 }]);
    assert.deepEqual((await getRenewal(e.db, (c) => c)).find((b) => b.offering === 'RVT')!.tokens_by_product, [], 'only a Flex pool lists tokens');
    const month = (m: string) => flex.monthly.find((x) => x.month === m);
    assert.deepEqual([month('2025-06')?.active_users, month('2025-06')?.seats], [9999, 0]);
    assert.equal(flex.monthly.reduce((a, x) => a + x.active_users, 0), 6000 + 9999);
    assert.ok(Math.abs((month('2026-03')?.seats ?? 0) - 5000 / 12) < 1e-9, String(month('2026-03')?.seats));
  } finally {
    e.close();
  }
});

test('renewal brief: a Flex pool whose token export is of another year, or starts within the year, says so', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [{ offering: 'FLEX', seat_quantity: 1, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'flex', tokens: 5000 }]);
    const reason = async () => (await getRenewal(e.db, (c) => c)).find((b) => b.offering === 'FLEX')!.reason;
    await e.review({ as_of: D });
    assert.equal(await reason(), 'Flex token pool, sized by tokens: 0 of 5,000 tokens used in the 12 months to the review date (0%); no Token Flex usage is loaded (load the Token Flex usage export)');
    await e.insert('tokenflex', [{ usage_date: '2016-01-04', product: 'RVT', tokens: 900 }, { usage_date: '2016-12-30', product: 'RVT', tokens: 100 }]);
    await e.review({ as_of: D });
    assert.equal(await reason(), 'Flex token pool, sized by tokens: 0 of 5,000 tokens used in the 12 months to the review date (0%); the Flex token usage loaded runs from 2016-01-04 to 2016-12-30, outside those 12 months: load a current export');
    await e.insert('tokenflex', [{ usage_date: '2026-07-01', product: 'RVT', tokens: 400 }]);
    await e.db.run("DELETE FROM tokenflex WHERE usage_date < DATE '2020-01-01'");
    await e.review({ as_of: D });
    assert.equal(await reason(), 'Flex token pool, sized by tokens: 400 of 5,000 tokens used in the 12 months to the review date (8%); the Flex token usage loaded starts on 2026-07-01, so it covers only part of those 12 months: too little to size the pool on');
    // Part of a year never reduces a pool (nor does no data, above): kept at the tokens bought.
    const flex = (await getRenewal(e.db, (c) => c)).find((b) => b.offering === 'FLEX')!;
    assert.deepEqual([flex.recommendation, flex.seats, flex.target_quantity], ['keep', 5000, 5000]);
  } finally {
    e.close();
  }
});

test('renewal brief: tokens bought for a three-year term are judged a year at a time', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [{ offering: 'FLEX', seat_quantity: 0, start_date: '2024-10-01', end_date: '2027-09-30', licence_model: 'flex', tokens: 150000 }]);
    // A year of use (the export starts before the 12 months judged, with a row of no tokens).
    await e.insert('tokenflex', [{ usage_date: '2025-09-01', product: 'RVT', tokens: 0 }, ...days('2025-10-15', 100, 3).map((d) => ({ usage_date: d, product: 'RVT', tokens: 400 }))]);
    await e.review({ as_of: D });
    const flex = (await getRenewal(e.db, (c) => c)).find((b) => b.offering === 'FLEX')!;
    assert.equal(flex.reason, "Flex token pool, sized by tokens: 40,000 of 50,000 tokens used in the 12 months to the review date (80%), a year's share of the 150,000 bought for a 36-month term; with the 5% buffer the next year needs 42,000 tokens");
    // A whole year of use plus the buffer needs fewer tokens than a year's share: reduce the next purchase to that.
    assert.deepEqual([flex.recommendation, flex.seats, flex.target_quantity], ['reduce', 50000, 42000]);
    assert.ok(Math.abs((flex.monthly.find((m) => m.month === '2026-03')?.seats ?? 0) - 150000 / 36) < 1e-6, 'the chart spreads the tokens over the term');
  } finally {
    e.close();
  }
});

test('renewal brief: a top-up for the last months of the year counts whole; a pool without its tokens bought is not sized', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [
      { offering: 'FLEX', seat_quantity: 1, start_date: '2025-10-01', end_date: '2026-09-30', licence_model: 'flex', tokens: 100000 },
      { offering: 'FLEX', seat_quantity: 1, start_date: '2026-03-01', end_date: '2026-09-30', licence_model: 'flex', tokens: 50000 },
    ]);
    // The first token row a few days into the year (no use on its first days) still makes a whole year of data.
    await e.insert('tokenflex', days('2025-10-06', 100, 3).map((d) => ({ usage_date: d, product: 'RVT', tokens: 1200 })));
    await e.review({ as_of: D });
    const flex = async () => (await getRenewal(e.db, (c) => c)).find((b) => b.offering === 'FLEX')!;
    // 150,000 tokens for the year (the top-up is not spread over 12 months), 120,000 used: 126,000 with the buffer.
    const pool = await flex();
    assert.deepEqual([pool.seats, pool.recommendation, pool.target_quantity], [150000, 'reduce', 126000]);
    assert.equal(pool.reason, 'Flex token pool, sized by tokens: 120,000 of 150,000 tokens used in the 12 months to the review date (80%); with the 5% buffer the next year needs 126,000 tokens');
    // A Flex line whose tokens the export does not give: not read as one token, and not sized.
    await e.db.run('UPDATE subscriptions SET tokens = NULL');
    await e.review({ as_of: D });
    const unknown = await flex();
    assert.deepEqual([unknown.seats, unknown.recommendation], [0, 'keep']);
    assert.equal(unknown.reason, 'Flex token pool: the subscriptions export gives no tokens bought for it, so it cannot be sized (120,000 tokens used in the 12 months to the review date); add the tokens bought (a Tokens column) and load it again');
  } finally {
    e.close();
  }
});

test('renewal brief: converting to Flex never sets a target below none, also with more users assigned than seats', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [{ offering: 'ACD', seat_quantity: 1, start_date: '2025-10-01', end_date: '2026-09-30' }]);
    // Two users on one AutoCAD seat, each on it once a month: both low-frequency.
    await e.insert('users', ['a@contoso.com', 'b@contoso.com'].map((user) => ({ user, offering: 'ACD', assigned_date: '2024-01-01' })));
    for (const user of ['a@contoso.com', 'b@contoso.com']) {
      await e.insert('usage_daily', days('2025-10-05', 12, 30).map((d) => ({ user, product: 'ACD', day: d, licence_type: 'named_user' })));
    }
    await e.review({ as_of: D, flex_token_price: 3 });
    const acd = (await getRenewal(e.db, (c) => c)).find((b) => b.offering === 'ACD')!;
    assert.deepEqual([acd.recommendation, acd.target_quantity], ['convert_to_flex', 0]);
  } finally {
    e.close();
  }
});

test('renewal brief: the trend does not count the months before any data as months nobody used it', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [{ offering: 'ACD', seat_quantity: 1, start_date: '2025-10-01', end_date: '2026-09-30' }]);
    await e.insert('users', [{ user: 'a@contoso.com', offering: 'ACD', assigned_date: '2024-01-01' }]);
    // The exports start in May: one user, every week since.
    await e.insert('usage_daily', days('2026-05-04', 22, 7).map((d) => ({ user: 'a@contoso.com', product: 'ACD', day: d, licence_type: 'named_user' })));
    await e.review({ as_of: D });
    const acd = (await getRenewal(e.db, (c) => c)).find((b) => b.offering === 'ACD')!;
    assert.equal(acd.trend, 1, 'one user every month there is data: flat, not x1.5 against an April with no data');
  } finally {
    e.close();
  }
});

test('renewal brief: increase for gaps, reduce to peak plus buffer, convert to Flex, keep; monthly series', async () => {
  const e = await makeEstate();
  try {
    await quarter(e);
    await e.review({ corporate_email_domains: ['contoso.com'] });
    const brief = await getRenewal(e.db, (c) => c);
    const by = Object.fromEntries(brief.map((b) => [b.offering, b]));
    assert.deepEqual(Object.keys(by).sort(), ['ACD', 'AECCOL', 'MAYA', 'RVT']);
    // AECCOL: 10 seats, 4 monthly active users: ceil(4 x 1.05) = 5 < 10.
    assert.equal(by.AECCOL!.recommendation, 'reduce');
    assert.equal(by.AECCOL!.target_quantity, 5);
    assert.equal(by.AECCOL!.peak_monthly_active, 4);
    assert.equal(by.AECCOL!.active_users, 4);
    // RVT: x@contoso.com used it unassigned: one gap unit on 2 seats.
    assert.equal(by.RVT!.recommendation, 'increase');
    assert.equal(by.RVT!.target_quantity, 3);
    // One of its two seats is held by a dormant user: the brief says to reassign it first.
    assert.equal(by.RVT!.reason, 'the gap register holds 1 unit for its products; 1 of its seats is free (idle, on the Reclamation list): given to the users behind the gaps, they would cover it, so a target of 2 would do instead of a seat bought for every gap unit');
    // ACD: 4 assigned, a4 uses it twice a month: a quarter are low-frequency users.
    assert.equal(by.ACD!.recommendation, 'convert_to_flex');
    assert.equal(by.ACD!.active_assignments, 4);
    assert.equal(by.MAYA!.recommendation, 'keep');
    assert.equal(by.MAYA!.trend, 1);
    assert.equal(by.MAYA!.monthly.length, 24);
    assert.deepEqual(by.MAYA!.monthly.at(-1), { month: '2026-09', active_users: 3, seats: 3 });
    assert.deepEqual(by.MAYA!.monthly[0], { month: '2024-10', active_users: 0, seats: 0 });
  } finally {
    e.close();
  }
});

test('renewal brief: an offering with Named User and network seats is two lines, each judged on its own seats and users', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [
      { offering: 'ACD', seat_quantity: 4, start_date: '2026-01-01', end_date: '2026-12-31' },
      { offering: 'ACD', seat_quantity: 4, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network' },
      { offering: 'ACD', seat_quantity: 2, start_date: '2024-01-01', end_date: '2025-12-31', licence_model: 'network' }, // ended: no seats at D
    ]);
    await e.insert('users', ['a1', 'a2', 'a3'].map((u) => ({ user: `${u}@contoso.com`, offering: 'ACD', assigned_date: '2025-01-01' })));
    const daily: Array<Record<string, string>> = [];
    for (const d of days('2026-04-01', 183)) for (const u of ['a1', 'a2', 'a3']) daily.push({ user: `${u}@contoso.com`, product: 'ACD', day: d });
    daily.push({ user: 'x@contoso.com', product: 'ACD', day: '2026-09-10' }); // unassigned Named User use: a gap of the named line
    await e.insert('usage_daily', daily);
    // Network sessions claiming a network licence: n1 every month; n2 at the same hour until June (two at once);
    // n3 later the same days (a third user, never a third session at once).
    const sessions = [];
    for (const d of days('2026-04-15', 6, 30)) {
      sessions.push({ user: 'n1@contoso.com', product: 'ACD', start_time: `${d} 09:00:00`, end_time: `${d} 10:00:00`, device_name: 'h1', licence_type: 'network' });
      if (d < '2026-07-01') sessions.push({ user: 'n2@contoso.com', product: 'ACD', start_time: `${d} 09:30:00`, end_time: `${d} 10:30:00`, device_name: 'h2', licence_type: 'network' });
      if (d < '2026-07-01') sessions.push({ user: 'n3@contoso.com', product: 'ACD', start_time: `${d} 14:00:00`, end_time: `${d} 15:00:00`, device_name: 'h3', licence_type: 'network' });
    }
    await e.insert('sessions', sessions);
    await e.review({ as_of: D, corporate_email_domains: ['contoso.com'] });
    const brief = await getRenewal(e.db, () => 'AutoCAD');
    assert.deepEqual(brief.map((b) => [b.line, b.offering, b.licence_model, b.name, b.seats]), [
      ['ACD', 'ACD', 'named_user', 'AutoCAD (Named User)', 4],
      ['ACD:network', 'ACD', 'network', 'AutoCAD (Network)', 4],
    ]);
    const [named, network] = brief as [(typeof brief)[0], (typeof brief)[0]];
    // The named line: its assignments, and the unassigned user's gap unit on top of its 4 seats.
    assert.equal(named.active_assignments, 3);
    assert.equal(named.active_users, 3);
    assert.equal(named.recommendation, 'increase');
    assert.equal(named.target_quantity, 5);
    // The network line: no assignments; its active users claimed a network licence in the last 90 days (n1); it
    // is sized by sessions at once: a peak of 2 (three users, never three at once) plus 5 % needs 3 of its 4 seats.
    assert.equal(network.active_assignments, 0);
    assert.equal(network.active_users, 1);
    assert.equal(network.peak_monthly_active, 2);
    assert.equal(network.recommendation, 'reduce');
    assert.equal(network.target_quantity, 3);
    assert.equal(network.reason, 'peak 2 network seats in use at once over the last six complete months plus 5% buffer needs 3 of 4 seats');
    assert.deepEqual(network.monthly.at(-1), { month: '2026-09', active_users: 1, seats: 4 });
    assert.deepEqual(network.monthly.find((m) => m.month === '2025-06'), { month: '2025-06', active_users: 0, seats: 2 }, 'the ended line counted in its own months');
    assert.deepEqual(named.monthly.at(-1), { month: '2026-09', active_users: 3, seats: 4 });
  } finally {
    e.close();
  }
});

test('renewal brief: a network line with no session-level data is kept, saying what would size it', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [{ offering: 'MAYA', seat_quantity: 5, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network' }]);
    // Daily usage names users and days, never sessions at once.
    await e.insert('usage_daily', days('2026-06-01', 90).map((d) => ({ user: 'm1@contoso.com', product: 'MAYA', day: d, licence_type: 'network' })));
    await e.review({ as_of: D, corporate_email_domains: ['contoso.com'] });
    const [maya] = await getRenewal(e.db, (c) => c);
    assert.deepEqual([maya!.line, maya!.recommendation, maya!.target_quantity, maya!.peak_monthly_active], ['MAYA', 'keep', 5, 0]);
    assert.equal(maya!.reason, "no network session data to size it (load the licence server's FlexNet logs, or sessions that claim a network licence)");
  } finally {
    e.close();
  }
});

test('Undo of a decision applied to many findings puts each back as it was: its reason, time and carried mark, or none', async () => {
  await twoQuarters({ sleeperUsesAgain: true }, async (prev, q1, next, q2) => {
    // Two findings open in both quarters: one decided last quarter and carried, one never decided.
    const open = q1.findings.filter((f) => q2.findings.some((g) => g.finding_id === f.finding_id)).map((f) => f.finding_id);
    assert.ok(open.length >= 2, `findings open in both quarters: ${open.length}`);
    const [carriedId, other] = open as [string, string];
    await setDecisions(prev.db, [carriedId], { action: 'reclaim', owner: 'Ana', due_date: '2026-10-15', justification: 'left the company' });
    await carryDecisions(prev.db, next.db);
    const before = await listDecisions(next.db);
    const held = before.find((d) => d.finding_id === carriedId);
    assert.ok(held?.carried_from, 'a carried decision to put back');
    // One change over both: the carried decision replaced, the other finding decided for the first time.
    await setDecisions(next.db, [carriedId, other], { action: 'investigate', owner: null, due_date: null, justification: null });
    assert.equal(await restoreDecisions(next.db, [held], [other]), 2);
    const after = await listDecisions(next.db);
    assert.deepEqual(after, before, 'as it was, to the time it was saved');
  });
});
