// Row normalisation: every accepted date format, time zones, impossible dates as rejects with a reason,
// numbers as finance writes them, licence claims, masked users, unknown products kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimestamp, parseDate, parseNumber, claimOf, normaliseUser, makeRowNormaliser, newNumberStyle } from '../../analysis/ingest/normalise';
import { detectAs } from '../../analysis/ingest/detect';
import { loadCatalogue } from '../../analysis/catalogue/catalogue';

test('each accepted date format gives the same wall-clock time', () => {
  const want = '2025-03-07 14:05:09';
  for (const s of ['2025-03-07T14:05:09', '2025-03-07T14:05:09Z', '2025-03-07T16:05:09+02:00', '2025-03-07T09:05:09-0500', '2025-03-07 14:05:09', '3/7/2025 14:05:09', '3/7/2025 2:05:09 PM', '03/07/2025 02:05:09 pm', '2025-03-07T14:05:09.123Z']) {
    assert.equal(parseTimestamp(s, 'UTC'), want, s);
  }
  assert.equal(parseTimestamp('2025-03-07 14:05', 'UTC'), '2025-03-07 14:05:00');
  assert.equal(parseTimestamp('3/7/2025 12:15 AM', 'UTC'), '2025-03-07 00:15:00');
  assert.equal(parseTimestamp('3/7/2025 12:15 PM', 'UTC'), '2025-03-07 12:15:00');
  assert.equal(parseTimestamp('2025-03-07', 'UTC'), '2025-03-07 00:00:00');
  assert.equal(parseDate('3/7/2025', 'UTC'), '2025-03-07');
  // Month names as reports write them, AM/PM after an ISO date, and YYYYMMDD.
  for (const s of ['7-Mar-2025 14:05:09', '07 March 2025 2:05:09 PM', 'Mar 7, 2025 14:05:09', 'March 7th 2025 2:05:09 pm', '2025-03-07 2:05:09 PM']) {
    assert.equal(parseTimestamp(s, 'UTC'), want, s);
  }
  for (const s of ['15-Feb-2026', '15-Feb-26', '15 Sept 2026', 'Feb 15, 2026', '20260215']) assert.match(parseDate(s, 'UTC') ?? 'null', /^2026-0[29]-15$/, s);
  for (const s of ['31-Feb-2026', '15-Foo-2026', '2026-02-15 13:00 PM', '20261315']) assert.equal(parseDate(s, 'UTC'), null, s);
  // An Excel day number left in a General cell: 46068 is 15 Feb 2026; with a fraction, a time of day.
  assert.equal(parseDate('46068', 'UTC'), '2026-02-15');
  assert.equal(parseTimestamp('46068.5', 'UTC'), '2026-02-15 12:00:00');
  for (const s of ['123', '19999', '80000', '4606']) assert.equal(parseDate(s, 'UTC'), null, s);
});

test('date columns keep the calendar date as written, also with an offset', () => {
  assert.equal(parseDate('2025-01-10T00:00:00Z', 'America/New_York'), '2025-01-10');
  assert.equal(parseDate('2025-01-10T23:30:00-05:00', 'Europe/Berlin'), '2025-01-10');
  assert.equal(parseDate('2025-01-10', 'America/New_York'), '2025-01-10');
  assert.equal(parseDate('2025-02-30T00:00:00Z', 'UTC'), null);
});

test('an instant with an offset is converted to the engagement time zone; local text is kept as is', () => {
  assert.equal(parseTimestamp('2025-07-01T06:30:00Z', 'Europe/Berlin'), '2025-07-01 08:30:00');
  assert.equal(parseTimestamp('2025-01-01T06:30:00Z', 'Europe/Berlin'), '2025-01-01 07:30:00');
  assert.equal(parseTimestamp('2025-01-01T02:00:00Z', 'America/New_York'), '2024-12-31 21:00:00');
  assert.equal(parseTimestamp('2025-07-01 06:30:00', 'Europe/Berlin'), '2025-07-01 06:30:00');
});

