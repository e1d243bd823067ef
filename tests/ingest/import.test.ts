// The import pipeline end to end on realistic files: every kind, duplicates across overlapping
// exports, rejects with line numbers, all-or-nothing per file, overrides, refusals, originals kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { importFiles, scanFiles } from '../../analysis/ingest/import';
import type { ProgressEvent } from '../../analysis/api/contract';
import { tempDir, freshDb, write, settings, FIXTURES, eachReader } from './helpers';
import { writeWorkbook } from './xlsx-helpers';

const SESSIONS_HEADER = 'session_id,user,product,version,device_name,start_time,end_time,licence_type,ip_address';
function sessionLine(i: number): string {
  const day = String(1 + (i % 28)).padStart(2, '0');
  return `S${i},user${i % 7}@contoso.com,Revit,2025,PC-${i % 5},2025-03-${day} 09:00:00,2025-03-${day} 11:30:00,Named User,10.0.0.${i % 250}`;
}

test('two overlapping session exports load each session once; rows_read = loaded + rejected + duplicate', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const a = [SESSIONS_HEADER, ...Array.from({ length: 60 }, (_, i) => sessionLine(i))];
  a.splice(10, 0, 'S-bad,x@contoso.com,Revit,2025,PC-1,2025-02-30 09:00,,Named User,');
  const b = [SESSIONS_HEADER, ...Array.from({ length: 60 }, (_, i) => sessionLine(i + 40))];
  const pa = write(dir, 'in/lrt-part1.csv', a.join('\n') + '\n');
  const pb = write(dir, 'in/lrt-part2.csv', b.join('\r\n'));
  const r = await importFiles(db, [{ path: pa }, { path: pb }], { settings: settings() });
  assert.deepEqual(r.refused, []);
  assert.equal(r.cancelled, false);
  const [s1, s2] = r.sources;
  assert.deepEqual([s1!.rows_read, s1!.rows_loaded, s1!.rows_rejected, s1!.rows_duplicate], [61, 60, 1, 0]);
  assert.deepEqual([s2!.rows_read, s2!.rows_loaded, s2!.rows_rejected, s2!.rows_duplicate], [60, 40, 0, 20]);
  const n = await db.one<{ n: number; d: number }>('SELECT count(*) AS n, count(DISTINCT session_id) AS d FROM sessions');
  assert.deepEqual(n, { n: 100, d: 100 });
  const rej = await db.all('SELECT source_id, line, raw, reason FROM rejects');
  assert.equal(rej.length, 1);
  assert.equal(rej[0]!.line, 11);
  assert.equal(rej[0]!.source_id, s1!.source_id);
  assert.match(String(rej[0]!.raw), /^S-bad,/);
  assert.match(String(rej[0]!.reason), /start_time "2025-02-30 09:00" is not a date/);
  const stored = await db.all('SELECT file, rows_read, rows_loaded, rows_rejected, rows_duplicate FROM sources ORDER BY source_id');
  assert.deepEqual(stored.map((x) => x.rows_loaded), [60, 40]);
  db.close();
});

test('sessions without session ids de-duplicate on their content, also inside one file', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const p = write(dir, 'lrt.csv', 'User,Product name,Hostname,Session start,Duration\na@x.com,AutoCAD,H1,2025-01-02 08:00,30\nb@x.com,AutoCAD,H2,2025-01-02 08:00,30\na@x.com,AutoCAD,H1,2025-01-02 08:00,30\n');
  const r = await importFiles(db, [{ path: p }], { settings: settings() });
  assert.deepEqual([r.sources[0]!.rows_read, r.sources[0]!.rows_loaded, r.sources[0]!.rows_duplicate], [3, 2, 1]);
  assert.equal((await db.one<{ e: string }>(`SELECT CAST(end_time AS VARCHAR) AS e FROM sessions WHERE "user" = 'b@x.com'`))!.e, '2025-01-02 08:30:00');
  db.close();
});

test('a file refused mid-way (row limit) leaves nothing behind, and the next file still loads', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const big = write(dir, 'big.csv', [SESSIONS_HEADER, ...Array.from({ length: 40 }, (_, i) => sessionLine(i))].join('\n'));
  const small = write(dir, 'small.csv', [SESSIONS_HEADER, sessionLine(100), sessionLine(101)].join('\n'));
  const r = await importFiles(db, [{ path: big }, { path: small }], { settings: settings(), limits: { maxRows: 25 }, batchRows: 5 });
  assert.equal(r.refused.length, 1);
  assert.equal(r.refused[0]!.file, 'big.csv');
  assert.match(r.refused[0]!.reason, /more than 25 rows/);
  assert.equal(r.sources.length, 1);
  assert.deepEqual(await db.all('SELECT count(*) AS n FROM sessions'), [{ n: 2 }]);
  assert.deepEqual(await db.all(`SELECT file FROM sources`), [{ file: 'small.csv' }]);
  assert.deepEqual(await db.all(`SELECT file FROM refused`), [{ file: 'big.csv' }]);
  db.close();
});

test('cancelling rolls back the file in flight and reports cancelled', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const p = write(dir, 'many.csv', [SESSIONS_HEADER, ...Array.from({ length: 5000 }, (_, i) => sessionLine(i))].join('\n'));
  const ac = new AbortController();
  const events: number[] = [];
  const r = await importFiles(db, [{ path: p }], {
    settings: settings(),
    signal: ac.signal,
    batchRows: 500,
    onProgress: (e) => {
      if (e.file === 'many.csv' && e.done > 0) {
        events.push(e.done);
        ac.abort();
      }
    },
  });
  assert.equal(r.cancelled, true);
  assert.ok(events.length > 0, 'progress was reported while loading');
  assert.deepEqual(r.sources, []);
  assert.deepEqual(await db.all('SELECT count(*) AS n FROM sessions'), [{ n: 0 }]);
  assert.deepEqual(await db.all('SELECT count(*) AS n FROM sources'), [{ n: 0 }]);
  db.close();
});

