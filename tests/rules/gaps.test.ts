// Compliance gap rules on hand-built estates (RULES.md "Compliance gaps"). D = 2026-09-30, lookback 24
// months: (2024-09-30, 2026-09-30]. Corporate e-mail domain contoso.com. Prices from the test catalogue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEvidence } from '../../analysis/rules/evidence';
import { makeEstate, of, days } from './helpers';
import { coveringEntry, ipRangeProblem, ipv4Bounds } from '../../analysis/settings';

const D = '2026-09-30';
const SETTINGS = { as_of: D, corporate_email_domains: ['contoso.com'] };

function s(user: string, product: string, day: string, extra: Record<string, string | number | null> = {}) {
  return { user, product, start_time: `${day} 09:00:00`, end_time: `${day} 10:00:00`, device_name: 'pc-' + user.split('@')[0], ...extra };
}

test('out_of_scope_product, unassigned_usage and contractor_unassigned; flex and serial claims are not unassigned', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [
      { offering: 'RVT', seat_quantity: 10, start_date: '2026-01-01', end_date: '2026-12-31' },
      { offering: 'AECCOL', seat_quantity: 5, start_date: '2026-01-01', end_date: '2026-12-31' },
      { offering: 'ACD', seat_quantity: 3, start_date: '2020-01-01', licence_model: 'serial' },
    ]);
    await e.insert('users', [
      { user: 'a@contoso.com', offering: 'AECCOL', assigned_date: '2025-06-01' },
      { user: 'ended@contoso.com', offering: 'RVT', assigned_date: '2025-06-01', unassigned_date: '2026-03-01' },
      { user: 't@contoso.com', offering: 'ACD', assigned_date: '2025-06-01', user_type: 'contractor' },
    ]);
    await e.insert('sessions', [
      // MAYA has no subscription at all: 2 users in March, 3 in April; one use before the lookback.
      s('old@contoso.com', 'MAYA', '2024-09-30'),
      s('m1@contoso.com', 'MAYA', '2026-03-05'), s('m2@contoso.com', 'MAYA', '2026-03-06'),
      s('m1@contoso.com', 'MAYA', '2026-04-01'), s('m2@contoso.com', 'MAYA', '2026-04-02'), s('m3@contoso.com', 'MAYA', '2026-04-03'),
      // RVT before its subscription started is out of scope, after it is unassigned use.
      s('x@contoso.com', 'RVT', '2025-12-15'), s('x@contoso.com', 'RVT', '2026-02-10'), s('x@contoso.com', 'RVT', '2026-03-10', { licence_type: 'unknown' }),
      s('a@contoso.com', 'RVT', '2026-02-10'),
      s('ended@contoso.com', 'RVT', '2026-02-15'), s('ended@contoso.com', 'RVT', '2026-03-15'),
      s('c@vendor.com', 'RVT', '2026-05-01'),
      s('t@contoso.com', 'RVT', '2026-05-02'),
      s('f@contoso.com', 'RVT', '2026-05-03', { licence_type: 'flex' }),
      s('sr@contoso.com', 'RVT', '2026-05-04', { licence_type: 'serial', device_name: 'd1' }),
      s('sr@contoso.com', 'RVT', '2026-05-05', { licence_type: 'serial', device_name: 'd2' }),
      s('sr@contoso.com', 'ACD', '2026-05-05', { licence_type: 'serial', device_name: 'd2' }),
    ]);
    const { findings } = await e.review(SETTINGS);

    const oos = of(findings, 'out_of_scope_product').map((f) => `${f.product} ${f.units} ${f.first_seen} ${f.last_seen}`).sort();
    assert.deepEqual(oos, ['MAYA 3 2026-03-05 2026-04-03', 'RVT 1 2025-12-15 2025-12-15']);
    const maya = of(findings, 'out_of_scope_product').find((f) => f.product === 'MAYA')!;
    assert.equal(maya.annual_value, 3 * 1900);
    assert.equal(maya.price, 1900);
    assert.equal(maya.list_price, 1940);
    assert.equal(maya.months, 7, 'months rounded up from 2026-03-05 to 2026-09-30');
    assert.equal(maya.evidence_count, 5);

    const un = of(findings, 'unassigned_usage').map((f) => `${f.user} ${f.product} ${f.offering} ${f.first_seen} ${f.last_seen}`).sort();
    assert.deepEqual(un, ['ended@contoso.com RVT RVT 2026-03-15 2026-03-15', 'x@contoso.com RVT RVT 2026-02-10 2026-03-10']);
    const x = of(findings, 'unassigned_usage').find((f) => f.user === 'x@contoso.com')!;
    assert.equal(x.units, 1);
    assert.equal(x.annual_value, 3000);
    assert.equal(x.months, 8);

    assert.deepEqual(of(findings, 'contractor_unassigned').map((f) => f.user).sort(), ['c@vendor.com', 't@contoso.com']);

    const serial = of(findings, 'legacy_serial_use');
    assert.deepEqual(serial.map((f) => `${f.product} ${f.units}`), ['RVT 2']);
    assert.equal(serial[0]!.annual_value, 2 * 3000);
  } finally {
    e.close();
  }
});

