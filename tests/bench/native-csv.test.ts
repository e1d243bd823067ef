// The DuckDB-native CSV path (analysis/ingest/native-csv.ts) must give exactly what the JS reader gives:
// the same canonical rows (every column), keys, rejects with reasons and line numbers, and counts. Each
// case imports the same files twice, once with the native path and once with it turned off, and compares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngagementDb } from '../../analysis/db/engine';
import { importFiles } from '../../analysis/ingest/import';
import { defaultSettings, type Settings } from '../../analysis/settings';

const SESSION_HEADER = 'session_id,user_email,product_name,product_version,device_name,start_time,end_time,duration_minutes,licence_type,ip_address,network_domain,tokens_used';

/** Realistic session rows plus every awkward value the normaliser has a rule for. */
const SESSION_ROWS = [
  's1,jane.doe@contoso.com,Revit,2025,PC-1,2025-03-04 09:00:00,2025-03-04 10:30:00,90,Named User,10.0.0.1,corp.contoso.com,',
  's2,  John.DOE@Contoso.COM  ,AutoCAD,,PC-2,3/4/2025 9:05 PM,3/4/2025 10:15 PM,,Network,10.0.0.2,CORP.Contoso.com,',
  's3,mary@contoso.com,Civil 3D 2024,,PC-3,2025-03-04T10:00:00+02:00,2025-03-04T11:00:00Z,,Flex,10.0.0.3,,12.5',
  's4,*****,Revit,2025,PC-4,2025-03-05 08:00:00,2025-03-05 08:30:00,30,,10.0.0.4,corp.contoso.com,',
  's5,*****,Revit,2025,,2025-03-05 08:00:00,2025-03-05 08:30:00,30,,10.0.0.5,,',
  's6,,Revit,2025,,2025-03-05 08:00:00,,,,,,',
  's7,Jürgen.Müller@Contoso.com,Navisworks Manage,2025,PC-7,2025-03-06 08:00:00,2025-03-06 09:00:00,60,named user,10.0.0.7,ZÜRICH.Contoso.com,',
  's8,\tkim@contoso.com\t,\u00a0AutoCAD LT\u00a0,2025,PC-8,2025-03-06 08:00:00,2025-03-06 09:00:00,60,Named User,10.0.0.8,corp.contoso.com,',
  's9,ann@contoso.com,Revit,2025,PC-9,not a date,2025-03-06 09:00:00,60,Named User,,,',
  's10,ann@contoso.com,Revit,2025,PC-9,,2025-03-06 09:00:00,60,Named User,,,',
  's11,ann@contoso.com,Revit,2025,PC-9,2025-03-06 09:00:00,2025-03-06 08:00:00,,Named User,,,',
  's12,ann@contoso.com,Revit,2025,PC-9,2025-03-06 09:00:00,,-5,Named User,,,',
  's13,ann@contoso.com,Revit,2025,PC-9,2025-03-06 09:00:00,,1.5e1,Named User,,,',
  's14,ann@contoso.com,Revit,2025,PC-9,2025-03-06 09:00:00,,,Named User,,,abc',
  's15,ann@contoso.com,Revit,2025,PC-9,2025-03-06 09:00:00,2025-03-06 09:00:20,,Named User,,,',
  // A session exported again with a later end: the same session id, so the first one is kept.
  's15,ann@contoso.com,Revit,2025,PC-9,2025-03-06 09:00:00,2025-03-06 09:10:00,,Named User,,,',
  's1,jane.doe@contoso.com,Revit,2025,PC-1,2025-03-04 09:00:00,2025-03-04 10:30:00,90,Named User,10.0.0.1,corp.contoso.com,',
  ',bob@contoso.com,Revit,2025,PC-10,2025-03-07 09:00:00,2025-03-07 10:00:00,60,Named User,,,',
  ',bob@contoso.com,Revit,2025,PC-10,2025-03-07 09:00:00,2025-03-07 10:00:00,60,Named User,,,',
  's18,bob@contoso.com,Revit',
  's19,bob@contoso.com,,2025,PC-10,2025-03-07 09:00:00,,,,,,',
  's20,bob@contoso.com,87545RVT_2025_0F,,PC-10,2025-03-07 09:00:00,,,Token Flex,,,3',
  's21,bob@contoso.com,Revit,2025,PC-10,2025-02-30 09:00:00,,,,,,',
  's22,bob@contoso.com,Revit,2025,PC-10,2025-03-04 24:00:00,,,,,,',
  's23,bob@contoso.com,Revit,2025,PC-10,2025-3-4 9:05:00,,,,,,',
  's24,bob@contoso.com,Revit,2025,PC-10,1899-12-31 09:00:00,,,,,,',
  's26,bob@contoso.com,Revit,2025,PC-10,2025-03-04 23:59:60,,,,,,',
  's27,bob@contoso.com,Revit,2025,PC-10,2025-03-04 9:05:00 ,,,,,,',
  's28,bob@contoso.com,Revit,2025,PC-10,-025-03-04 09:05:00,,,,,,',
  's29,bob@contoso.com,Revit,2025,PC-10,2025-03-04 09:05:0x,2025-03-04 9:5,,,,,',
  's25,  ,  ,2025,  ,2025-03-04 09:00:00,,,,,,',
  '   ',
  ',,,,,,,,,,,',
];