test('a path that does not exist is refused on its own, saying so; the other paths are planned and loaded', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const good = write(dir, 'roster.csv', 'email,first_name,last_name,offering_name\nann@x.com,Ann,Lee,Revit\n');
  const missing = join(dir, 'no-such-folder');
  const scan = await scanFiles(db, [missing, good], settings());
  assert.equal(scan.length, 2);
  assert.equal(scan[0]!.refused, `${missing} does not exist. Check the path (a file or a folder of exports).`);
  assert.equal(scan[1]!.refused, null);
  assert.equal(scan[1]!.kind, 'users');
  const r = await importFiles(db, [{ path: missing }, { path: good }], { settings: settings() });
  assert.deepEqual(r.refused.map((x) => x.reason), [`${missing} does not exist. Check the path (a file or a folder of exports).`]);
  assert.equal(r.sources[0]!.rows_loaded, 1);
  // Scanned again, the loaded file says when it was loaded; a new one (or one of another size) does not.
  const other = write(dir, 'roster-2.csv', 'email,first_name,last_name,offering_name\nbo@x.com,Bo,Ng,Revit\n');
  const again = await scanFiles(db, [good, other], settings());
  assert.deepEqual(again.map((p) => p.file), ['roster.csv', 'roster-2.csv']);
  assert.match(again[0]!.already_loaded ?? '', /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(again[1]!.already_loaded, null);
  write(dir, 'roster.csv', 'email,first_name,last_name,offering_name\nann@x.com,Ann,Lee,Revit\ncy@x.com,Cy,Ho,Revit\n');
  const changed = (await scanFiles(db, [good], settings()))[0]!;
  assert.equal(changed.already_loaded, null, 'same name, other size: a new export');
  // ... said as another file of the same name, which would be loaded beside it.
  assert.match(changed.same_name_loaded ?? '', /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(again[0]!.same_name_loaded, null, 'the same file is already loaded, not another of its name');
  assert.equal(again[1]!.same_name_loaded, null);
  db.close();
});

test('a mapping override and a forced kind load a file detection would not understand', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const p = write(dir, 'odd.csv', 'Who,What,When,Box\nann@x.com,Revit,2025-04-01 10:00,WS1\n');
  const scan = await scanFiles(db, [p], settings());
  assert.equal(scan[0]!.kind, null);
  assert.match(scan[0]!.refused ?? '', /^This is not a known kind of export: .*\. Choose the kind and map the columns by hand\.$/);
  const r = await importFiles(db, [{ path: p, kind: 'sessions', mapping: { user: 'Who', product: 'What', start_time: 'When', device_name: 'Box' } }], { settings: settings() });
  assert.deepEqual(r.refused, []);
  assert.equal(r.sources[0]!.rows_loaded, 1);
  const row = await db.one<Record<string, unknown>>('SELECT "user", product, device_name, CAST(start_time AS VARCHAR) AS st FROM sessions');
  assert.deepEqual(row, { user: 'ann@x.com', product: 'RVT', device_name: 'WS1', st: '2025-04-01 10:00:00' });
  const src = await db.one<{ mapping: string }>('SELECT CAST(mapping AS VARCHAR) AS mapping FROM sources');
  assert.equal(JSON.parse(src!.mapping).start_time, 'When');
  db.close();
});

test('Latin-1 and BOM+semicolon exports load with the right text; unknown columns are kept', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const latin = write(dir, 'roster-latin1.csv', Buffer.from('email,first_name,last_name,role,offering_name,Badge\nm.muller@contoso.com,Jürgen,Müller,User,AutoCAD,B-7\n', 'latin1'));
  const bom = write(
    dir,
    'daily-bom.csv',
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Day used;Product;Email;Tokens used;Access option;Kostenstelle\n2025-06-02;Revit;Søren@Contoso.com;1.234,5;Flex;K-1\n', 'utf8')]),
  );
  const r = await importFiles(db, [{ path: latin }, { path: bom }], { settings: settings() });
  assert.deepEqual(r.refused, []);
  assert.deepEqual(r.sources.map((s) => [s.kind, s.rows_loaded]), [['users', 1], ['usage_daily', 1]]);
  const u = await db.one<Record<string, unknown>>('SELECT "user", first_name, last_name, offering, seat_assignment, CAST(extra AS VARCHAR) AS extra FROM users');
  assert.deepEqual(u, { user: 'm.muller@contoso.com', first_name: 'Jürgen', last_name: 'Müller', offering: 'ACD', seat_assignment: 'assigned', extra: '{"Badge":"B-7"}' });
  const d = await db.one<Record<string, unknown>>('SELECT "user", CAST(day AS VARCHAR) AS day, product, tokens, licence_type, CAST(extra AS VARCHAR) AS extra FROM usage_daily');
  assert.deepEqual(d, { user: 'søren@contoso.com', day: '2025-06-02', product: 'RVT', tokens: 1234.5, licence_type: 'flex', extra: '{"Kostenstelle":"K-1"}' });
  const src = await db.all<{ encoding: string; delimiter: string; extra_columns: string }>('SELECT encoding, delimiter, CAST(extra_columns AS VARCHAR) AS extra_columns FROM sources ORDER BY source_id');
  assert.deepEqual(src.map((s) => [s.encoding, s.delimiter, JSON.parse(s.extra_columns)]), [['windows-1252', ',', ['Badge']], ['utf-8', ';', ['Kostenstelle']]]);
  db.close();
});

test('header text can never become object behaviour: __proto__ and constructor columns stay data', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const p = write(dir, 'proto.csv', 'alias,user,__proto__,constructor\nJDOE,john.doe@contoso.com,{"polluted":1},x\n');
  const r = await importFiles(db, [{ path: p }], { settings: settings() });
  assert.equal(r.sources[0]!.kind, 'identity_map');
  const row = await db.one<{ extra: string }>('SELECT CAST(extra AS VARCHAR) AS extra FROM identity_map');
  assert.deepEqual(Object.entries(JSON.parse(row!.extra)), [['__proto__', '{"polluted":1}'], ['constructor', 'x']]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  db.close();
});

test('empty, binary and unknown files are refused with a reason and the import goes on', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  write(dir, 'in/a-empty.csv', '');
  write(dir, 'in/b-binary.dat', Buffer.from([0, 1, 2, 3, 0, 0, 0xff, 0x10, 0, 0, 0, 7, 8, 0, 0, 0, 1, 2, 3, 4]));
  write(dir, 'in/c-shopping.csv', 'item,price\nmilk,1.20\n');
  write(dir, 'in/d-subs.csv', 'Contract number,Seat quantity,Term\n123,5,Annual\n');
  write(dir, 'in/e-ok.csv', 'alias,user\njd,john@x.com\n');
  write(dir, 'in/.hidden.csv', 'alias,user\nzz,z@x.com\n');
  write(dir, 'in/engagement.json', '{"client":"X"}');
  const r = await importFiles(db, [{ path: join(dir, 'in') }], { settings: settings() });
  assert.deepEqual(r.sources.map((s) => s.file), ['e-ok.csv']);
  assert.deepEqual(r.refused.map((x) => x.file), ['a-empty.csv', 'b-binary.dat', 'c-shopping.csv', 'd-subs.csv']);
  assert.match(r.refused[0]!.reason, /empty/i);
  assert.match(r.refused[2]!.reason, /not a known kind/);
  assert.match(r.refused[3]!.reason, /^This looks like Subscriptions but has no column for: offering \(headers: .*\)\. Map the column by hand or fix the export\.$/);
  assert.equal((await db.all('SELECT * FROM refused')).length, 4);
  db.close();
});