test('shared_account: overlap of at least shared_overlap_minutes on at least shared_min_days days', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [{ offering: 'RVT', seat_quantity: 10, start_date: '2025-01-01', end_date: '2027-01-01' }]);
    await e.insert('users', ['sh', 'short', 'two'].map((u) => ({ user: `${u}@contoso.com`, offering: 'RVT', assigned_date: '2025-01-01' })));
    const rows = [];
    for (const d of days('2026-06-01', 3)) {
      // 15 minutes of overlap: counts.
      rows.push(s('sh@contoso.com', 'RVT', d, { device_name: 'A', start_time: `${d} 09:00:00`, end_time: `${d} 10:00:00` }));
      rows.push(s('sh@contoso.com', 'RVT', d, { device_name: 'B', start_time: `${d} 09:45:00`, end_time: `${d} 11:00:00` }));
      // 14 minutes: does not.
      rows.push(s('short@contoso.com', 'RVT', d, { device_name: 'A', start_time: `${d} 09:00:00`, end_time: `${d} 10:00:00` }));
      rows.push(s('short@contoso.com', 'RVT', d, { device_name: 'B', start_time: `${d} 09:46:00`, end_time: `${d} 11:00:00` }));
    }
    // A third device on one day: three devices at once.
    rows.push(s('sh@contoso.com', 'RVT', '2026-06-02', { device_name: 'C', start_time: '2026-06-02 09:30:00', end_time: '2026-06-02 09:50:00' }));
    for (const d of days('2026-06-01', 2)) {
      rows.push(s('two@contoso.com', 'RVT', d, { device_name: 'A', start_time: `${d} 09:00:00`, end_time: `${d} 10:00:00` }));
      rows.push(s('two@contoso.com', 'RVT', d, { device_name: 'B', start_time: `${d} 09:00:00`, duration_minutes: 60, end_time: null }));
    }
    await e.insert('sessions', rows);
    const { findings } = await e.review(SETTINGS);
    const shared = of(findings, 'shared_account');
    assert.deepEqual(shared.map((f) => `${f.user} ${f.product} ${f.units} ${f.first_seen} ${f.last_seen}`), ['sh@contoso.com RVT 2 2026-06-01 2026-06-03']);
    assert.equal(shared[0]!.annual_value, 2 * 3000);
    assert.equal(shared[0]!.evidence_count, 7);
  } finally {
    e.close();
  }
});

