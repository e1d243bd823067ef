// Issue #2 acceptance: a folder holding an LRT session export split into two overlapping files, a
// hand-written roster with assignment dates, and a Subscriptions export as XLSX loads with exact counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { importFiles, scanFiles } from '../../analysis/ingest/import';
import { computeUsage, listSources, listRefused } from '../../analysis/usage';
import { tempDir, freshDb, write, settings } from './helpers';
import { writeWorkbook } from './xlsx-helpers';

const USERS = ['ann.berg', 'bo.lind', 'cy.dahl', 'di.ek', 'ed.holm', 'fi.nord'];

/** Session i: user, product and day cycle; every 4th session on AutoCAD, the rest on Revit. */
function session(i: number): { id: string; user: string; product: string; day: string; line: string } {
  const user = `${USERS[i % USERS.length]}@contoso.com`;
  const product = i % 4 === 0 ? 'AutoCAD' : 'Revit';
  const day = `2025-0${1 + Math.floor(i / 30)}-${String(1 + (i % 28)).padStart(2, '0')}`;
  const id = `a1b2-${String(i).padStart(5, '0')}`;
  return { id, user, product, day, line: `${id};${user.toUpperCase()};${product} 2025;WS-${i % 3};${day}T08:00:00Z;120;Named User` };
}