test('originals are copied byte for byte to the store and recorded', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const bytes = Buffer.from('alias;user\r\nJD;John@X.com\r\n', 'latin1');
  const p = write(dir, 'map.csv', bytes);
  const store = join(dir, 'originals');
  const r = await importFiles(db, [{ path: p }], { settings: settings(), storeDir: store });
  const src = await db.one<{ stored_path: string; sha256: string }>('SELECT stored_path, sha256 FROM sources');
  assert.ok(src!.stored_path.startsWith(store));
  assert.ok(src!.stored_path.endsWith('-map.csv'));
  assert.deepEqual(readFileSync(src!.stored_path), bytes);
  assert.equal(src!.sha256, r.sources[0]!.sha256);
  assert.ok(existsSync(src!.stored_path));
  const audit = await db.all<{ action: string }>(`SELECT action FROM audit_log WHERE action LIKE 'import%'`);
  assert.deepEqual(audit.map((a) => a.action), ['import']);
  // A file that is not loaded (refused mid-way) leaves no copy behind; the copy of one loaded again is kept.
  const big = write(dir, 'big.csv', [SESSIONS_HEADER, ...Array.from({ length: 40 }, (_, i) => sessionLine(i))].join('\n'));
  const again = await importFiles(db, [{ path: big }, { path: p }], { settings: settings(), storeDir: store, limits: { maxRows: 1 }, batchRows: 5, native: false });
  assert.deepEqual(again.refused.map((x) => x.file), ['big.csv']);
  assert.deepEqual(readdirSync(store), [basename(src!.stored_path)]);
  db.close();
});

test('the real Token Flex sample loads every row once', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const path = FIXTURES + 'tokenflex/tokenflex-usage-sample.csv';
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).slice(1).filter((l) => l.trim() !== '');
  const distinct = new Set(lines).size;
  const events: ProgressEvent[] = [];
  const r = await importFiles(db, [{ path }], { settings: settings(), jobId: 'job-1', onProgress: (e) => events.push(e) });
  const s = r.sources[0]!;
  assert.equal(s.kind, 'tokenflex');
  const during = events.filter((e) => !e.finished && e.file === 'tokenflex-usage-sample.csv' && e.done > 0);
  assert.ok(during.length >= 1 && during.every((e) => e.jobId === 'job-1' && (e.rows_per_second ?? 0) > 0), 'progress with a rate while rows load');
  assert.deepEqual(events.at(-1) && [events.at(-1)!.finished, events.at(-1)!.done], [true, lines.length]);
  assert.deepEqual([s.rows_read, s.rows_loaded, s.rows_rejected, s.rows_duplicate], [lines.length, distinct, 0, lines.length - distinct]);
  const t = await db.one<{ tokens: number; first: string }>('SELECT sum(tokens) AS tokens, CAST(min(usage_date) AS VARCHAR) AS first FROM tokenflex');
  assert.equal(t!.first, '2016-01-01');
  assert.ok(t!.tokens > 0);
  db.close();
});

test('Usage Report XLSX: filter block on sheet 1, Title Case rows on sheet 2', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const p = join(dir, 'UsageReport.xlsx');
  await writeWorkbook(p, [
    { name: 'Filters', rows: [['Usage report'], ['Team', 'All'], ['Date range', 'Last 12 months']] },
    {
      name: 'Usage',
      rows: [
        ['Hashed Autodesk ID', 'First name', 'Last name', 'Email', 'Offering name', 'Seat assignment', 'Assigned date', 'User activity', 'Days inactive', 'Access option', 'Days used', 'Last accessed'],
        ['h1', 'Ann', 'Berg', 'Ann@Contoso.com', 'Revit', 'Assigned', '2025-01-10T00:00:00Z', 'Active', 3, 'Named User', 120, '2025-09-27'],
        ['h2', '*****', '*****', '*****', 'AutoCAD LT', 'Assigned', '2025-02-01T00:00:00Z', 'Inactive', 200, 'Named User', 0, ''],
        ['h3', 'Cy', 'Dahl', 'cy@contoso.com', '', 'Unassigned', '2025-03-01', 'Inactive', 10, 'Named User', 2, ''],
      ],
    },
  ]);
  const plan = (await scanFiles(db, [p], settings()))[0]!;
  assert.equal(plan.kind, 'usage_report');
  assert.equal(plan.sheet, 'Usage');
  assert.equal(plan.preview.length, 3);
  const r = await importFiles(db, [{ path: p }], { settings: settings() });
  const s = r.sources[0]!;
  assert.deepEqual([s.rows_read, s.rows_loaded, s.rows_rejected], [3, 2, 1]);
  const rows = await db.all('SELECT "user", offering, seat_assignment, CAST(assigned_date AS VARCHAR) AS a, CAST(last_accessed AS VARCHAR) AS l, days_used FROM usage_report ORDER BY "user"');
  assert.deepEqual(rows, [
    { user: 'ann@contoso.com', offering: 'RVT', seat_assignment: 'assigned', a: '2025-01-10', l: '2025-09-27', days_used: 120 },
    { user: 'h2', offering: 'ACDLT', seat_assignment: 'assigned', a: '2025-02-01', l: null, days_used: 0 },
  ]);
  const rej = await db.one<{ line: number; reason: string }>('SELECT line, reason FROM rejects');
  assert.equal(rej!.line, 4, 'the XLSX row number of the bad row');
  assert.match(rej!.reason, /offering_name is empty/);
  db.close();
  // The app imports with the kind and mapping the scan showed: the filter sheet, which lacks the mapped
  // headers, is passed over for the sheet that has them.
  const app = await freshDb(tempDir());
  const mapping = Object.fromEntries(Object.entries(plan.mapping).filter((e): e is [string, string] => e[1] !== null));
  const viaApp = await importFiles(app, [{ path: p, kind: 'usage_report', mapping }], { settings: settings() });
  assert.deepEqual(viaApp.refused, []);
  assert.deepEqual([viaApp.sources[0]!.rows_read, viaApp.sources[0]!.rows_loaded, viaApp.sources[0]!.rows_rejected], [3, 2, 1]);
  app.close();
});