function files(dir: string): string[] {
  const a = join(dir, 'lrt-sessions-a.csv');
  writeFileSync(a, [SESSION_HEADER, ...SESSION_ROWS].join('\n') + '\n');
  // The next export overlaps the first, with Windows line ends and a title block above the header.
  const b = join(dir, 'lrt-sessions-b.csv');
  writeFileSync(b, ['LRT session export,,,', 'Generated 2025-03-08,,,', SESSION_HEADER, SESSION_ROWS[0], SESSION_ROWS[3], 's30,zoe@contoso.com,Maya,2025,PC-30,2025-03-08 09:00:00,2025-03-08 09:45:00,45,Named User,,,'].join('\r\n'));
  // Daily usage, semicolon-delimited, with European numbers and dates in other shapes.
  const c = join(dir, 'autodesk-usage-daily.csv');
  writeFileSync(
    c,
    [
      'day_used;product_name;version;access_option;email;hashed_autodesk_id;tokens_used;team',
      '2025-03-04;Revit;2025;Named User;jane.doe@contoso.com;H1;;Primary',
      '2025-03-04;Revit;2025;Named User;jane.doe@contoso.com;H1;;Primary',
      '04/03/2025;AutoCAD;2025;;*****;H2;1.234,5;Primary',
      '2025-03-05T00:00:00Z;Civil 3D;2025;;*****;*****;;Primary',
      '2025-03-05;;2025;Flex;x@contoso.com;H3;2;Primary',
      '2025-03-05;Maya;2025;Flex;x@contoso.com;H3;two;Primary',
      'yesterday;Maya;2025;Flex;x@contoso.com;H3;2;Primary',
      ';Maya;2025;;X@Contoso.com;H3;0;Primary',
      '2025-03-06;Maya;2025;;X@Contoso.com;H3;0;Primary',
      '2025-03-06;3ds Max;2025;;Ünal@Contoso.com;H4;5;Primary',
      '-025-03-06;3ds Max;2025;;x@contoso.com;H3;5;Primary',
      '2025-02-29;3ds Max;2025;;x@contoso.com;H3;5;Primary',
      '2024-02-29;3ds Max;2025;;x@contoso.com;H3;5;Primary',
    ].join('\n') + '\n',
  );
  // Quoted fields: not plain, so the JS reader takes it on both sides.
  const d = join(dir, 'lrt-sessions-quoted.csv');
  writeFileSync(d, `${SESSION_HEADER}\ns40,"lee@contoso.com",Revit,2025,"PC, 40",2025-03-09 09:00:00,2025-03-09 10:00:00,60,Named User,,,\n`);
  // Rectangular files (every line has every cell) take DuckDB's own tokenizer: one with non-ASCII and
  // exotic whitespace (tab, NBSP), one plain ASCII where only spaces edge the cells.
  const rect = SESSION_ROWS.filter((r) => r.split(',').length === 12).map((r) => r.replace(/^s/, 'r'));
  const e = join(dir, 'lrt-sessions-rect.csv');
  writeFileSync(e, [SESSION_HEADER, ...rect].join('\n') + '\n');
  const ascii = rect.filter((r) => /^[\x20-\x7e]*$/.test(r)).map((r) => r.replace(/^r/, 'q').replace(/,Revit,/, ',  Revit ,'));
  const g = join(dir, 'lrt-sessions-ascii.csv');
  writeFileSync(g, [SESSION_HEADER, ...ascii, ascii[0]!].join('\r\n'));
  return [a, b, c, d, e, g];
}