test('split LRT export + hand-written roster + Subscriptions XLSX load with exact counts', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const input = join(dir, 'input');
  const header = 'Session ID;User Name;Product Name;Hostname;Session Start;Duration;License Type';
  // Part 1: sessions 0..89, part 2: sessions 70..149 (20 overlap), plus one broken row in part 2.
  const part1 = Array.from({ length: 90 }, (_, i) => session(i));
  const part2 = Array.from({ length: 80 }, (_, i) => session(70 + i));
  write(input, 'lrt/sessions-part1.csv', [header, ...part1.map((s) => s.line)].join('\r\n') + '\r\n');
  write(input, 'lrt/sessions-part2.csv', [header, ...part2.slice(0, 40).map((s) => s.line), 'zz-bad;x@contoso.com;Revit;WS-1;2025-04-31T08:00:00Z;60;Named User', ...part2.slice(40).map((s) => s.line)].join('\n'));

  write(
    input,
    'roster.csv',
    [
      'Email,First name,Last name,Offering,Assigned date,Unassigned date,User type,Cost centre',
      'Ann.Berg@contoso.com,Ann,Berg,Revit,2024-11-01,,employee,CC-10',
      'bo.lind@contoso.com,Bo,Lind,Revit,1/15/2025,,contractor,CC-20',
      'cy.dahl@contoso.com,Cy,Dahl,AutoCAD,2024-12-01,2025-06-30,employee,CC-10',
      'di.ek@contoso.com,Di,Ek,Architecture Engineering & Construction Collection,2025-02-01,,employee,CC-30',
    ].join('\n'),
  );

  await writeWorkbook(join(input, 'Subscriptions.xlsx'), [
    {
      name: 'Subscriptions',
      rows: [
        ['Contract number', 'Offering name', 'Seat quantity', 'Start date', 'End date', 'Subscription ID', 'Subscription status', 'Term', 'Reseller name', 'Unit price'],
        ['110001', 'Revit', 3, new Date(Date.UTC(2025, 0, 1)), new Date(Date.UTC(2025, 11, 31)), 'SUB-1', 'Active', 'Annual', 'Acme Reseller', '$2,985.00'],
        ['110001', 'AutoCAD', 2, new Date(Date.UTC(2025, 0, 1)), new Date(Date.UTC(2025, 11, 31)), 'SUB-2', 'Active', 'Annual', 'Acme Reseller', '$2,030.00'],
      ],
    },
  ]);
  write(input, 'engagement.json', '{"client":"Contoso"}');
  write(input, '.DS_Store', Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31, 0, 0, 0x10, 0]));

  const plans = await scanFiles(db, [input], settings());
  assert.deepEqual(
    plans.map((p) => [p.file, p.kind, p.refused]),
    [
      ['sessions-part1.csv', 'sessions', null],
      ['sessions-part2.csv', 'sessions', null],
      ['roster.csv', 'users', null],
      ['Subscriptions.xlsx', 'subscriptions', null],
    ],
  );

  const r = await importFiles(db, [{ path: input }], { settings: settings(), storeDir: join(dir, 'originals') });
  assert.deepEqual(r.refused, []);
  const counts = r.sources.map((s) => [s.file, s.kind, s.rows_read, s.rows_loaded, s.rows_rejected, s.rows_duplicate]);
  assert.deepEqual(counts, [
    ['sessions-part1.csv', 'sessions', 90, 90, 0, 0],
    ['sessions-part2.csv', 'sessions', 81, 60, 1, 20],
    ['roster.csv', 'users', 4, 4, 0, 0],
    ['Subscriptions.xlsx', 'subscriptions', 2, 2, 0, 0],
  ]);
  for (const s of r.sources) assert.equal(s.rows_read, s.rows_loaded + s.rows_rejected + s.rows_duplicate);
  assert.deepEqual(await listSources(db), r.sources);
  assert.deepEqual(await listRefused(db), []);

  const rej = await db.one<{ line: number; reason: string }>('SELECT line, reason FROM rejects');
  assert.equal(rej!.line, 42, 'header is line 1, 40 good rows, then the bad one');
  assert.match(rej!.reason, /start_time "2025-04-31T08:00:00Z" is not a date/);

  const roster = await db.all(`SELECT "user", offering, CAST(assigned_date AS VARCHAR) AS a, CAST(unassigned_date AS VARCHAR) AS u, user_type FROM users ORDER BY "user"`);
  assert.deepEqual(roster, [
    { user: 'ann.berg@contoso.com', offering: 'RVT', a: '2024-11-01', u: null, user_type: 'employee' },
    { user: 'bo.lind@contoso.com', offering: 'RVT', a: '2025-01-15', u: null, user_type: 'contractor' },
    { user: 'cy.dahl@contoso.com', offering: 'ACD', a: '2024-12-01', u: '2025-06-30', user_type: 'employee' },
    { user: 'di.ek@contoso.com', offering: 'AECCOL', a: '2025-02-01', u: null, user_type: 'employee' },
  ]);
  const subs = await db.all(`SELECT offering, seat_quantity, CAST(start_date AS VARCHAR) AS s, CAST(end_date AS VARCHAR) AS e, unit_price, licence_model FROM subscriptions ORDER BY offering`);
  assert.deepEqual(subs, [
    { offering: 'ACD', seat_quantity: 2, s: '2025-01-01', e: '2025-12-31', unit_price: 2030, licence_model: 'named_user' },
    { offering: 'RVT', seat_quantity: 3, s: '2025-01-01', e: '2025-12-31', unit_price: 2985, licence_model: 'named_user' },
  ]);

  // Usage from the distinct sessions 0..149, computed here from the generator, not from the engine.
  const all = Array.from({ length: 150 }, (_, i) => session(i));
  const usage = await computeUsage(db);
  for (const [code, name] of [['RVT', 'Revit'], ['ACD', 'AutoCAD']] as const) {
    const mine = all.filter((s) => s.product === name);
    const days = [...new Set(mine.map((s) => s.day))].sort();
    assert.deepEqual(usage[code], {
      sessions: mine.length,
      usage_days: new Set(mine.map((s) => `${s.user}|${s.day}`)).size,
      users: new Set(mine.map((s) => s.user)).size,
      devices: new Set(all.filter((s) => s.product === name).map((s) => Number(s.id.slice(5)) % 3)).size,
      first_day: days[0],
      last_day: days[days.length - 1],
      denials: 0,
    });
  }
  db.close();
});