test('a FlexNet debug log is recognised by its content and a repeated import is all duplicates', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const path = FIXTURES + 'flexnet/adskflex-2018-denials.log';
  const scan = await scanFiles(db, [path], settings());
  assert.equal(scan[0]!.kind, 'flexnet_log');
  assert.equal(scan[0]!.refused, null);
  // The card previews the log's check-outs (not its start-up banner) and names its server.
  assert.ok(scan[0]!.preview.length > 0 && scan[0]!.preview.every((r) => /\) (OUT|IN|DENIED|UNSUPPORTED): "/.test(r[0]!)), JSON.stringify(scan[0]!.preview.slice(0, 3)));
  assert.ok(scan[0]!.notes.includes('its first check-outs'), scan[0]!.notes.join(' | '));
  const first = await importFiles(db, [{ path }], { settings: settings() });
  const s = first.sources[0]!;
  assert.equal(s.kind, 'flexnet_log');
  assert.ok(s.rows_loaded > 0);
  assert.equal(s.rows_read, s.rows_loaded + s.rows_rejected + s.rows_duplicate);
  const stored = await db.one<{ n: number }>('SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM flexnet_events) AS n');
  assert.equal(stored!.n, s.rows_loaded);
  const again = await importFiles(db, [{ path }], { settings: settings() });
  const t = again.sources[0]!;
  assert.deepEqual([t.rows_loaded, t.rows_duplicate], [0, s.rows_loaded]);
  db.close();
});

test('a TAB-separated Title Case usage export with a title line above the header loads', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const p = write(dir, 'usage.tsv', 'Seat usage export\t\t\n\nDay used\tProduct\tEmail\tAccess option\n2025-02-03\tAutoCAD\tA@X.com\tNamed user\n2/4/2025\tAutoCAD\ta@x.com\tNamed user\n');
  const r = await importFiles(db, [{ path: p }], { settings: settings() });
  assert.deepEqual(r.refused, []);
  assert.deepEqual([r.sources[0]!.kind, r.sources[0]!.rows_loaded], ['usage_daily', 2]);
  const rows = await db.all(`SELECT "user", CAST(day AS VARCHAR) AS day, line FROM usage_daily ORDER BY day`);
  assert.deepEqual(rows, [
    { user: 'a@x.com', day: '2025-02-03', line: 4 },
    { user: 'a@x.com', day: '2025-02-04', line: 5 },
  ]);
  // The title and the blank line under it: two lines skipped, as the file shows them.
  const notes = JSON.parse((await db.one<{ notes: string }>('SELECT notes FROM sources'))!.notes) as string[];
  assert.ok(notes.includes('2 lines before the header were skipped (title or filter block)'), notes.join(' | '));
  db.close();
});

test('a UTF-16 LE export with BOM (Excel "Unicode Text") loads, mapped through an override on the right header row', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const text = 'Report\r\nKonto\tAnwendung\tBeginn\tRechner\r\nmüller@contoso.de\tRevit\t2025-05-05 07:30\tW-01\r\n';
  const p = write(dir, 'unicode.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  const mapping = { user: 'Konto', product: 'Anwendung', start_time: 'Beginn', device_name: 'Rechner' };
  const scan = await scanFiles(db, [p], settings());
  assert.equal(scan[0]!.kind, null, 'German headers are not detected on their own');
  const r = await importFiles(db, [{ path: p, kind: 'sessions', mapping }], { settings: settings() });
  assert.deepEqual(r.refused, []);
  const row = await db.one<Record<string, unknown>>('SELECT "user", product, device_name, line FROM sessions');
  assert.deepEqual(row, { user: 'müller@contoso.de', product: 'RVT', device_name: 'W-01', line: 3 });
  assert.equal((await db.one<{ encoding: string }>('SELECT encoding FROM sources'))!.encoding, 'utf-16le');
  db.close();
});

test('snake_case Usage Report CSV with personal data switched off keys users by hashed id', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const header = 'hashed_autodesk_id,first_name,last_name,email,autodesk_id,team_alias,group,offering_name,version,seat_assignment,assigned_date,unassigned_date,user_activity,days_inactive,access_option,days_used,monthly_average,tokens_used,last_accessed';
  const p = write(
    dir,
    'usage_report.csv',
    [
      header,
      'a9f3,*****,*****,*****,*****,Design,Arch,Revit,2025,assigned,2025-01-05T00:00:00Z,,active,2,Single-user,140,11.7,,2025-09-28',
      'b7c1,*****,*****,*****,*****,Design,Arch,AutoCAD LT,2025,unassigned,2024-06-01T00:00:00Z,2025-03-31T00:00:00Z,inactive,183,Single-user,0,0,,',
    ].join('\n'),
  );
  const r = await importFiles(db, [{ path: p }], { settings: settings() });
  assert.deepEqual(r.refused, []);
  assert.equal(r.sources[0]!.kind, 'usage_report');
  const rows = await db.all(`SELECT "user", user_raw, first_name, offering, seat_assignment, CAST(unassigned_date AS VARCHAR) AS u, days_inactive, licence_type, monthly_average FROM usage_report ORDER BY "user"`);
  assert.deepEqual(rows, [
    { user: 'a9f3', user_raw: '*****', first_name: null, offering: 'RVT', seat_assignment: 'assigned', u: null, days_inactive: 2, licence_type: 'named_user', monthly_average: 11.7 },
    { user: 'b7c1', user_raw: '*****', first_name: null, offering: 'ACDLT', seat_assignment: 'unassigned', u: '2025-03-31', days_inactive: 183, licence_type: 'named_user', monthly_average: 0 },
  ]);
  db.close();
});