test('impossible dates are not dates', () => {
  for (const s of ['13/45/2025 9:00', '2025-02-29', '2024-13-01', '2025-04-31 10:00', '2025-01-01 24:00', '2025-01-01 10:60', '3/7/2025 13:00 PM', 'yesterday', '4500', '450000']) {
    assert.equal(parseTimestamp(s, 'UTC'), null, s);
  }
  assert.equal(parseTimestamp('2024-02-29 10:00', 'UTC'), '2024-02-29 10:00:00', 'leap day exists in 2024');
});

test('numbers with thousands separators, currency signs and decimal commas', () => {
  assert.equal(parseNumber('1,234'), 1234);
  assert.equal(parseNumber('$2,985.00'), 2985);
  assert.equal(parseNumber('€ 1.234,50'), 1234.5);
  assert.equal(parseNumber('1 234,5'), 1234.5);
  assert.equal(parseNumber('12,5'), 12.5);
  assert.equal(parseNumber('(120)'), -120);
  assert.equal(parseNumber('USD 3,000'), 3000);
  assert.equal(parseNumber('ten'), null);
  assert.equal(parseNumber(''), null);
  // A leading zero is never a thousands group.
  assert.equal(parseNumber('0,125'), 0.125);
  assert.equal(parseNumber('0.125'), 0.125);
});

test("one group of three after one mark is read with the file's decimal mark, and the file's numbers say which", () => {
  const point = newNumberStyle();
  assert.deepEqual([parseNumber('2.985', point), parseNumber('1,200', point)], [2.985, 1200]);
  assert.deepEqual([point.ambiguous, point.ambiguousExample, point.commaExample, point.pointExample], [2, '2.985', undefined, undefined]);
  const comma = newNumberStyle(true);
  assert.deepEqual([parseNumber('2.985', comma), parseNumber('1,200', comma), parseNumber('€ 2.030,50', comma)], [2985, 1.2, 2030.5]);
  assert.equal(comma.commaExample, '€ 2.030,50');
  // What settles it: values only one mark reads.
  const seen = newNumberStyle();
  for (const v of ['1,5', '12.50', '1.234.567']) parseNumber(v, seen);
  assert.deepEqual([seen.commaExample, seen.pointExample], ['1,5', '12.50']);
});

test('licence claims map to the five claim types', () => {
  const cases: Array<[string, string]> = [
    ['Named User', 'named_user'], ['user', 'named_user'], ['subscription', 'named_user'], ['Single-user', 'named_user'],
    ['token', 'flex'], ['Flex', 'flex'], ['Token Flex', 'flex'],
    ['multi-user', 'network'], ['Network', 'network'], ['concurrent', 'network'],
    ['stand-alone serial', 'serial'], ['serial', 'serial'], ['Perpetual', 'serial'],
    ['', 'unknown'], ['banana', 'unknown'],
  ];
  for (const [raw, want] of cases) assert.equal(claimOf(raw), want, raw);
});

test('users are trimmed, e-mails lower-cased, masked values are no user', () => {
  assert.equal(normaliseUser('  Anna.Berg@Contoso.COM '), 'anna.berg@contoso.com');
  assert.equal(normaliseUser('CONTOSO\\jdoe'), 'CONTOSO\\jdoe');
  assert.equal(normaliseUser('*****'), null);
});

const ctx = { catalogue: loadCatalogue(), timezone: 'UTC' };

