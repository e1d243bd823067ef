// Slash dates are read in the order the file writes them: an export re-saved by Excel in Europe writes
// 31/03/2026 09:45, and must not load 05/03/2026 as 3 May. The order is settled per file by its dates; a
// file where nothing settles it is read month first (as Autodesk writes them) and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importFiles, scanFiles } from '../../analysis/ingest/import';
import { tempDir, freshDb, write, settings } from './helpers';

const HEADER = 'session_id,user,product,device_name,start_time,end_time,licence_type';
const row = (id: string, start: string, end: string) => `${id},mei.young@contoso.com,Inventor Professional,WS1,${start},${end},Named User`;

async function load(name: string, text: string, native = true) {
  const dir = tempDir();
  const db = await freshDb(dir);
  const r = await importFiles(db, [{ path: write(dir, name, text) }], { settings: settings(), native });
  const starts = (await db.all<{ id: string; s: string }>(`SELECT session_id AS id, CAST(start_time AS VARCHAR) AS s FROM sessions ORDER BY session_id`)).map((x) => `${x.id} ${x.s}`);
  const notes = JSON.parse((await db.one<{ notes: string }>('SELECT notes FROM sources'))!.notes) as string[];
  const rejects = (await db.all<{ line: number; reason: string }>('SELECT line, reason FROM rejects ORDER BY line')).map((x) => `${x.line} ${x.reason}`);
  db.close();
  return { r, starts, notes, rejects };
}

for (const native of [true, false]) {
  test(`day-first dates load as the days they are, read ${native ? 'by DuckDB' : 'by the JS reader'}`, async () => {
    const text = [HEADER, row('A', '05/03/2026 09:45', '05/03/2026 11:00'), row('B', '31/03/2026 09:45', '31/03/2026 10:15'), row('C', '12/04/2026 08:00', '12/04/2026 09:00')].join('\n') + '\n';
    const { r, starts, notes, rejects } = await load('sessions-eu.csv', text, native);
    assert.deepEqual(starts, ['A 2026-03-05 09:45:00', 'B 2026-03-31 09:45:00', 'C 2026-04-12 08:00:00']);
    assert.deepEqual(rejects, []);
    assert.equal(r.sources[0]!.rows_loaded, 3);
    assert.ok(notes.includes('dates read day first (D/M/YYYY): the file writes dates such as 31/03/2026'), notes.join(' | '));
  });
}

test('an Excel re-save (semicolons, byte-order mark, CRLF, quoted cells) with day-first dates loads every row', async () => {
  const lines = ['"session_id";"user_email";"product_name";"device_name";"session_start";"session_end";"licence_type"'];
  for (let d = 1; d <= 28; d++) {
    const day = String(d).padStart(2, '0');
    lines.push(`"S${day}";"mei.young@contoso.com";"AutoCAD";"WS1";"${day}/03/2026 09:45";"${day}/03/2026 11:38";"Named User"`);
  }
  const { starts, rejects } = await load('export (Excel).csv', '\ufeff' + lines.join('\r\n') + '\r\n');
  assert.deepEqual(rejects, []);
  assert.equal(starts.length, 28);
  assert.ok(starts.every((s, i) => s === `S${String(i + 1).padStart(2, '0')} 2026-03-${String(i + 1).padStart(2, '0')} 09:45:00`), starts.slice(0, 14).join(', '));
});