test('a copy of a loaded export under another name is every row a duplicate, its rejects not counted twice', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const text = [SESSIONS_HEADER, sessionLine(1), sessionLine(2), 'S-bad,x@contoso.com,Revit,2025,PC-1,2025-02-30 09:00,,Named User,'].join('\n') + '\n';
  const a = write(dir, 'sessions_eu.csv', text);
  const b = write(dir, 'sessions_eu (1).csv', text);
  const r = await importFiles(db, [{ path: a }, { path: b }], { settings: settings() });
  assert.deepEqual(r.sources.map((s) => [s.file, s.rows_read, s.rows_loaded, s.rows_rejected, s.rows_duplicate]), [
    ['sessions_eu.csv', 3, 2, 1, 0],
    ['sessions_eu (1).csv', 3, 0, 0, 3],
  ]);
  assert.equal(Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM rejects'))!.n), 1, 'one reject, not two');
  const notes = JSON.parse((await db.one<{ notes: string }>(`SELECT notes FROM sources WHERE file = 'sessions_eu (1).csv'`))!.notes) as string[];
  assert.ok(notes.includes('the same bytes as sessions_eu.csv, loaded before: every row is one of its rows'), notes.join(' | '));
  // Read as another kind, or mapped otherwise, the same bytes are read again.
  const mapped = await importFiles(db, [{ path: b, kind: 'sessions', mapping: { device_name: null } }], { settings: settings() });
  assert.equal(mapped.sources[0]!.rows_rejected, 1, 'read again under its own mapping');
  db.close();
});

test('an optional date or number that does not read loads its row blank, noted on the file; a missing required value still rejects', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const p = write(
    dir,
    'Usage Report.csv',
    [
      'Email,Offering name,Seat assignment,Assigned date,Days inactive,Days used,Last accessed',
      'ana@contoso.com,Revit,assigned,1/5/2025,2,140,9/28/2025',
      'ben@contoso.com,AutoCAD,assigned,1/5/2025,n/a,0,Never',
      'cy@contoso.com,AutoCAD,assigned,sometime,3,12,Never',
      'dee@contoso.com,,assigned,1/5/2025,3,12,9/1/2025',
    ].join('\n'),
  );
  const r = await importFiles(db, [{ path: p }], { settings: settings() });
  assert.deepEqual(r.refused, []);
  const s = r.sources[0]!;
  // ben and cy hold assignments: rejecting them would lose the seats and make their use a gap.
  assert.deepEqual([s.rows_loaded, s.rows_rejected], [3, 1]);
  const rows = await db.all(
    `SELECT "user", CAST(assigned_date AS VARCHAR) AS assigned, days_inactive, CAST(last_accessed AS VARCHAR) AS last, CAST(extra AS VARCHAR) AS extra FROM usage_report ORDER BY "user"`,
  );
  assert.deepEqual(rows, [
    { user: 'ana@contoso.com', assigned: '2025-01-05', days_inactive: 2, last: '2025-09-28', extra: null },
    { user: 'ben@contoso.com', assigned: '2025-01-05', days_inactive: null, last: null, extra: '{"Days inactive":"n/a","Last accessed":"Never"}' },
    { user: 'cy@contoso.com', assigned: null, days_inactive: 3, last: null, extra: '{"Assigned date":"sometime","Last accessed":"Never"}' },
  ]);
  const [rej] = await db.all(`SELECT line, reason FROM rejects`);
  assert.deepEqual(rej, { line: 5, reason: 'offering_name is empty' });
  const [src] = await db.all(`SELECT CAST(notes AS VARCHAR) AS notes FROM sources`);
  const notes = JSON.parse(String(src!.notes)) as string[];
  assert.ok(notes.includes('2 rows loaded with Last accessed blank: "Never" (the first) on line 3 does not read; the text is kept with each row'), notes.join(' | '));
  assert.ok(notes.includes('1 row loaded with Days inactive blank: "n/a" on line 3 does not read; the text is kept with the row'), notes.join(' | '));
  assert.ok(notes.includes('1 row loaded with Assigned date blank: "sometime" on line 4 does not read; the text is kept with the row'), notes.join(' | '));
  db.close();
});

test('e-mail addresses as mail clients write them are the same user, read natively or by the JS reader', async () => {
  const written = ['Ann Lee <Ann.Lee@Contoso.com>', 'mailto:ann.lee@contoso.com', 'ann.lee@contoso.com;', 'ann.lee@contoso.com\u200b', 'ANN.LEE@CONTOSO.COM', '[mailto:ann.lee@contoso.com]', 'ann.lee@contoso.com (Ann Lee)'];
  await eachReader(async (native, db, dir) => {
    const lines = written.map((u, i) => `S${i},${u},Revit,2025,PC-1,2025-03-0${i + 1} 09:00:00,2025-03-0${i + 1} 11:30:00,Named User,10.0.0.1`);
    const p = write(dir, 'lrt.csv', [SESSIONS_HEADER, ...lines].join('\n') + '\n');
    const r = await importFiles(db, [{ path: p }], { settings: settings(), native });
    assert.equal(r.sources[0]!.rows_loaded, written.length, `native ${native}`);
    const users = await db.all<{ u: string; raw: string }>('SELECT "user" AS u, user_raw AS raw FROM sessions ORDER BY session_id');
    assert.deepEqual([...new Set(users.map((x) => x.u))], ['ann.lee@contoso.com'], `native ${native}: ${users.map((x) => x.u).join(' | ')}`);
    assert.equal(users[0]!.raw, 'Ann Lee <Ann.Lee@Contoso.com>', 'the text as written stays with the row');
  });
});

