// The whole import (importFiles) on one folder that mixes hostile files with good ones, as an analyst's
// "client export" folder might: every hostile file is refused with a reason, every good file loads exactly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import ExcelJS from 'exceljs';
import { EngagementDb } from '../../analysis/db/engine';
import { importFiles, scanFiles } from '../../analysis/ingest/import';
import { defaultSettings } from '../../analysis/settings';
import { buildXlsx, buildZip, sheetXml, zipBomb, xmlEscape, type RawEntry } from './zip-builder';

let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'lrtw-mixed-'));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
});

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const FORMULAS = ['=HYPERLINK("http://x","y")', '+SUM(1,2)', '-2+3', '@SUM(A1)'];

interface Good {
  file: string;
  rows: number;
}

async function writeFolder(folder: string): Promise<{ good: Good[]; hostile: string[] }> {
  mkdirSync(folder, { recursive: true });
  const good: Good[] = [];
  const put = (name: string, bytes: Buffer | string): string => {
    writeFileSync(join(folder, name), bytes);
    return name;
  };

  // --- good files ---
  const roster = ['autodesk_id,email,first_name,last_name,role,account_status,offering_name,team'];
  for (let i = 0; i < 25; i++) {
    const first = i < FORMULAS.length ? FORMULAS[i]! : `First${i}`;
    roster.push([`ADSK${1000 + i}`, `roster${i}@contoso.com`, first, `Last${i}`, 'User', 'Active', 'AutoCAD', 'Design'].map(csvField).join(','));
  }
  good.push({ file: put('users-roster.csv', `${roster.join('\r\n')}\r\n`), rows: 25 });

  const latin = ['email,first_name,last_name,offering_name'];
  const latinNames = ['José', 'Müller', 'Ångström', 'Núñez', 'Françoise', 'Øre'];
  latinNames.forEach((n, i) => latin.push(`latin${i}@contoso.com,${n},Brandão,Revit`));
  good.push({ file: put('users-latin1.csv', Buffer.from(`${latin.join('\n')}\n`, 'latin1')), rows: latinNames.length });

  const subs = ['contract_number;offering_name;seat_quantity;start_date;end_date;subscription_status'];
  for (let i = 0; i < 5; i++) subs.push(`11000${i};AutoCAD;${5 + i};2025-10-01;2026-09-30;Active`);
  good.push({ file: put('subscriptions-bom-semicolon.csv', `\ufeff${subs.join('\r\n')}\r\n`), rows: 5 });

  const proto = ['email,__proto__,constructor,prototype,offering_name,first_name'];
  for (let i = 0; i < 8; i++) proto.push(`proto${i}@contoso.com,{"polluted":1},x${i},y${i},Civil 3D,__proto__`);
  good.push({ file: put('users-proto-headers.csv', `${proto.join('\n')}\n`), rows: 8 });

  const wb = new ExcelJS.Workbook();
  const filters = wb.addWorksheet('Filters');
  filters.addRow(['Usage Report']);
  filters.addRow(['Date range', '2025-10-01 - 2026-09-30']);
  const ur = wb.addWorksheet('Usage Report');
  ur.addRow(['hashed_autodesk_id', 'first_name', 'last_name', 'email', 'offering_name', 'seat_assignment', 'assigned_date', 'user_activity', 'days_inactive', 'access_option', 'days_used', 'monthly_average', 'tokens_used', 'last_accessed']);
  for (let i = 0; i < 30; i++) {
    ur.addRow([`H${i}`, `Ur${i}`, `Report${i}`, `report${i}@contoso.com`, 'Revit', 'assigned', new Date(Date.UTC(2025, 9, 1 + (i % 28))), i % 3 ? 'active' : 'inactive', i % 3 ? 2 : 120, 'Named User', 10 + i, (10 + i) / 12, 0, i % 3 ? new Date(Date.UTC(2026, 8, 1 + (i % 28))) : null]);
  }
  good.push({ file: put('usage-report.xlsx', Buffer.from(await wb.xlsx.writeBuffer())), rows: 30 });

  // Sheet names and shared strings that are prototype names, users data on the sheet called "prototype".
  const names = ['__proto__', 'constructor', 'prototype'];
  const header = ['email', 'first_name', 'offering_name', '__proto__'];
  const sst = [...header, 'AutoCAD', '__proto__', 'constructor'];
  const sIdx = (s: string): number => sst.indexOf(s);
  const cell = (ref: string, s: string): string => `<c r="${ref}" t="s"><v>${sIdx(s)}</v></c>`;
  let rowsXml = `<row r="1">${header.map((h, i) => cell(`${String.fromCharCode(65 + i)}1`, h)).join('')}</row>`;
  for (let i = 0; i < 6; i++) {
    const r = i + 2;
    rowsXml += `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>sheet${i}@contoso.com</t></is></c>${cell(`B${r}`, i % 2 ? '__proto__' : 'constructor')}${cell(`C${r}`, 'AutoCAD')}${cell(`D${r}`, '__proto__')}</row>`;
  }
  const protoXlsx = buildXlsx({
    sheets: [
      { name: names[0]!, xml: sheetXml(`<row r="1"><c t="inlineStr"><is><t>${xmlEscape('not data')}</t></is></c></row>`) },
      { name: names[1]!, xml: sheetXml('') },
      { name: names[2]!, xml: sheetXml(rowsXml) },
    ],
    sharedStrings: sst,
  });
  good.push({ file: put('proto-sheets.xlsx', protoXlsx), rows: 6 });

  // --- hostile files ---
  const hostile: string[] = [];
  const garbage = randomBytes(300 * 1024);
  garbage[0] = 0;
  hostile.push(put('garbage.csv', garbage), put('garbage.xlsx', Buffer.from(garbage).reverse()), put('empty.csv', ''));
  const wbParts = (target: string): RawEntry[] => [
    { name: 'xl/workbook.xml', data: '<workbook xmlns:r="r"><sheets><sheet name="Data" r:id="rId1"/></sheets></workbook>' },
    { name: 'xl/_rels/workbook.xml.rels', data: `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="${target}"/></Relationships>` },
  ];
  const bomb = zipBomb(100, '<x/>', '<worksheet><sheetData>', '</sheetData></worksheet>');
  hostile.push(put('bomb.xlsx', buildZip([...wbParts('worksheets/sheet1.xml'), { name: 'xl/worksheets/sheet1.xml', compressed: bomb.compressed, declaredSize: 900 }])));
  const many: RawEntry[] = Array.from({ length: 20_000 }, (_, i) => ({ name: `x/${i}`, data: '', method: 0 }));
  hostile.push(put('entries.xlsx', buildZip(many)));
  hostile.push(put('traversal.xlsx', buildZip([...wbParts('worksheets/sheet1.xml'), { name: '../../evil.xml', data: '<x/>' }])));
  hostile.push(put('no-workbook.xlsx', buildZip([{ name: 'word/document.xml', data: '<document/>' }])));
  const laughs = '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>';
  hostile.push(put('laughs.xlsx', buildXlsx({ sheets: [{ name: 'S', xml: `${laughs}<worksheet><sheetData><row><c t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>` }] })));
  hostile.push(put('legacy.xls', Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), randomBytes(2048)])));
  // Text named as a workbook: refused as what it claims to be, not read as a CSV unasked.
  hostile.push(put('renamed.xlsx', 'email,product,start_time\na@contoso.com,Revit,2026-07-01 09:00\n'));
  const fd = openSync(join(folder, 'one-line.csv'), 'w');
  const chunk = Buffer.from(`${'email,'.repeat(174762)}xxxx`); // ~1 MiB, no newline
  for (let i = 0; i < 40; i++) writeSync(fd, chunk);
  closeSync(fd);
  hostile.push('one-line.csv');
  return { good, hostile };
}