test('a network login on two hosts at once is two network seats, not a shared account', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [
      { offering: 'ACD', seat_quantity: 4, start_date: '2025-01-01', end_date: '2027-01-01', licence_model: 'network' },
      { offering: 'RVT', seat_quantity: 4, start_date: '2025-01-01', end_date: '2027-01-01' },
    ]);
    await e.insert('users', [{ user: 'jsmith@contoso.com', offering: 'RVT', assigned_date: '2025-01-01' }]);
    const rows = [];
    for (const d of days('2026-06-01', 3)) {
      // AutoCAD from the licence server on desktop and laptop at once: each check-out holds a network seat.
      for (const host of ['JS-DESKTOP', 'JS-LAPTOP']) rows.push(s('jsmith@contoso.com', 'ACD', d, { licence_type: 'network', device_name: host, start_time: `${d} 09:00:00`, end_time: `${d} 12:00:00` }));
      // Revit, a Named User licence, on both at once: a shared account.
      for (const host of ['JS-DESKTOP', 'JS-LAPTOP']) rows.push(s('jsmith@contoso.com', 'RVT', d, { device_name: host, start_time: `${d} 13:00:00`, end_time: `${d} 15:00:00` }));
    }
    await e.insert('sessions', rows);
    const { findings } = await e.review(SETTINGS);
    assert.deepEqual(of(findings, 'shared_account').map((f) => `${f.user} ${f.product} ${f.units}`), ['jsmith@contoso.com RVT 1']);
  } finally {
    e.close();
  }
});

test('network_over_use: peak simultaneous network sessions above seats in sustained consecutive months', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [
      { offering: 'INVPROSA', seat_quantity: 2, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network' },
      { offering: 'CIV3D', seat_quantity: 2, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network' },
    ]);
    const rows = [];
    const burst = (product: string, day: string, n: number) => {
      for (let i = 0; i < n; i++) rows.push(s(`n${i}@contoso.com`, product, day, { licence_type: 'network', device_name: `h${i}` }));
    };
    burst('INVPROSA', '2026-04-10', 3);
    burst('INVPROSA', '2026-05-12', 4);
    burst('INVPROSA', '2026-06-15', 3);
    burst('INVPROSA', '2026-08-15', 9); // a later single month, not part of a sustained run
    burst('CIV3D', '2026-04-10', 3);
    burst('CIV3D', '2026-05-10', 3); // only two consecutive months
    burst('CIV3D', '2026-07-10', 2); // at the seats: no excess
    // Later on a peak day, one session alone: not over the seats, so no evidence of the over-use.
    rows.push(s('late@contoso.com', 'INVPROSA', '2026-05-12', { licence_type: 'network', device_name: 'hl', start_time: '2026-05-12 14:00:00', end_time: '2026-05-12 15:00:00' }));
    // Back-to-back sessions (one ends as the next starts) are not simultaneous.
    rows.push(s('b1@contoso.com', 'CIV3D', '2026-06-10', { licence_type: 'network', start_time: '2026-06-10 08:00:00', end_time: '2026-06-10 09:00:00' }));
    burst('CIV3D', '2026-06-10', 2);
    await e.insert('sessions', rows);
    const { findings } = await e.review(SETTINGS);
    const net = of(findings, 'network_over_use');
    assert.deepEqual(net.map((f) => `${f.product} ${f.units} ${f.first_seen} ${f.last_seen}`), ['INVPROSA 2 2026-04-10 2026-06-15']);
    assert.equal(net[0]!.annual_value, 2 * 2800);
    // The evidence is the sessions open at each month's peak instant (3 + 4 + 3), and the network line exceeded.
    const ev = await getEvidence(e.db, net[0]!.finding_id, 100);
    const notes = ev.rows.map((r) => r.note ?? '');
    assert.equal(notes.filter((n) => n.startsWith('network session open at ')).length, 10, notes.join(' | '));
    assert.ok(notes.includes('network session open at 2026-05-12 09:00:00: 4 at once against 2 seats'), notes.join(' | '));
    assert.ok(notes.some((n) => n.startsWith('network entitlement: 2 seats of INVPROSA')));
    assert.equal(of(findings, 'unassigned_usage').length + of(findings, 'contractor_unassigned').length, 0, 'network claims are not unassigned use');
  } finally {
    e.close();
  }
});