test("a file's numbers are read with its own decimal mark: a European price list's 2.985 is 2,985, said on the file", async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  // The first line's values could be either; the second line's price shows the file writes a decimal comma.
  const eu = write(dir, 'subs-eu.csv', 'Contract Number;Offering Name;Seat Quantity;Start Date;End Date;Unit Price;Tokens\r\n'
    + '110001;Revit;1.200;2025-10-01;2026-09-30;€2.985;\r\n110002;AutoCAD;12;2025-10-01;2026-09-30;2.030,50 €;\r\n110003;Autodesk Flex;1;2025-10-01;2026-09-30;;1.100\r\n');
  const r = await importFiles(db, [{ path: eu }], { settings: settings() });
  assert.deepEqual([r.sources[0]!.rows_loaded, r.sources[0]!.rows_rejected], [3, 0]);
  const rows = await db.all<{ c: string; seats: number; price: number | null; tokens: number | null }>('SELECT contract_number AS c, seat_quantity AS seats, unit_price AS price, tokens FROM subscriptions ORDER BY c');
  assert.deepEqual(rows.map((x) => [x.c, Number(x.seats), x.price === null ? null : Number(x.price), x.tokens === null ? null : Number(x.tokens)]), [
    ['110001', 1200, 2985, null], ['110002', 12, 2030.5, null], ['110003', 1, null, 1100],
  ]);
  const notes = (await db.one<{ notes: string }>('SELECT notes FROM sources'))!.notes;
  assert.ok(JSON.parse(notes).includes('numbers read with a decimal comma: the file writes numbers such as "2.030,50 €"'), notes);
  // Nothing in this file settles it: read with a decimal point, and said.
  const us = write(dir, 'subs-unsettled.csv', 'Contract Number,Offering Name,Seat Quantity,Start Date,End Date,Unit Price\n110009,Maya,3,2025-10-01,2026-09-30,1.975\n');
  const u = await importFiles(db, [{ path: us }], { settings: settings() });
  assert.equal(Number((await db.one<{ p: number }>(`SELECT unit_price AS p FROM subscriptions WHERE contract_number = '110009'`))!.p), 1.975);
  const unotes = JSON.parse((await db.one<{ notes: string }>('SELECT notes FROM sources WHERE source_id = $1', [u.sources[0]!.source_id ?? -1]))!.notes) as string[];
  assert.ok(unotes.includes('nothing in the file settles its decimal mark: "1.975" was read with a decimal point; if the file writes a decimal comma, such numbers are a thousand times too small'), unotes.join(' | '));
  // A file separated by semicolons (Excel's CSV where the comma is the decimal mark) reads them with a comma, and says so.
  const semi = write(dir, 'subs-semicolon.csv', 'Contract Number;Offering Name;Seat Quantity;Start Date;End Date;Tokens\n110010;Autodesk Flex;1;15.10.2025;14.10.2026;1.100\n');
  const sc = await importFiles(db, [{ path: semi }], { settings: settings() });
  assert.equal(Number((await db.one<{ t: number }>(`SELECT tokens AS t FROM subscriptions WHERE contract_number = '110010'`))!.t), 1100);
  const snotes = JSON.parse((await db.one<{ notes: string }>('SELECT notes FROM sources WHERE source_id = $1', [sc.sources[0]!.source_id ?? -1]))!.notes) as string[];
  assert.ok(snotes.includes('nothing in the file settles its decimal mark: "1.100" was read with a decimal comma (1100), as the file is separated by semicolons; if it writes a decimal point, such numbers are a thousand times too large'), snotes.join(' | '));
  // The same file with a value only a decimal point reads (1.5) is read again with a point.
  const semiPoint = write(dir, 'subs-semicolon-point.csv', 'Contract Number;Offering Name;Seat Quantity;Start Date;End Date;Tokens;Unit Price\n110011;Autodesk Flex;1;15.10.2025;14.10.2026;1.100;2.5\n');
  await importFiles(db, [{ path: semiPoint }], { settings: settings() });
  assert.equal(Number((await db.one<{ t: number }>(`SELECT tokens AS t FROM subscriptions WHERE contract_number = '110011'`))!.t), 1.1);
  db.close();
});

test('a workbook whose roster runs over two sheets says which sheet was not read', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const p = join(dir, 'roster.xlsx');
  const header = ['Email', 'Offering name', 'Seat assignment'];
  await writeWorkbook(p, [
    { name: 'Engineering', rows: [header, ['ann@contoso.com', 'Revit', 'Assigned'], ['bo@contoso.com', 'AutoCAD', 'Assigned'], ['cy@contoso.com', 'Revit', 'Assigned']] },
    { name: 'Design', rows: [header, ['di@contoso.com', 'Revit', 'Assigned'], ['ed@contoso.com', 'Maya', 'Assigned']] },
    { name: 'Notes', rows: [['Exported by IT on 2026-09-30']] },
  ]);
  const plan = (await scanFiles(db, [p], settings()))[0]!;
  assert.equal(plan.sheet, 'Engineering');
  assert.ok(plan.notes.includes('not read: sheet "Design" holds 2 more rows of the same kind; save that sheet as its own CSV and load it too'), plan.notes.join(' | '));
  // A hidden sheet in front (last year's archive) is passed over for the visible one, and named.
  const archived = join(dir, 'subscriptions.xlsx');
  const sh = ['Contract Number', 'Offering Name', 'Seat Quantity', 'Start Date', 'End Date'];
  await writeWorkbook(archived, [
    { name: 'Archive 2023', hidden: true, rows: [sh, ['100001', 'Revit', 36, '2023-01-01', '2023-12-31'], ['100002', 'Maya', 6, '2023-01-01', '2023-12-31']] },
    { name: 'Subscriptions', rows: [sh, ['110001', 'Revit', 12, '2025-10-01', '2026-09-30']] },
  ]);
  const sub = (await scanFiles(db, [archived], settings()))[0]!;
  assert.equal(sub.sheet, 'Subscriptions');
  assert.ok(sub.notes.some((n) => n.startsWith('not read: hidden sheet "Archive 2023" holds 2 more rows of the same kind; if it is current, unhide it')), sub.notes.join(' | '));
  db.close();
});

test("an Autodesk-style subscriptions workbook's merged contract cells stand for every line they cover", async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const p = join(dir, 'subscriptions.xlsx');
  await writeWorkbook(p, [{
    name: 'Subscriptions',
    rows: [
      ['Subscriptions'], [],
      ['Contract Number', 'Offering Name', 'Seat Quantity', 'Start Date', 'End Date'],
      ['110001', 'Revit', 12, '2025-10-01', '2026-09-30'],
      ['', 'AutoCAD', 5, '', ''],
      ['', 'Maya', 2, '', ''],
      ['110002', 'AutoCAD LT', 3, '2025-01-01', '2025-12-31'],
    ],
    // The contract's number and term merged over its three lines, as the export lays them out.
    merges: ['A4:A6', 'D4:D6', 'E4:E6', 'A1:E1'],
  }]);
  const r = await importFiles(db, [{ path: p }], { settings: settings() });
  assert.deepEqual([r.sources[0]!.rows_loaded, r.sources[0]!.rows_rejected], [4, 0]);
  const rows = await db.all<{ c: string; o: string; s: string; e: string }>(
    'SELECT contract_number AS c, offering AS o, CAST(start_date AS VARCHAR) AS s, CAST(end_date AS VARCHAR) AS e FROM subscriptions ORDER BY o');
  assert.deepEqual(rows.map((x) => `${x.o} ${x.c} ${x.s} ${x.e}`), [
    'ACD 110001 2025-10-01 2026-09-30', 'ACDLT 110002 2025-01-01 2025-12-31', 'MAYA 110001 2025-10-01 2026-09-30', 'RVT 110001 2025-10-01 2026-09-30',
  ]);
  const notes = JSON.parse((await db.one<{ notes: string }>('SELECT notes FROM sources'))!.notes) as string[];
  assert.ok(notes.includes('merged cells read down: 6 cells take the value of the merged cell above'), notes.join(' | '));
  db.close();
});