test('month-first dates stay month first; a file where nothing settles the order says so; mixed orders reject what cannot be M/D/YYYY', async () => {
  const us = await load('us.csv', [HEADER, row('A', '03/05/2026 9:45 AM', '03/05/2026 11:00 AM'), row('B', '03/31/2026 1:00 PM', '03/31/2026 2:00 PM')].join('\n'));
  assert.deepEqual(us.starts, ['A 2026-03-05 09:45:00', 'B 2026-03-31 13:00:00']);
  assert.deepEqual(us.notes.filter((n) => n.includes('dates')), []);

  const unsettled = await load('unsettled.csv', [HEADER, row('A', '03/05/2026 09:45', '03/05/2026 11:00')].join('\n'));
  assert.deepEqual(unsettled.starts, ['A 2026-03-05 09:45:00']);
  // Said with one of the file's own dates and both its readings (not a made-up example).
  assert.ok(unsettled.notes.includes('no date in the file settles whether its slash dates are month or day first; they were read month first (M/D/YYYY, as Autodesk writes them): "03/05/2026" was read as 5 March 2026, which day first would be 3 May 2026; check one against the source'), unsettled.notes.join(' | '));

  const mixed = await load('mixed.csv', [HEADER, row('A', '03/31/2026 09:45', '03/31/2026 11:00'), row('B', '31/03/2026 09:45', '31/03/2026 11:00')].join('\n'));
  assert.deepEqual(mixed.starts, ['A 2026-03-31 09:45:00']);
  assert.deepEqual(mixed.rejects, [`3 start_time "31/03/2026 09:45" is not a date (expected ISO 8601, YYYY-MM-DD HH:MM[:SS], M/D/YYYY H:MM[:SS] [AM/PM] or 15-Feb-2026)`]);
  assert.ok(mixed.notes.some((n) => n.startsWith('dates are written both day first and month first')), mixed.notes.join(' | '));
});

test('a file of unknown headers read as a chosen kind offers its own header row to map by hand, and loads every row', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  // French headers in Windows-1252; the data rows hold "Named User", a value equal to a column alias.
  const text = 'Utilisateur;Logiciel;Poste;D\xe9but;Fin;Type de licence\r\n' +
    'mei.young@contoso.com;Inventor Professional;WS1;31/03/2026 09:45;31/03/2026 11:38;Named User\r\n' +
    'li.wu@contoso.com;AutoCAD;WS2;01/04/2026 11:21;01/04/2026 14:28;Named User\r\n';
  const path = write(dir, 'export_sessions_FR.csv', Buffer.from(text, 'latin1'));
  const plan = (await scanFiles(db, [path], settings(), undefined, 'sessions'))[0]!;
  assert.deepEqual(plan.headers, ['Utilisateur', 'Logiciel', 'Poste', 'D\u00e9but', 'Fin', 'Type de licence']);
  const mapping = { user: 'Utilisateur', product: 'Logiciel', device_name: 'Poste', start_time: 'D\u00e9but', end_time: 'Fin', licence_type: 'Type de licence' };
  const r = await importFiles(db, [{ path, kind: 'sessions', mapping }], { settings: settings() });
  assert.deepEqual(r.refused, []);
  assert.deepEqual([r.sources[0]!.rows_read, r.sources[0]!.rows_loaded], [2, 2]);
  const rows = await db.all<{ u: string; s: string }>(`SELECT "user" AS u, CAST(start_time AS VARCHAR) AS s FROM sessions ORDER BY s`);
  assert.deepEqual(rows, [{ u: 'mei.young@contoso.com', s: '2026-03-31 09:45:00' }, { u: 'li.wu@contoso.com', s: '2026-04-01 11:21:00' }]);
  db.close();
});

test("Excel's other date layouts load: a two-digit year, day.month.year with dots, day-month-year with dashes", async () => {
  const us = await load('us-short.csv', [HEADER, row('A', '3/31/26 9:45', '3/31/26 10:15'), row('B', '4/1/26 9:45 PM', '4/1/26 10:15 PM')].join('\n'));
  assert.deepEqual(us.starts, ['A 2026-03-31 09:45:00', 'B 2026-04-01 21:45:00']);
  assert.deepEqual(us.rejects, []);
  // Dots are always day first (German Excel), even where nothing else settles it.
  const de = await load('de.csv', [HEADER, row('A', '05.03.2026 09:45', '05.03.2026 11:00'), row('B', '31.03.2026 08:00', '31.03.2026 09:00')].join('\n'));
  assert.deepEqual(de.starts, ['A 2026-03-05 09:45:00', 'B 2026-03-31 08:00:00']);
  assert.deepEqual(de.notes.filter((n) => n.includes('dates')), []);
  const dashes = await load('dashes.csv', [HEADER, row('A', '05-03-2026 09:45', '05-03-2026 11:00'), row('B', '31-03-2026 08:00', '31-03-2026 09:00')].join('\n'));
  assert.deepEqual(dashes.starts, ['A 2026-03-05 09:45:00', 'B 2026-03-31 08:00:00']);
});