test('Flex use is never out of scope: tokens Autodesk metered were billed, even outside the Flex line the export shows', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [{ offering: null, contract_number: 'FLEX-1', seat_quantity: 0, start_date: '2026-03-01', end_date: '2027-02-28', licence_model: 'flex', tokens: 5000 }]);
    await e.insert('tokenflex', [
      { usage_date: '2026-02-27', product: 'MAYA', tokens: 8, user: 'f@contoso.com' },
      { usage_date: '2026-03-02', product: 'MAYA', tokens: 8, user: 'f@contoso.com' },
      { usage_date: '2026-03-03', product: 'INVPROSA', tokens: 9, user: null },
    ]);
    // A Named User session of Maya on a day nothing entitles it is still out of scope.
    await e.insert('usage_daily', [{ user: 'n@contoso.com', product: 'MAYA', day: '2026-03-04', licence_type: 'named_user' }]);
    const { findings } = await e.review(SETTINGS);
    const oos = of(findings, 'out_of_scope_product');
    assert.deepEqual(oos.map((f) => `${f.product} ${f.units} ${f.first_seen} ${f.last_seen}`), ['MAYA 1 2026-03-04 2026-03-04']);
    assert.equal(of(findings, 'unassigned_usage').length + of(findings, 'contractor_unassigned').length, 0);
    // Without any Flex line at all (the subscriptions export lacks the agreement), Flex use is no gap either.
    await e.db.run("DELETE FROM subscriptions WHERE licence_model = 'flex'");
    await e.insert('subscriptions', [{ offering: 'ACD', seat_quantity: 1, start_date: '2025-10-01', end_date: '2026-09-30' }]);
    const again = await e.review(SETTINGS);
    assert.deepEqual(of(again.findings, 'out_of_scope_product').map((f) => f.product), ['MAYA']);
  } finally {
    e.close();
  }
});

test('off-network use (RULES.md terms): counted in unassigned lines only where the settings and the sessions say so', async () => {
  assert.deepEqual(ipv4Bounds('10.0.0.0/8'), { lo: 10 * 2 ** 24, hi: 11 * 2 ** 24 - 1 });
  assert.deepEqual(ipv4Bounds('192.168.1.77'), { lo: 3232235853, hi: 3232235853 });
  assert.deepEqual(ipv4Bounds('192.168.1.77/24'), { lo: 3232235776, hi: 3232236031 });
  assert.equal(ipv4Bounds('999.1.1.1/8'), null);
  // As typed: an address with host bits is no range start (ipv4Bounds would silently widen it).
  assert.equal(ipRangeProblem('10.0.0.0/8'), null);
  assert.equal(ipRangeProblem('192.168.1.77'), null);
  assert.equal(ipRangeProblem('192.168.1.77/24'), '192.168.1.77/24 is an address, not the start of its range: enter 192.168.1.0/24');
  assert.match(ipRangeProblem('999.1.1.1/8')!, /^not an IPv4 range/);
  // Suggestions a listed entry already covers add nothing.
  assert.equal(coveringEntry('ip', ['192.168.0.0/16', '10.0.0.0/8'], '10.20.0.0/16'), '10.0.0.0/8');
  assert.equal(coveringEntry('ip', ['10.20.0.0/16'], '10.0.0.0/8'), null, 'a wider range is not covered by a narrower one');
  assert.equal(coveringEntry('network', ['corp.contoso.com'], 'lon.corp.contoso.com'), 'corp.contoso.com');
  assert.equal(coveringEntry('network', ['corp.contoso.com'], 'notcorp.contoso.com'), null);
  assert.equal(coveringEntry('email', ['@Contoso.com'], 'contoso.com'), '@Contoso.com');
  assert.equal(coveringEntry('email', ['contoso.com'], 'eng.contoso.com'), null, 'e-mail domains match as listed');
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [{ offering: 'RVT', seat_quantity: 10, start_date: '2026-01-01', end_date: '2026-12-31' }]);
    await e.insert('sessions', [
      // Unassigned use on four days: at the office (a range), on the VPN (a subdomain of a corporate network domain),
      // from home (outside both), and once with neither an IP nor a domain (not judged).
      s('x@contoso.com', 'RVT', '2026-05-01', { ip_address: '10.20.30.40', network_domain: null }),
      s('x@contoso.com', 'RVT', '2026-05-02', { ip_address: null, network_domain: 'vpn.corp.contoso.com' }),
      s('x@contoso.com', 'RVT', '2026-05-03', { ip_address: '203.0.113.9', network_domain: 'home.example.net' }),
      s('x@contoso.com', 'RVT', '2026-05-04', { ip_address: null, network_domain: null }),
    ]);
    const judged = of((await e.review({ ...SETTINGS, corporate_ip_ranges: ['10.0.0.0/8'], corporate_network_domains: ['corp.contoso.com'] })).findings, 'unassigned_usage');
    assert.equal(judged.length, 1);
    assert.equal(judged[0]!.detail, '4 usage days without an assignment covering RVT; 1 day of them off the corporate network');
    // Without network settings nothing is judged off-network.
    const plain = of((await e.review(SETTINGS)).findings, 'unassigned_usage');
    assert.equal(plain[0]!.detail, '4 usage days without an assignment covering RVT');
  } finally {
    e.close();
  }
});