test("a spreadsheet's \"-\" for a price or tokens loads the row with that value blank; a duration written 2:38 is 158 minutes", async () => {
  await eachReader(async (native, db, dir) => {
    const subs = write(dir, 'subs.csv', 'Contract Number,Offering Name,Seat Quantity,Start Date,End Date,Unit Price\n110001,Revit,12,2025-10-01,2026-09-30,€ -\n110002,Maya,2,2025-10-01,2026-09-30,1975\n');
    const ur = write(dir, 'ur.csv', 'Email,Offering name,Seat assignment,Days used,Tokens used\nann@contoso.com,Revit,Assigned,12,-\n');
    const sess = write(dir, 'lrt.csv', `${SESSIONS_HEADER},duration_minutes\nS1,ann@contoso.com,Revit,2025,PC-1,2025-03-03 09:00:00,,Named User,10.0.0.1,2:38\nS2,ann@contoso.com,Revit,2025,PC-1,2025-03-04 09:00:00,,Named User,10.0.0.1,1:02:30\nS3,ann@contoso.com,Revit,2025,PC-1,2025-03-05 09:00:00,,Named User,10.0.0.1,soon\n`);
    const r = await importFiles(db, [{ path: subs }, { path: ur }, { path: sess }], { settings: settings(), native });
    assert.deepEqual(r.sources.map((x) => [x.rows_loaded, x.rows_rejected]), [[2, 0], [1, 0], [2, 1]], `native ${native}`);
    assert.equal((await db.one<{ p: number | null }>(`SELECT unit_price AS p FROM subscriptions WHERE contract_number = '110001'`))!.p, null);
    const mins = await db.all<{ d: number; e: string }>('SELECT duration_minutes AS d, CAST(end_time AS VARCHAR) AS e FROM sessions ORDER BY session_id');
    assert.deepEqual(mins.map((x) => [Number(x.d), x.e]), [[158, '2025-03-03 11:38:00'], [62.5, '2025-03-04 10:02:30']]);
    assert.equal((await db.one<{ reason: string }>('SELECT reason FROM rejects'))!.reason, 'duration_minutes "soon" is not a number of minutes (or H:MM)');
  });
});

test('a header with a unit or zone in brackets maps by its name; times headed as UTC move into the engagement zone', async () => {
  const header = 'Session ID,User,Product,Device name,Session Start (UTC),Session End (UTC),Duration (min),Licence type';
  const line = 'S1,ann@contoso.com,Revit,PC-1,2025-03-03 23:30:00,2025-03-04 01:00:00,90,Named User';
  for (const [tz, start] of [['UTC', '2025-03-03 23:30:00'], ['Europe/Berlin', '2025-03-04 00:30:00']] as const) {
    const dir = tempDir();
    const db = await freshDb(dir);
    const p = write(dir, 'lrt.csv', `${header}\n${line}\n`);
    const r = await importFiles(db, [{ path: p }], { settings: { ...settings(), timezone: tz } });
    assert.deepEqual(r.refused, [], tz);
    const row = await db.one<{ s: string; d: number }>('SELECT CAST(start_time AS VARCHAR) AS s, duration_minutes AS d FROM sessions');
    assert.deepEqual([row?.s, Number(row?.d)], [start, 90], tz);
    db.close();
  }
});

test('a line of separators only is a reject that says the row is empty, by both readers', async () => {
  await eachReader(async (native, db, dir) => {
    const p = write(dir, 'lrt.csv', [SESSIONS_HEADER, sessionLine(1), ',,,,,,,,', sessionLine(2)].join('\n') + '\n');
    const r = await importFiles(db, [{ path: p }], { settings: settings(), native });
    assert.deepEqual([r.sources[0]!.rows_loaded, r.sources[0]!.rows_rejected], [2, 1], `native ${native}`);
    assert.deepEqual(await db.one('SELECT line, reason FROM rejects'), { line: 3, reason: 'the row is empty (only separators)' }, `native ${native}`);
  });
});

test('a row holding more values than the header has columns (an unquoted separator) is said on the file', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const p = write(dir, 'roster.csv', 'Email,Last name,Offering name\nann@contoso.com,Lee,Revit\nmei@contoso.com,Nguyen, Jr.,Revit\nbo@contoso.com,Berg,AutoCAD\n');
  const r = await importFiles(db, [{ path: p }], { settings: settings() });
  assert.equal(r.sources[0]!.rows_loaded, 3);
  const notes = JSON.parse((await db.one<{ notes: string }>('SELECT notes FROM sources'))!.notes) as string[];
  assert.ok(notes.includes('1 row holds more values than the header has columns (on line 3): a value with an unquoted separator shifts the values after it, so check it against the source'), notes.join(' | '));
  db.close();
});

test("a reject's text is the line as the file writes it, with its own delimiter, by both readers", async () => {
  const bad = 'S2;ann@contoso.com;Revit;2025;PC-1;2025-02-30 09:00:00;;Named User;10.0.0.1';
  await eachReader(async (native, db, dir) => {
    const good = 'S1;ann@contoso.com;Revit;2025;PC-1;2025-03-03 09:00:00;2025-03-03 10:00:00;Named User;10.0.0.1';
    const p = write(dir, 'lrt-semicolon.csv', [SESSIONS_HEADER.replace(/,/g, ';'), good, bad].join('\r\n') + '\r\n');
    const r = await importFiles(db, [{ path: p }], { settings: settings(), native });
    assert.deepEqual([r.sources[0]!.rows_loaded, r.sources[0]!.rows_rejected], [1, 1], `native ${native}`);
    assert.equal((await db.one<{ raw: string }>('SELECT raw FROM rejects'))!.raw, bad, `native ${native}`);
  });
});