async function importWith(native: boolean, dir: string, paths: string[], settings: Settings) {
  const engDir = mkdtempSync(join(tmpdir(), `lrtw-native-${native ? 'on' : 'off'}-`));
  const db = await EngagementDb.open(join(engDir, 'e.lrtw'), { allowedDirectories: [dir] });
  const res = await importFiles(db, paths.map((path) => ({ path })), { settings, native });
  const dump = async (sql: string) => JSON.parse(JSON.stringify(await db.all(sql)));
  const out = {
    res,
    sources: await dump('SELECT source_id, file, kind, rows_read, rows_loaded, rows_rejected, rows_duplicate FROM sources ORDER BY source_id'),
    notes: await dump('SELECT file, CAST(notes AS VARCHAR) AS notes FROM sources ORDER BY source_id'),
    rejects: await dump('SELECT source_id, line, raw, reason FROM rejects ORDER BY source_id, line'),
    sessions: await dump('SELECT * EXCLUDE (extra) FROM sessions ORDER BY source_id, line'),
    usage: await dump('SELECT * EXCLUDE (extra) FROM usage_daily ORDER BY source_id, line'),
  };
  db.close();
  return out;
}

for (const timezone of ['UTC', 'Europe/Berlin']) {
  test(`native and JS readers load identical rows, keys, rejects and line numbers (${timezone})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lrtw-native-in-'));
    const paths = files(dir);
    const settings = { ...defaultSettings(), timezone };
    const nat = await importWith(true, dir, paths, settings);
    const js = await importWith(false, dir, paths, settings);
    // The native path really ran for the plain files, and only for them.
    const viaDuck = nat.notes.filter((n: { notes: string }) => n.notes.includes('read by DuckDB')).map((n: { file: string }) => n.file);
    assert.deepEqual(viaDuck, ['lrt-sessions-a.csv', 'lrt-sessions-b.csv', 'autodesk-usage-daily.csv', 'lrt-sessions-rect.csv', 'lrt-sessions-ascii.csv']);
    assert.ok(js.notes.every((n: { notes: string }) => !n.notes.includes('read by DuckDB')));
    assert.deepEqual(nat.res.refused, []);
    assert.deepEqual(nat.sources, js.sources);
    assert.deepEqual(nat.rejects, js.rejects);
    assert.deepEqual(nat.sessions, js.sessions);
    assert.deepEqual(nat.usage, js.usage);
    // The comparison is not vacuous: rows, duplicates and rejects of each kind are present.
    const a = nat.sources[0];
    assert.ok(a.rows_loaded > 10 && a.rows_rejected >= 10 && a.rows_duplicate === 3, JSON.stringify(nat.sources) + JSON.stringify(nat.rejects));
    assert.equal(nat.sources[1].rows_duplicate, 2);
    assert.equal(nat.usage.length, 5);
    assert.ok(nat.rejects.some((r: { reason: string }) => /start_time "not a date" is not a date/.test(r.reason)));
    // The rectangular files load, reject and de-duplicate too (their rows are not vacuous either).
    const [rect, ascii] = [nat.sources[4], nat.sources[5]];
    assert.ok(rect.rows_loaded >= 8 && rect.rows_rejected >= 5, JSON.stringify(rect));
    assert.ok(ascii.rows_loaded >= 5 && ascii.rows_rejected >= 3 && ascii.rows_duplicate >= 1, JSON.stringify(ascii));
    assert.ok(nat.sessions.some((r: { product_raw: string; session_id: string }) => (r.session_id ?? '').startsWith('q') && r.product_raw === 'Revit'));
    assert.ok(nat.sessions.some((r: { user_raw: string; session_id: string }) => r.session_id === 'r8' && r.user_raw === 'kim@contoso.com'));
  });
}

test('a file DuckDB may not read (folder not allowed) falls back to the JS reader with the same result', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrtw-native-in-'));
  const [a] = files(dir);
  const engDir = mkdtempSync(join(tmpdir(), 'lrtw-native-denied-'));
  const db = await EngagementDb.open(join(engDir, 'e.lrtw'));
  const res = await importFiles(db, [{ path: a! }], { settings: defaultSettings() });
  assert.deepEqual(res.refused, []);
  const notes = await db.one<{ notes: string }>('SELECT CAST(notes AS VARCHAR) AS notes FROM sources');
  assert.ok(!notes!.notes.includes('read by DuckDB'));
  const js = await importWith(false, dir, [a!], defaultSettings());
  assert.deepEqual(JSON.parse(JSON.stringify(await db.all('SELECT * EXCLUDE (extra) FROM sessions ORDER BY line'))), js.sessions);
  db.close();
});

test('a file large enough to be split across threads keeps every record on its own line number', async () => {
  // DuckDB reads a large file in parallel, in buffers; each record's number comes from the stage's row
  // order. Each session id names its line, so every loaded row, reject and duplicate can be checked.
  const dir = mkdtempSync(join(tmpdir(), 'lrtw-native-big-'));
  const path = join(dir, 'lrt-sessions-big.csv');
  const n = 400_000;
  const lines: string[] = [SESSION_HEADER];
  for (let line = 2; line <= n + 1; line++) {
    const day = String(1 + (line % 28)).padStart(2, '0');
    const id = line % 99_991 === 0 ? `s${line - 1}` : `s${line}`; // a repeat of the previous record's id
    const start = line % 49_999 === 0 ? 'not a date' : `2025-03-${day} 09:00:00`; // a reject
    lines.push(`${id},user${line % 700}@contoso.com,Revit,2025,PC-${line % 300},${start},2025-03-${day} 10:00:00,60,Named User,10.0.${line % 250}.1,corp.contoso.com,`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  const engDir = mkdtempSync(join(tmpdir(), 'lrtw-native-big-eng-'));
  const db = await EngagementDb.open(join(engDir, 'e.lrtw'), { allowedDirectories: [dir] });
  const res = await importFiles(db, [{ path }], { settings: defaultSettings() });
  const notes = await db.one<{ notes: string }>('SELECT CAST(notes AS VARCHAR) AS notes FROM sources');
  assert.match(notes?.notes ?? '', /read by DuckDB/);
  const repeats = Math.floor((n + 1) / 99_991);
  const rejects = Math.floor((n + 1) / 49_999);
  const [src] = res.sources;
  assert.equal(src?.rows_read, n);
  assert.equal(src?.rows_duplicate, repeats);
  assert.equal(src?.rows_rejected, rejects);
  assert.equal(src?.rows_loaded, n - repeats - rejects);
  const wrong = await db.all(`SELECT line, session_id FROM sessions WHERE session_id <> 's' || line LIMIT 5`);
  assert.deepEqual(wrong, []);
  const rej = await db.all<{ line: number; raw: string }>('SELECT line, raw FROM rejects ORDER BY line');
  assert.deepEqual(rej.map((r) => Number(r.line)), Array.from({ length: rejects }, (_, i) => 49_999 * (i + 1)));
  assert.ok(rej.every((r) => r.raw.startsWith(`s${r.line},`) && r.raw.includes('not a date')), JSON.stringify(rej[0]));
  db.close();
});