test('an offering bought as Named User and network at different prices: each line priced as its own, unit and list price together', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [
      { offering: 'INVPROSA', seat_quantity: 5, start_date: '2026-01-01', end_date: '2026-12-31', unit_price: 2700, list_price: 2030 },
      { offering: 'INVPROSA', seat_quantity: 2, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network', unit_price: 1700, list_price: 2900 },
    ]);
    const rows = [];
    for (const day of ['2026-04-10', '2026-05-12', '2026-06-15']) for (let i = 0; i < 3; i++) rows.push(s(`n${i}@contoso.com`, 'INVPROSA', day, { licence_type: 'network', device_name: `h${i}` }));
    rows.push(s('u1@contoso.com', 'INVPROSA', '2026-07-01')); // Named User use without an assignment
    await e.insert('sessions', rows);
    const { findings } = await e.review(SETTINGS);
    const [net] = of(findings, 'network_over_use');
    const [una] = of(findings, 'unassigned_usage');
    assert.deepEqual([net!.units, net!.price, net!.list_price, net!.annual_value], [1, 1700, 2900, 1700], 'the network line');
    assert.deepEqual([una!.price, una!.list_price, una!.annual_value], [2700, 2030, 2700], "the Named User line's own pair");
  } finally {
    e.close();
  }
});

test("Named User findings are priced from the book when the Named User line has no price, never from the network line's price", async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [
      { offering: 'INVPROSA', seat_quantity: 5, start_date: '2026-01-01', end_date: '2026-12-31' },
      { offering: 'INVPROSA', seat_quantity: 2, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network', unit_price: 1700 },
      // Bought only as network: a Named User finding still takes the book's price, not a network seat's.
      { offering: 'CIV3D', seat_quantity: 1, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network', unit_price: 1900 },
    ]);
    const rows = [];
    for (const day of ['2026-04-10', '2026-05-12', '2026-06-15']) for (let i = 0; i < 3; i++) rows.push(s(`n${i}@contoso.com`, 'INVPROSA', day, { licence_type: 'network', device_name: `h${i}` }));
    rows.push(s('u1@contoso.com', 'INVPROSA', '2026-07-01'), s('u1@contoso.com', 'CIV3D', '2026-07-01'));
    await e.insert('sessions', rows);
    const { findings } = await e.review(SETTINGS);
    const [net] = of(findings, 'network_over_use');
    const una = of(findings, 'unassigned_usage');
    assert.equal(net!.price, 1700, 'network over-use: the network line');
    assert.equal(una.find((f) => f.product === 'INVPROSA')!.price, 2800, 'Named User use: the price book, not the network line');
    assert.equal(una.find((f) => f.product === 'CIV3D')!.price, 2500, 'an offering bought only as network: the book, for Named User use');
  } finally {
    e.close();
  }
});