test('a folder mixing hostile and good files: hostile refused with reasons, good loaded exactly', { timeout: 240_000 }, async () => {
  const folder = join(root, 'client-exports');
  const { good, hostile } = await writeFolder(folder);
  const db = await EngagementDb.open(join(root, 'x.lrtw'));
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 25);
  try {
    const result = await importFiles(db, [{ path: folder }], {
      settings: defaultSettings(),
      limits: { maxEntryBytes: 64 * 1024 ** 2, maxUncompressedBytes: 128 * 1024 ** 2 },
    });
    clearInterval(sampler);
    assert.equal(result.cancelled, false);

    const refused = new Map(result.refused.map((r) => [r.file, r.reason]));
    for (const h of hostile) {
      assert.ok(refused.has(h), `${h} is refused (refused: ${[...refused.keys()].join(', ')}; loaded: ${result.sources.map((s) => s.file).join(', ')})`);
      assert.ok((refused.get(h) ?? '').length > 15, `${h} has a reason: "${refused.get(h)}"`);
    }
    assert.match(refused.get('bomb.xlsx') ?? '', /64 MiB/);
    assert.match(refused.get('entries.xlsx') ?? '', /10000/);
    assert.match(refused.get('traversal.xlsx') ?? '', /outside the archive/);
    assert.match(refused.get('no-workbook.xlsx') ?? '', /not an Excel workbook/);
    assert.match(refused.get('laughs.xlsx') ?? '', /DOCTYPE/);
    assert.match(refused.get('empty.csv') ?? '', /empty/i);
    assert.match(refused.get('renamed.xlsx') ?? '', /named as an Excel workbook but is not one/);

    for (const g of good) {
      assert.ok(!refused.has(g.file), `${g.file} was refused: ${refused.get(g.file)}`);
      const src = result.sources.find((s) => s.file === g.file);
      assert.ok(src, `${g.file} is loaded`);
      assert.equal(src.rows_loaded, g.rows, `${g.file} rows_loaded`);
      assert.equal(src.rows_rejected, 0, `${g.file} rows_rejected`);
    }
    assert.equal(result.sources.length, good.length);

    // Formula-looking values are stored as the plain strings written, never evaluated or altered.
    const roster = await db.all<{ first_name: string }>("SELECT first_name FROM users WHERE \"user\" LIKE 'roster%' ORDER BY CAST(substr(\"user\", 7, 2) AS VARCHAR)");
    const firsts = roster.map((r) => r.first_name);
    for (const f of FORMULAS) assert.ok(firsts.includes(f), `${f} stored as written (got ${firsts.slice(0, 6).join(' | ')})`);
    assert.equal(firsts.length, 25);
    const latinRows = await db.all<{ first_name: string }>("SELECT first_name FROM users WHERE \"user\" LIKE 'latin%' ORDER BY \"user\"");
    assert.deepEqual(latinRows.map((r) => r.first_name), ['José', 'Müller', 'Ångström', 'Núñez', 'Françoise', 'Øre']);
    const protoRows = await db.all<{ first_name: string }>("SELECT first_name FROM users WHERE \"user\" LIKE 'sheet%' ORDER BY \"user\"");
    assert.deepEqual(protoRows.map((r) => r.first_name), ['constructor', '__proto__', 'constructor', '__proto__', 'constructor', '__proto__']);

    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    assert.ok(peakRss < 2 * 1024 ** 3 * 0.75, `resident memory peaked at ${(peakRss / 1024 ** 2).toFixed(0)} MiB`);
  } finally {
    clearInterval(sampler);
    db.close();
  }
});