test('sessions: end = start + duration, catalogue products, unknown product kept upper-cased', () => {
  const headers = ['User', 'Product', 'Start', 'Duration', 'Claim', 'Host'];
  const n = makeRowNormaliser(detectAs('sessions', headers), headers, ctx);
  const a = n([' Ann@X.com', 'Revit 2025', '2025-03-01 09:00', '90', 'Named User', 'PC-1'], 2);
  assert.ok(a.row);
  assert.equal(a.row.values.user, 'ann@x.com');
  assert.equal(a.row.values.product, 'RVT');
  assert.equal(a.row.values.end_time, '2025-03-01 10:30:00');
  assert.equal(a.row.values.licence_type, 'named_user');
  const b = n(['bob@x.com', 'Acme Widget Designer', '2025-03-01 09:00', '', '', 'PC-2'], 3);
  assert.equal(b.row?.values.product, 'ACME WIDGET DESIGNER');
  assert.equal(b.row?.values.product_raw, 'Acme Widget Designer');
  assert.equal(b.row?.values.licence_type, 'unknown');
  const bad = n(['c@x.com', 'Revit', '13/45/2025 9:00', '', '', ''], 9);
  assert.equal(bad.reject?.line, 9);
  assert.equal(bad.reject?.reason, 'start_time "13/45/2025 9:00" is not a date (expected ISO 8601, YYYY-MM-DD HH:MM[:SS], M/D/YYYY H:MM[:SS] [AM/PM] or 15-Feb-2026)');
  assert.match(n(['', 'Revit', '2025-03-01 09:00', '', '', ''], 10).reject?.reason ?? '', /user and device_name are both empty/);
});

test('usage_daily: masked e-mail falls back to the hashed Autodesk id as its own identity', () => {
  const headers = ['Day used', 'Product', 'Email', 'hashed_autodesk_id', 'Access option'];
  const n = makeRowNormaliser(detectAs('usage_daily', headers), headers, ctx);
  const r = n(['2025-05-02', 'AutoCAD', '*****', 'HASH123', 'Named user'], 4);
  assert.equal(r.row?.values.user, 'HASH123');
  assert.equal(r.row?.values.user_raw, '*****');
  assert.equal(r.row?.values.day, '2025-05-02');
  assert.equal(r.row?.values.product, 'ACD');
  assert.match(n(['2025-05-02', 'AutoCAD', '*****', '*****', ''], 5).reject?.reason ?? '', /no user/);
});

test('subscriptions: seat numbers and prices parsed, licence model from text with named_user default', () => {
  const headers = ['Offering name', 'Seat quantity', 'Plan', 'Unit price', 'Licence model'];
  const n = makeRowNormaliser(detectAs('subscriptions', headers), headers, ctx);
  const a = n(['Revit', '1,200', 'Standard', '$2,985.00', ''], 2);
  assert.equal(a.row?.values.seat_quantity, 1200);
  assert.equal(a.row?.values.unit_price, 2985);
  assert.equal(a.row?.values.licence_model, 'named_user');
  assert.equal(n(['Revit', '5', '', '', 'Multi-user'], 3).row?.values.licence_model, 'network');
  assert.match(n(['Revit', '2.5', '', '', ''], 4).reject?.reason ?? '', /seat_quantity "2.5" is not a whole number/);
  // A count holds no fraction: one group of three after a point is thousands there.
  assert.equal(n(['Revit', '1.200', '', '', ''], 5).row?.values.seat_quantity, 1200);
});

test("subscriptions: Autodesk's export (no licence model column) still reads a Flex line as a token pool, its quantity as tokens", () => {
  const headers = ['Contract number', 'Offering name', 'Seat quantity', 'Start date', 'End date'];
  const n = makeRowNormaliser(detectAs('subscriptions', headers), headers, ctx);
  const flex = n(['110099', 'Autodesk Flex', '150,000', '2025-10-01', '2026-09-30'], 2).row?.values;
  assert.equal(flex?.offering, 'FLEX');
  assert.equal(flex?.licence_model, 'flex');
  assert.equal(flex?.tokens, 150000);
  // Other offerings keep the Named User default, and carry no tokens.
  const revit = n(['110100', 'Revit', '12', '2025-10-01', '2026-09-30'], 3).row?.values;
  assert.deepEqual([revit?.licence_model, revit?.tokens], ['named_user', null]);
  // A tokens column, when there is one, is the tokens bought (the quantity is then the line's seats).
  const withTokens = ['Offering name', 'Seat quantity', 'Licence model', 'Tokens'];
  const t = makeRowNormaliser(detectAs('subscriptions', withTokens), withTokens, ctx);
  assert.deepEqual([t(['Flex', '1', 'Flex', '5000'], 2).row?.values.tokens, t(['Flex', '1', 'Flex', '5000'], 2).row?.values.seat_quantity], [5000, 1]);
  assert.equal(t(['Flex', '1', 'flex', ''], 3).row?.values.tokens, null, 'in a file with a tokens column, a blank cell is tokens unknown, not the quantity');
});