test('network_over_use: one user checking out twice on one host holds one seat, as FlexNet counts it; on two hosts, two', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [{ offering: 'CIV3D', seat_quantity: 2, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network' }]);
    const rows: ReturnType<typeof s>[] = [];
    const at = (user: string, host: string, day: string, from: string, to: string) =>
      rows.push(s(user, 'CIV3D', day, { licence_type: 'network', device_name: host, start_time: `${day} ${from}`, end_time: `${day} ${to}` }));
    for (const day of ['2026-04-10', '2026-05-12', '2026-06-15']) {
      // Two users, each with three overlapping check-outs on their own PC: 2 seats of 2, no over-use.
      for (const u of ['a', 'b']) {
        at(`${u}@contoso.com`, `pc-${u}`, day, '09:00:00', '12:00:00');
        at(`${u}@contoso.com`, `PC-${u.toUpperCase()}`, day, '10:00:00', '11:00:00'); // host names compare without case
        at(`${u}@contoso.com`, `pc-${u}`, day, '11:30:00', '13:00:00');
      }
    }
    await e.insert('sessions', rows);
    assert.deepEqual(of((await e.review(SETTINGS)).findings, 'network_over_use'), [], 'duplicate check-outs are no extra seats');
    // The same user at once on a second host takes a third seat, in each of three months: over-use by 1.
    rows.length = 0;
    for (const day of ['2026-04-10', '2026-05-12', '2026-06-15']) at('a@contoso.com', 'laptop-a', day, '09:30:00', '10:30:00');
    await e.insert('sessions', rows);
    const [net] = of((await e.review(SETTINGS)).findings, 'network_over_use');
    assert.equal(net?.units, 1);
    assert.match(net!.detail ?? '', /^peak network seats in use at once \(one per user and host\) above the network seats in 3 months/);
    const ev = await getEvidence(e.db, net!.finding_id, 100);
    assert.ok(ev.rows.some((r) => r.note === 'network session open at 2026-05-12 09:30:00: 3 at once against 2 seats'), ev.rows.map((r) => r.note).join(' | '));
  } finally {
    e.close();
  }
});

test('renewal: a network line increased for over-use that ended before the six months it is sized on says so', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [{ offering: 'INVPROSA', seat_quantity: 2, start_date: '2025-01-01', end_date: '2026-12-31', licence_model: 'network' }]);
    const rows = [];
    for (const day of ['2025-10-10', '2025-11-12', '2025-12-15']) for (let i = 0; i < 3; i++) rows.push(s(`n${i}@contoso.com`, 'INVPROSA', day, { licence_type: 'network', device_name: `h${i}` }));
    rows.push(s('n0@contoso.com', 'INVPROSA', '2026-09-01', { licence_type: 'network', device_name: 'h0' }));
    await e.insert('sessions', rows);
    await e.review(SETTINGS);
    const [line] = await e.db.all<{ recommendation: string; reason: string }>("SELECT recommendation, reason FROM renewal_brief WHERE offering = 'INVPROSA'");
    assert.deepEqual(line, {
      recommendation: 'increase',
      reason: 'the gap register holds 1 unit for its products; the last of it was on 2025-12-15, before the six months the seats are sized on: check it still applies before buying',
    });
  } finally {
    e.close();
  }
});