test('links inside a chosen folder are refused, not followed: nothing from outside it is loaded or quoted; a link chosen by name loads', async () => {
  // Outside the client's folder: the analyst's own files (another client's roster, a credentials file).
  const secret = join(root, 'analyst-own');
  mkdirSync(secret, { recursive: true });
  writeFileSync(join(secret, 'credentials'), 'aws_access_key_id = AKIASECRETSECRET\n');
  writeFileSync(join(secret, 'otherclient-users.csv'), 'email,first_name,last_name,offering_name\nceo@otherclient.com,Other,Client,AutoCAD\n');
  const folder = join(root, 'linked-exports');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'users.csv'), 'email,first_name,last_name,offering_name\nann@contoso.com,Ann,Lee,Revit\n');
  symlinkSync(join(secret, 'credentials'), join(folder, 'notes.csv'));
  symlinkSync(join(secret, 'otherclient-users.csv'), join(folder, 'users-extra.csv'));
  symlinkSync(secret, join(folder, 'subdir'));
  symlinkSync('.', join(folder, 'loop')); // a folder linking to itself stopped the whole import (ELOOP)
  const db = await EngagementDb.open(join(root, 'links.lrtw'));
  try {
    const result = await importFiles(db, [{ path: folder }], { settings: defaultSettings() });
    assert.deepEqual(result.sources.map((s) => s.file), ['users.csv']);
    assert.deepEqual(result.refused.map((r) => r.file).sort(), ['loop', 'notes.csv', 'subdir', 'users-extra.csv']);
    for (const r of result.refused) assert.match(r.reason, /^This is a symbolic link inside the chosen folder\. Links in a folder are not followed/);
    assert.ok(!JSON.stringify(result).includes('AKIASECRET'), 'no content of a linked file is quoted');
    const users = await db.all<{ user: string }>('SELECT "user" FROM users ORDER BY 1');
    assert.deepEqual(users.map((u) => u.user), ['ann@contoso.com']);
    // Chosen by name, the link is the analyst's choice: it loads.
    const chosen = await importFiles(db, [{ path: join(folder, 'users-extra.csv') }], { settings: defaultSettings() });
    assert.deepEqual(chosen.sources.map((s) => [s.file, s.rows_loaded]), [['users-extra.csv', 1]]);
  } finally {
    db.close();
  }
});

test('a pipe in a chosen folder, or a device chosen by name, is refused with its reason, never read nor dropped unsaid', async () => {
  const folder = join(root, 'with-pipe');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'users.csv'), 'email,first_name,last_name,offering_name\nann@contoso.com,Ann,Lee,Revit\n');
  execFileSync('mkfifo', [join(folder, 'pipe.csv')]);
  const db = await EngagementDb.open(join(root, 'pipe.lrtw'));
  try {
    const result = await importFiles(db, [{ path: folder }, { path: '/dev/zero' }], { settings: defaultSettings() });
    assert.deepEqual(result.sources.map((s) => s.file), ['users.csv']);
    assert.deepEqual(result.refused.map((r) => r.file).sort(), ['pipe.csv', 'zero']);
    for (const r of result.refused) assert.match(r.reason, /^This is not a regular file \(a device, pipe or socket\), so it is not read/);
    const plans = await scanFiles(db, [folder, '/dev/zero'], defaultSettings());
    assert.deepEqual(plans.filter((x) => x.refused).map((x) => x.file).sort(), ['pipe.csv', 'zero']);
  } finally {
    db.close();
  }
});