test('a totals line under a table is a reject saying so, not a subscription of offering TOTAL or a user', () => {
  const sh = ['Contract number', 'Offering name', 'Seat quantity', 'Start date', 'End date'];
  const subs = makeRowNormaliser(detectAs('subscriptions', sh), sh, ctx);
  assert.equal(subs(['', 'Total', '33', '', ''], 9).reject?.reason, 'a totals line ("Total"), not a subscription line: left out');
  assert.equal(subs(['Grand total: 3 contracts', '', '33', '', ''], 10).reject?.reason, 'a totals line ("Grand total: 3 contracts"), not a subscription line: left out');
  assert.equal(subs(['110001', 'Revit', '12', '2025-10-01', '2026-09-30'], 2).row?.values.offering, 'RVT');
  const uh = ['Email', 'Offering'];
  const users = makeRowNormaliser(detectAs('users', uh), uh, ctx);
  assert.equal(users(['Total: 26 users', ''], 28).reject?.reason, 'a totals line ("Total: 26 users"), not a user: left out');
  // A login or an address that starts with the word is a user.
  assert.equal(users(['totalsmith@contoso.com', 'Revit'], 3).row?.values.user, 'totalsmith@contoso.com');
  assert.equal(users(['totally', 'Revit'], 4).row?.values.user, 'totally');
  // A German, French or Italian Excel's totals line, under a file of contractors' assignments.
  for (const word of ['Summe', 'Gesamtsumme', 'Gesamt: 12', 'Zwischensumme', 'Somme', 'Total général', 'Totale 4']) {
    assert.equal(users([word, '3'], 30).reject?.reason, `a totals line ("${word}"), not a user: left out`, word);
  }
  assert.equal(users(['summer.lee@contoso.com', 'Revit'], 5).row?.values.user, 'summer.lee@contoso.com');
  assert.equal(users(['Summers', 'Revit'], 6).row?.values.user, 'Summers');
});

test("a report's page furniture printed to CSV is a reject saying so: the header again after a page break, a page footer", () => {
  const uh = ['Email', 'Offering name', 'Seat assignment'];
  const users = makeRowNormaliser(detectAs('users', uh), uh, ctx);
  assert.equal(users(['email', 'Offering Name', 'Seat Assignment'], 17).reject?.reason, 'the header row again (a page break in the export), not data: left out');
  assert.equal(users(['Page 1 of 2', '', ''], 16).reject?.reason, 'a page footer ("Page 1 of 2"), not data: left out');
  assert.equal(users(['ann@contoso.com', 'Revit', 'Assigned'], 18).row?.values.user, 'ann@contoso.com');
});

test('users: seat_assignment defaults to assigned; unknown columns are kept as extra', () => {
  const headers = ['Email', 'Offering', 'Assigned date', 'Badge colour'];
  const n = makeRowNormaliser(detectAs('users', headers), headers, ctx);
  const r = n(['Eve@X.com', 'AutoCAD LT', '1/15/2025', 'green'], 2);
  assert.equal(r.row?.values.seat_assignment, 'assigned');
  assert.equal(r.row?.values.assigned_date, '2025-01-15');
  assert.equal(r.row?.values.offering, 'ACDLT');
  assert.deepEqual(r.row?.extra, [['Badge colour', 'green']]);
});