test('network seats are pooled by the licence a session took: a Collection seat is not also an AutoCAD seat', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [
      { offering: 'ACD', seat_quantity: 2, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network' },
      { offering: 'AECCOL', seat_quantity: 3, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network' },
    ]);
    const rows: ReturnType<typeof s>[] = [];
    const at = (user: string, product: string, lo: string, day: string) =>
      rows.push(s(user, product, day, { licence_type: 'network', device_name: `pc-${user}`, licence_offering: lo }));
    // Three months running (a sustained over-use), and once in September (within the 90 days active users count).
    for (const day of ['2026-04-10', '2026-05-12', '2026-06-15', '2026-09-10']) {
      // AutoCAD through its own feature, three at once: over its 2 seats, whatever the Collection has free.
      for (const u of ['a1', 'a2', 'a3']) at(`${u}@contoso.com`, 'ACD', 'ACD', day);
      // Civil 3D and AutoCAD through the Collection's package: 3 at once, its 3 seats.
      for (const u of ['c1', 'c2']) at(`${u}@contoso.com`, 'CIV3D', 'AECCOL', day);
      at('c3@contoso.com', 'ACD', 'AECCOL', day);
    }
    await e.insert('sessions', rows);
    const { findings } = await e.review(SETTINGS);
    const net = of(findings, 'network_over_use');
    assert.deepEqual(net.map((f) => `${f.product} ${f.offering} ${f.units}`), ['ACD ACD 1'], 'AutoCAD is over its own seats; the Collection is not');
    const brief = await e.db.all<{ line: string; peak_monthly_active: number; recommendation: string; active_users: number }>('SELECT line, peak_monthly_active, recommendation, active_users FROM renewal_brief ORDER BY line');
    assert.deepEqual(brief.map((b) => [b.line, b.peak_monthly_active, b.recommendation]), [['ACD', 3, 'increase'], ['AECCOL', 3, 'keep']], 'each line is sized by its own pool');
    // Each line's users are those holding its pool's seats: c3's AutoCAD through the package is a Collection user.
    assert.deepEqual(brief.map((b) => [b.line, b.active_users]), [['ACD', 3], ['AECCOL', 3]]);
    const [full] = await e.db.all<{ reason: string }>("SELECT reason FROM renewal_brief WHERE line = 'AECCOL'");
    assert.equal(full?.reason, 'at capacity: peak 3 network seats in use at once over the last six complete months on 3 seats; with the 5% buffer it would need 4', 'a full pool is not "seats match use"');
    // Civil 3D checked out under a standalone Civil 3D package (FlexNet names it), which the contract does not buy as
    // network: its seat is that package's, not a fourth Collection seat, though the Collection covers Civil 3D.
    rows.length = 0;
    for (const day of ['2026-04-10', '2026-05-12', '2026-06-15']) at('c4@contoso.com', 'CIV3D', 'CIV3D', day);
    await e.insert('sessions', rows);
    const own = of((await e.review(SETTINGS)).findings, 'network_over_use');
    assert.deepEqual(own.map((f) => `${f.product} ${f.offering} ${f.units}`).sort(), ['ACD ACD 1']);
    assert.deepEqual(
      (await e.db.all<{ line: string; peak_monthly_active: number }>('SELECT line, peak_monthly_active FROM renewal_brief ORDER BY line')).map((b) => [b.line, b.peak_monthly_active]),
      [['ACD', 3], ['AECCOL', 3]],
      "the Collection's peak is its own package's seats",
    );
    // Civil 3D whose licence is not known (no package named), bought as network only through the Collection: it joins
    // the Collection's pool, where it is a fourth seat beside the three in use.
    rows.length = 0;
    for (const day of ['2026-04-10', '2026-05-12', '2026-06-15']) rows.push(s('c5@contoso.com', 'CIV3D', day, { licence_type: 'network', device_name: 'pc-c5' }));
    await e.insert('sessions', rows);
    const more = of((await e.review(SETTINGS)).findings, 'network_over_use');
    assert.deepEqual(more.map((f) => `${f.product} ${f.offering} ${f.units}`).sort(), ['ACD ACD 1', 'AECCOL AECCOL 1']);
  } finally {
    e.close();
  }
});