test("session and daily-usage exports are read with their own decimal mark too, by DuckDB's reader and the JS reader alike", async () => {
  await eachReader(async (native, db, dir) => {
    // A semicolon file (Excel's CSV where the comma is the decimal mark): 90,5 minutes settles the comma, so 1.250 tokens are 1250.
    const sess = write(dir, 'sessions-eu.csv', 'session_id;user;product;start_time;duration_minutes;tokens\n'
      + 's1;ann@contoso.com;AutoCAD;2026-09-01 09:00:00;90,5;1.250\ns2;bo@contoso.com;Revit;2026-09-02 09:00:00;45;7,5\n');
    // Nothing settles this one: read with a comma, as a semicolon file, and said.
    const daily = write(dir, 'daily-eu.csv', 'Email;Product;Day Used;Tokens\nann@contoso.com;AutoCAD;2026-09-01;2.985\n');
    // A value only a decimal point reads (1.5): the file is read again with a point, so 2.985 is 2.985.
    const dailyPoint = write(dir, 'daily-point.csv', 'Email;Product;Day Used;Tokens\nbo@contoso.com;Revit;2026-09-01;2.985\nbo@contoso.com;Revit;2026-09-02;1.5\n');
    const r = await importFiles(db, [{ path: sess }, { path: daily }, { path: dailyPoint }], { settings: settings(), native });
    assert.deepEqual(r.sources.map((x) => [x.rows_loaded, x.rows_rejected]), [[2, 0], [1, 0], [2, 0]], `native ${native}`);
    const s = await db.all<{ id: string; d: number; t: number }>('SELECT session_id AS id, duration_minutes AS d, tokens AS t FROM sessions ORDER BY id');
    assert.deepEqual(s.map((x) => [x.id, Number(x.d), Number(x.t)]), [['s1', 90.5, 1250], ['s2', 45, 7.5]], `native ${native}`);
    const d = await db.all<{ u: string; t: number }>('SELECT "user" AS u, tokens AS t FROM usage_daily ORDER BY u, day');
    assert.deepEqual(d.map((x) => [x.u, Number(x.t)]), [['ann@contoso.com', 2985], ['bo@contoso.com', 2.985], ['bo@contoso.com', 1.5]], `native ${native}`);
    const notes = (await db.all<{ notes: string }>('SELECT notes FROM sources ORDER BY source_id')).map((x) => JSON.parse(x.notes) as string[]);
    assert.equal(notes[0]!.includes('read by DuckDB (plain CSV)'), native, `native ${native}: which reader`);
    assert.ok(notes[0]!.some((n) => n.startsWith('numbers read with a decimal comma')), `native ${native}: ${notes[0]!.join(' | ')}`);
    assert.ok(notes[1]!.some((n) => n.startsWith('nothing in the file settles its decimal mark: "2.985" was read with a decimal comma (2985)')), `native ${native}: ${notes[1]!.join(' | ')}`);
  });
});

test("a totals line under a session or daily-usage export is a reject saying so, by DuckDB's reader and the JS reader alike", async () => {
  await eachReader(async (native, db, dir) => {
    const sess = write(dir, 'sessions-de.csv', 'session_id;user;product;start_time;duration_minutes\n'
      + 's1;ann@contoso.com;AutoCAD;2026-09-01 09:00:00;90\ns2;bo@contoso.com;Revit;2026-09-02 09:00:00;45\nSumme;2;;;135\n');
    const daily = write(dir, 'daily-en.csv', 'Email,Product,Day Used,Tokens\nann@contoso.com,AutoCAD,2026-09-01,7\nGrand total: 1 user,,,7\n');
    const r = await importFiles(db, [{ path: sess }, { path: daily }], { settings: settings(), native });
    assert.deepEqual(r.sources.map((x) => [x.rows_loaded, x.rows_rejected]), [[2, 1], [1, 1]], `native ${native}`);
    const rejects = await db.all<{ line: number; reason: string }>('SELECT line, reason FROM rejects ORDER BY source_id, line');
    assert.deepEqual(rejects.map((x) => [x.line, x.reason]), [
      [4, 'a totals line ("Summe"), not a session: left out'],
      [3, 'a totals line ("Grand total: 1 user"), not a usage row: left out'],
    ], `native ${native}`);
  });
});

test('overlapping daily-usage exports that write one address in another case hold the same rows once, by both readers', async () => {
  await eachReader(async (native, db, dir) => {
    // September's export and October's overlap on 30 September; October's writes Ann's address capitalised.
    const sep = write(dir, 'daily-sep.csv', 'Email,Product,Day Used,Tokens\nAnn.Lee@contoso.com,AutoCAD,2026-09-29,\nann.lee@contoso.com,Revit,2026-09-30,12\n');
    const oct = write(dir, 'daily-oct.csv', 'Email,Product,Day Used,Tokens\nANN.LEE@CONTOSO.COM,Revit,2026-09-30,12\nANN.LEE@CONTOSO.COM,Revit,2026-10-01,12\n');
    const r = await importFiles(db, [{ path: sep }, { path: oct }], { settings: settings(), native });
    assert.deepEqual(r.sources.map((x) => [x.rows_loaded, x.rows_duplicate]), [[2, 0], [1, 1]], `native ${native}`);
    // The Flex tokens of 30 September are counted once, and each row keeps the spelling it was loaded with.
    const rows = await db.all<{ day: string; raw: string; t: number | null }>(`SELECT CAST(day AS VARCHAR) AS day, user_raw AS raw, tokens AS t FROM usage_daily ORDER BY day`);
    assert.deepEqual(rows.map((x) => [x.day, x.raw, x.t === null ? null : Number(x.t)]), [['2026-09-29', 'Ann.Lee@contoso.com', null], ['2026-09-30', 'ann.lee@contoso.com', 12], ['2026-10-01', 'ANN.LEE@CONTOSO.COM', 12]], `native ${native}`);
  });
});

test('a rejected line of near a megabyte is kept cut, and its reason quotes the cell cut, by both readers', async () => {
  await eachReader(async (native, db, dir) => {
    const huge = '9'.repeat(900_000);
    const p = write(dir, 'sessions.csv', [SESSIONS_HEADER, sessionLine(1), `S-huge,x@contoso.com,Revit,2025,PC-1,${huge},,Named User,`, sessionLine(2)].join('\n') + '\n');
    const r = await importFiles(db, [{ path: p }], { settings: settings(), native });
    assert.deepEqual([r.sources[0]!.rows_loaded, r.sources[0]!.rows_rejected], [2, 1], `native ${native}`);
    const rej = (await db.one<{ raw: string; reason: string }>('SELECT raw, reason FROM rejects'))!;
    assert.equal(rej.raw.length, 2001, `native ${native}: the line kept is cut`);
    assert.ok(rej.raw.startsWith('S-huge,x@contoso.com,Revit,2025,PC-1,999') && rej.raw.endsWith('9…'), `native ${native}`);
    assert.ok(rej.reason.startsWith(`start_time "${'9'.repeat(200)}…" is not a date (`), `native ${native}: ${rej.reason.slice(0, 300)}`);
    assert.ok(rej.reason.length < 400, `native ${native}: the reason quotes the cell cut`);
  });
});