test('a network seat held across midnight into a new month counts in that month, though no session starts in it', async () => {
  const e = await makeEstate();
  try {
    await e.insert('subscriptions', [{ offering: 'CIV3D', seat_quantity: 1, start_date: '2026-01-01', end_date: '2026-12-31', licence_model: 'network' }]);
    const held = (user: string, from: string, to: string) => s(user, 'CIV3D', from.slice(0, 10), { licence_type: 'network', device_name: `pc-${user}`, start_time: from, end_time: to });
    // Two seats held over each month's turn (on 1 seat), in three months running; nothing starts in May, June or July.
    await e.insert('sessions', [
      held('a@contoso.com', '2026-04-30 20:00:00', '2026-05-02 10:00:00'), held('b@contoso.com', '2026-04-30 21:00:00', '2026-05-01 09:00:00'),
      held('a@contoso.com', '2026-05-31 20:00:00', '2026-06-02 10:00:00'), held('b@contoso.com', '2026-05-31 21:00:00', '2026-06-01 09:00:00'),
      held('a@contoso.com', '2026-06-30 20:00:00', '2026-07-02 10:00:00'), held('b@contoso.com', '2026-06-30 21:00:00', '2026-07-01 09:00:00'),
    ]);
    const [net] = of((await e.review(SETTINGS)).findings, 'network_over_use');
    // April, May, June on the days the sessions start; May, June, July at midnight: four months over the seat.
    assert.equal(net?.detail, 'peak network seats in use at once (one per user and host) above the network seats in 4 months (largest excess 1: 2 at once on 1 seat, 2026-04-30 21:00)');
    assert.deepEqual([net?.first_seen, net?.last_seen], ['2026-04-30', '2026-07-01']);
  } finally {
    e.close();
  }
});

test("in another currency than the price book's, a unit price given in the engagement's currency is the list price too, not the book's list price", async () => {
  for (const currency of ['EUR', 'USD']) {
    const e = await makeEstate();
    try {
      // ACD bought at 1900 in the engagement's currency, no list price given; RVT has no price but the book's.
      await e.insert('subscriptions', [
        { offering: 'ACD', seat_quantity: 1, start_date: '2026-01-01', end_date: '2026-12-31', unit_price: 1900 },
        { offering: 'RVT', seat_quantity: 1, start_date: '2026-01-01', end_date: '2026-12-31' },
      ]);
      await e.insert('sessions', [s('u1@contoso.com', 'ACD', '2026-07-01'), s('u1@contoso.com', 'RVT', '2026-07-01')]);
      const { findings } = await e.review({ ...SETTINGS, currency });
      const una = of(findings, 'unassigned_usage');
      const acd = una.find((f) => f.product === 'ACD')!;
      const rvt = una.find((f) => f.product === 'RVT')!;
      // In USD the book's list price (2100) is the client's currency too; in EUR it would mix USD into the audit scenarios.
      assert.deepEqual([acd.price, acd.list_price], currency === 'USD' ? [1900, 2100] : [1900, 1900], `${currency}: ACD`);
      // Priced from the book either way (and said by currency_unconverted in EUR): the book's own pair.
      assert.deepEqual([rvt.price, rvt.list_price], [3000, 3100], `${currency}: RVT`);
      const src = await e.db.all<{ code: string; list_source: string }>(`SELECT code, list_source FROM review_prices WHERE code IN ('ACD', 'RVT') AND licence_model IS NULL ORDER BY code`);
      assert.deepEqual(src.map((r) => r.list_source), [currency === 'USD' ? 'price book' : 'the unit price', 'price book']);
    } finally {
      e.close();
    }
  }
});
