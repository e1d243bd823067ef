// Hostile XLSX input (issue #3 item 4, DATA-CONTRACT §1.7): every file below is built at test time under
// os.tmpdir() and read in an isolated worker. Each must end in a refusal with a reason that says what to do, or
// in a correct read: never a hang, a crash, memory near 2 GiB, or a polluted Object.prototype.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEFAULT_LIMITS, type IngestLimits } from '../../analysis/ingest/limits';
import { readXlsx } from '../../analysis/ingest/xlsx';
import { RefusalError } from '../../analysis/ingest/types';
import { buildXlsx, buildZip, deflateBomb, zipBomb, sheetXml, xmlEscape, type RawEntry } from './zip-builder';
import { runIsolated, TWO_GIB, type IsolatedResult } from './isolate';

let dir = '';
const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lrtw-hostile-xlsx-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, bytes: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** What every hostile case must satisfy, whatever the outcome. */
function assertSafe(r: IsolatedResult, what: string): void {
  assert.notEqual(r.outcome, 'crashed', `${what}: the reader crashed: ${r.reason}`);
  assert.equal(r.polluted, false, `${what}: Object.prototype changed`);
  assert.ok(r.peakRss < TWO_GIB * 0.6, `${what}: resident memory reached ${(r.peakRss / 1024 ** 2).toFixed(0)} MiB`);
  assert.ok(r.heapUsed < TWO_GIB / 2, `${what}: heap reached ${(r.heapUsed / 1024 ** 2).toFixed(0)} MiB`);
}

/** Refused, with a reason naming the problem and telling the analyst what to do. */
function assertRefused(r: IsolatedResult, what: string, problem: RegExp): void {
  assertSafe(r, what);
  assert.equal(r.outcome, 'refused', `${what}: expected a refusal, got ${r.outcome}`);
  assert.match(r.reason ?? '', problem, `${what}: reason "${r.reason}"`);
  assert.match(r.reason ?? '', /\b(save|export|split|remove|delete|check)\b/i, `${what}: the reason says what to do: "${r.reason}"`);
}

const tight: IngestLimits = { ...DEFAULT_LIMITS, maxEntryBytes: 48 * 1024 ** 2, maxUncompressedBytes: 100 * 1024 ** 2 };
const goodSheet = sheetXml('<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>a@contoso.com</t></is></c></row>');

test('zip bomb: a sheet declared as 1 KiB that inflates past the limit is refused on actual bytes', async () => {
  // 1,100 MiB of spaces behind a header that claims 1,000 bytes; default limits (768 MiB per part, 1 GiB total).
  const entries: RawEntry[] = [
    { name: '[Content_Types].xml', data: '<Types/>' },
    { name: 'xl/workbook.xml', data: '<workbook xmlns:r="r"><sheets><sheet name="Data" r:id="rId1"/></sheets></workbook>' },
    { name: 'xl/_rels/workbook.xml.rels', data: '<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>' },
    { name: 'xl/worksheets/sheet1.xml', compressed: deflateBomb(1100), declaredSize: 1000 },
  ];
  const r = await runIsolated(file('bomb-default.xlsx', buildZip(entries)), 'xlsx', DEFAULT_LIMITS, 120_000);
  assertRefused(r, 'zip bomb with default limits', /unpacks to more than 768 MiB/);

  // The same trick against a tight per-part limit, and against the whole-archive total with parts under the per-part limit.
  const r2 = await runIsolated(file('bomb-tight.xlsx', buildZip(entries)), 'xlsx', tight);
  assertRefused(r2, 'zip bomb with a 48 MiB part limit', /more than 48 MiB/);
  // Each part is a valid 40 MiB worksheet (empty elements), so only the running total can stop the third one.
  const validSheet = zipBomb(40, '<x/>', '<worksheet><sheetData>', '</sheetData></worksheet>');
  const many: RawEntry[] = [
    entries[0]!,
    { name: 'xl/workbook.xml', data: `<workbook xmlns:r="r"><sheets>${[1, 2, 3].map((i) => `<sheet name="S${i}" r:id="rId${i}"/>`).join('')}</sheets></workbook>` },
    { name: 'xl/_rels/workbook.xml.rels', data: `<Relationships>${[1, 2, 3].map((i) => `<Relationship Id="rId${i}" Type="x/worksheet" Target="worksheets/sheet${i}.xml"/>`).join('')}</Relationships>` },
    ...[1, 2, 3].map((i) => ({ name: `xl/worksheets/sheet${i}.xml`, compressed: validSheet.compressed, declaredSize: validSheet.size, crc: validSheet.crc })),
  ];
  const r3 = await runIsolated(file('bomb-total.xlsx', buildZip(many)), 'xlsx', tight);
  assertRefused(r3, 'three 40 MiB parts against a 100 MiB total', /more than 100 MiB in total/);
});

test('a bomb in a part the reader does not need is never inflated', async () => {
  const bytes = buildXlsx({
    sheets: [{ name: 'Users', xml: goodSheet }],
    extra: [{ name: 'xl/media/image1.png', compressed: deflateBomb(2000), declaredSize: 12 }],
  });
  const r = await runIsolated(file('bomb-unused.xlsx', bytes), 'xlsx', DEFAULT_LIMITS);
  assertSafe(r, 'unused bomb');
  assert.equal(r.outcome, 'ok', r.reason);
  assert.deepEqual(r.sheets?.[0]?.rows, [
    { line: 1, cells: ['email'] },
    { line: 2, cells: ['a@contoso.com'] },
  ]);
});

test('overlapping entries (a non-recursive zip bomb) are refused', async () => {
  const good = buildXlsx({ sheets: [{ name: 'S', xml: goodSheet }] });
  // Point the second central header at the first entry's local header: two names, one payload.
  const eocd = good.length - 22;
  const cdOffset = good.readUInt32LE(eocd + 16);
  const bytes = Buffer.from(good);
  let p = cdOffset;
  let first = -1;
  for (let i = 0; i < 2; i++) {
    const nameLen = bytes.readUInt16LE(p + 28);
    if (i === 0) first = bytes.readUInt32LE(p + 42);
    else bytes.writeUInt32LE(first, p + 42);
    p += 46 + nameLen + bytes.readUInt16LE(p + 30) + bytes.readUInt16LE(p + 32);
  }
  const r = await runIsolated(file('overlap.xlsx', bytes), 'xlsx', DEFAULT_LIMITS);
  assertRefused(r, 'overlapping entries', /damaged/);
});

test('20,000 entries are refused, also when the directory count lies', async () => {
  const entries: RawEntry[] = [];
  for (let i = 0; i < 20_000; i++) entries.push({ name: `xl/junk/${i}.xml`, data: '', method: 0 });
  const honest = buildZip(entries);
  const r = await runIsolated(file('entries.xlsx', honest), 'xlsx', DEFAULT_LIMITS);
  assertRefused(r, '20,000 entries', /20000 internal files, more than the limit of 10000/);
  const lying = Buffer.from(honest);
  lying.writeUInt16LE(3, lying.length - 22 + 8);
  lying.writeUInt16LE(3, lying.length - 22 + 10);
  const r2 = await runIsolated(file('entries-lying.xlsx', lying), 'xlsx', DEFAULT_LIMITS);
  assertRefused(r2, '20,000 entries with a count of 3', /more than 10000 internal files/);
});

test('path traversal, absolute, backslash and NUL names are refused and nothing is written', async () => {
  const cases: Array<[string, RegExp]> = [
    ['../../evil.xml', /outside the archive/],
    ['xl/../../evil.xml', /outside the archive/],
    ['/etc/evil.xml', /absolute path/],
    ['C:/evil.xml', /absolute path/],
    ['..\\..\\evil.xml', /backslash/],
    ['xl/evil\0.xml', /NUL/],
  ];
  for (const [name, why] of cases) {
    const bytes = buildXlsx({ sheets: [{ name: 'S', xml: goodSheet }], extra: [{ name, data: '<x/>' }] });
    const r = await runIsolated(file('traversal.xlsx', bytes), 'xlsx', DEFAULT_LIMITS);
    assertRefused(r, `entry named ${JSON.stringify(name)}`, why);
  }
  assert.equal(existsSync(join(dirname(dir), 'evil.xml')), false);
  assert.equal(existsSync(join(dir, 'evil.xml')), false);
  // A relationship target that climbs out of the package is refused the same way.
  const rel = buildZip([
    { name: 'xl/workbook.xml', data: '<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>' },
    { name: 'xl/_rels/workbook.xml.rels', data: '<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="../../../etc/passwd"/></Relationships>' },
  ]);
  assertRefused(await runIsolated(file('rel-traversal.xlsx', rel), 'xlsx', DEFAULT_LIMITS), 'relationship traversal', /outside the archive/);
});

test('not a workbook: a ZIP without xl/workbook.xml, garbage, an empty file, an old .xls', async () => {
  const noWorkbook = buildZip([{ name: 'word/document.xml', data: '<document/>' }, { name: 'readme.txt', data: 'hello' }]);
  assertRefused(await runIsolated(file('docs.xlsx', noWorkbook), 'xlsx', DEFAULT_LIMITS), 'zip without workbook', /not an Excel workbook/);
  const garbage = randomBytes(256 * 1024);
  garbage[0] = 0x00; // never starts like a ZIP by accident
  assertRefused(await runIsolated(file('garbage.xlsx', garbage), 'xlsx', DEFAULT_LIMITS), 'random bytes', /not an Excel workbook/);
  // Random bytes after a real ZIP signature: the directory cannot be found or makes no sense.
  const fake = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(64 * 1024)]);
  assertRefused(await runIsolated(file('fake-zip.xlsx', fake), 'xlsx', DEFAULT_LIMITS), 'ZIP signature then garbage', /damaged/);
  assertRefused(await runIsolated(file('empty.xlsx', Buffer.alloc(0)), 'xlsx', DEFAULT_LIMITS), 'empty file', /empty/);
  const ole = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), randomBytes(4096)]);
  assertRefused(await runIsolated(file('legacy.xlsx', ole), 'xlsx', DEFAULT_LIMITS), 'OLE compound file', /password-protected|old-format/);
  // A real workbook cut in half.
  const good = buildXlsx({ sheets: [{ name: 'S', xml: goodSheet }] });
  assertRefused(await runIsolated(file('truncated.xlsx', good.subarray(0, good.length >> 1)), 'xlsx', DEFAULT_LIMITS), 'truncated', /damaged/);
});

test('encrypted entries, unknown compression, wrong checksums and bad offsets are refused', async () => {
  const ok = (extra: Partial<RawEntry>): Buffer =>
    buildXlsx({ sheets: [{ name: 'S', xml: goodSheet }], extra: [{ name: 'xl/worksheets/sheet9.xml', data: '<worksheet/>', ...extra }] });
  assertRefused(await runIsolated(file('enc.xlsx', ok({ flags: 1 })), 'xlsx', DEFAULT_LIMITS), 'encrypted entry', /encrypted/);
  assertRefused(await runIsolated(file('bzip.xlsx', ok({ method: 12 })), 'xlsx', DEFAULT_LIMITS), 'bzip2 entry', /unsupported method \(12\)/);
  // A checksum that does not match the sheet's bytes: the sheet is needed, so it is checked.
  const badCrc = buildXlsx({ sheets: [{ name: 'S', xml: goodSheet }] });
  const crcAt = badCrc.indexOf(Buffer.from('xl/worksheets/sheet1.xml')) - 30 + 14;
  badCrc.writeUInt32LE((badCrc.readUInt32LE(crcAt) ^ 0xffff) >>> 0, crcAt);
  const cd = badCrc.readUInt32LE(badCrc.length - 22 + 16);
  const cdName = badCrc.indexOf(Buffer.from('xl/worksheets/sheet1.xml'), cd);
  badCrc.writeUInt32LE((badCrc.readUInt32LE(cdName - 46 + 16) ^ 0xffff) >>> 0, cdName - 46 + 16);
  assertRefused(await runIsolated(file('crc.xlsx', badCrc), 'xlsx', DEFAULT_LIMITS), 'bad checksum', /checksum/);
  // The central directory points a header beyond the end of the data.
  const badOffset = buildXlsx({ sheets: [{ name: 'S', xml: goodSheet }] });
  const cd2 = badOffset.readUInt32LE(badOffset.length - 22 + 16);
  badOffset.writeUInt32LE(badOffset.length - 10, cd2 + 42);
  assertRefused(await runIsolated(file('offset.xlsx', badOffset), 'xlsx', DEFAULT_LIMITS), 'bad offset', /damaged/);
});

test('billion laughs: a DOCTYPE with entity declarations is refused, never expanded', async () => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
    ']>';
  const inSheet = buildXlsx({ sheets: [{ name: 'S', xml: `${laughs}<worksheet><sheetData><row><c t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>` }] });
  const inStrings = buildXlsx({ sheets: [{ name: 'S', xml: goodSheet }], sharedStrings: `${laughs}<sst><si><t>&lol9;</t></si></sst>` });
  const inWorkbook = buildXlsx({
    sheets: [{ name: 'S', xml: goodSheet }],
    workbookXml: `${laughs}<workbook xmlns:r="r"><sheets><sheet name="&lol9;" r:id="rId1"/></sheets></workbook>`,
  });
  for (const [name, bytes] of [['sheet', inSheet], ['sharedStrings', inStrings], ['workbook', inWorkbook]] as const) {
    const r = await runIsolated(file(`laughs-${name}.xlsx`, bytes), 'xlsx', DEFAULT_LIMITS, 10_000);
    assertRefused(r, `DOCTYPE in ${name}`, /DOCTYPE/);
  }
  // An undeclared entity reference stays literal text.
  const literal = buildXlsx({ sheets: [{ name: 'S', xml: sheetXml('<row><c t="inlineStr"><is><t>&lol9; &amp;</t></is></c></row>') }] });
  assert.deepEqual(readXlsx(literal, DEFAULT_LIMITS)[0]?.rows[0]?.cells, ['&lol9; &']);
});

test('prototype-pollution names as sheet names, headers, shared strings, attributes and relationship ids', async () => {
  const evil = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty', 'toString'];
  const header = evil.map((h, i) => `<c r="${String.fromCharCode(65 + i)}1" t="s"><v>${i}</v></c>`).join('');
  const data = evil.map((h, i) => `<c r="${String.fromCharCode(65 + i)}2" t="inlineStr"><is><t>${xmlEscape(`{"polluted":"yes ${h}"}`)}</t></is></c>`).join('');
  const sheets = ['__proto__', 'constructor', 'prototype'].map((name) => ({
    name,
    xml: sheetXml(`<row r="1" __proto__="x" constructor="y">${header}</row><row r="2">${data}</row>`),
  }));
  const entries: RawEntry[] = [
    { name: 'xl/workbook.xml', data: `<workbook xmlns:r="r"><sheets>${sheets.map((s, i) => `<sheet name="${s.name}" r:id="${['__proto__', 'constructor', 'prototype'][i]}"/>`).join('')}</sheets></workbook>` },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: `<Relationships>${['__proto__', 'constructor', 'prototype'].map((id, i) => `<Relationship Id="${id}" Type="x/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('')}<Relationship Id="rS" Type="x/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    },
    { name: 'xl/sharedStrings.xml', data: `<sst><__proto__ polluted="yes"/>${evil.map((e) => `<si><t>${e}</t></si>`).join('')}</sst>` },
    ...sheets.map((s, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, data: s.xml })),
  ];
  const bytes = buildZip(entries);
  const r = await runIsolated(file('proto.xlsx', bytes), 'xlsx', DEFAULT_LIMITS);
  assertSafe(r, 'prototype names');
  assert.equal(r.outcome, 'ok', r.reason);
  assert.deepEqual(r.sheets?.map((s) => s.name), ['__proto__', 'constructor', 'prototype']);
  for (const s of r.sheets ?? []) {
    assert.deepEqual(s.rows[0]?.cells, evil);
    assert.deepEqual(s.rows[1]?.cells, evil.map((h) => `{"polluted":"yes ${h}"}`));
  }
  // The same parse in this realm: Object.prototype untouched, results are plain arrays of strings.
  const local = readXlsx(bytes, DEFAULT_LIMITS);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getOwnPropertyNames(Object.prototype).sort().join(','), protoBefore);
  assert.equal(Object.getPrototypeOf(local[0]), Object.prototype);
  assert.equal(typeof local[0]?.rows[0]?.cells[0], 'string');
});

test('formula-looking values arrive as plain strings and formulas are never evaluated', async () => {
  const formulas = ['=HYPERLINK("http://x","y")', '+SUM(1,2)', '-2+3', '@SUM(A1)', '=cmd|\' /C calc\'!A0'];
  const rowShared = formulas.map((_, i) => `<c r="${String.fromCharCode(65 + i)}1" t="s"><v>${i}</v></c>`).join('');
  const rowInline = formulas.map((f, i) => `<c r="${String.fromCharCode(65 + i)}2" t="inlineStr"><is><t>${xmlEscape(f)}</t></is></c>`).join('');
  // A formula cell with a cached result gives the result; without one it gives '' (we never compute).
  const rowFormula = '<c r="A3"><f>1+1</f><v>2</v></c><c r="B3" t="str"><f>HYPERLINK("http://x","y")</f><v>y</v></c><c r="C3"><f>NOW()</f></c><c r="D3"><v>7</v></c>';
  const bytes = buildXlsx({ sheets: [{ name: 'S', xml: sheetXml(`<row r="1">${rowShared}</row><row r="2">${rowInline}</row><row r="3">${rowFormula}</row>`) }], sharedStrings: formulas });
  const r = await runIsolated(file('formulas.xlsx', bytes), 'xlsx', DEFAULT_LIMITS);
  assertSafe(r, 'formulas');
  assert.deepEqual(r.sheets?.[0]?.rows, [
    { line: 1, cells: formulas },
    { line: 2, cells: formulas },
    { line: 3, cells: ['2', 'y', '', '7'] },
  ]);
});

test('XML built to make a parser slow, deep or huge stays linear and bounded', async () => {
  const cases: Array<[string, string, RegExp | null]> = [
    // 2 MiB of bare ampersands with one ';' at the end: a naive entity decoder goes quadratic.
    ['ampersands', sheetXml(`<row><c t="inlineStr"><is><t>${'&amp;&'.repeat(300_000)};</t></is></c></row>`), null],
    // 200,000 attributes without a namespace colon on one element.
    ['attributes', sheetXml(`<row ${Array.from({ length: 200_000 }, (_, i) => `a${i}="1"`).join(' ')}><c><v>1</v></c></row>`), null],
    // 500,000 levels of nesting: the scanner keeps no stack, so no recursion to overflow.
    ['nesting', sheetXml(`<row>${'<x>'.repeat(500_000)}${'</x>'.repeat(500_000)}<c><v>1</v></c></row>`), null],
    // One text node longer than any cell may be.
    ['long-text', sheetXml(`<row><c t="inlineStr"><is><t>${'y'.repeat(2_500_000)}</t></is></c></row>`), /longer than 1000000 characters/],
    // An unterminated comment and an unterminated attribute swallow the rest of the part.
    ['open-comment', sheetXml(`<!-- ${'z'.repeat(10_000_000)}`), /single XML item longer|ends in the middle/],
    ['open-attr', sheetXml(`<row r="${'9'.repeat(10_000_000)}`), /single XML item longer|ends in the middle/],
    // Column XFD and a row number beyond Excel's.
    ['far-column', sheetXml('<row r="1"><c r="XFD1"><v>1</v></c></row>'), /column 16384, beyond the limit of 1000 columns/],
    ['bad-column', sheetXml('<row r="1"><c r="XFDA1"><v>1</v></c></row>'), /invalid cell reference/],
    ['huge-row', sheetXml('<row r="99999999999"><c><v>1</v></c></row>'), /invalid row number/],
    ['missing-string', sheetXml('<row r="1"><c t="s"><v>5</v></c></row>'), /refers to a text that does not exist/],
  ];
  for (const [name, xml, refusal] of cases) {
    const bytes = buildXlsx({ sheets: [{ name: 'S', xml }], sharedStrings: ['only one'] });
    const r = await runIsolated(file(`slow-${name}.xlsx`, bytes), 'xlsx', DEFAULT_LIMITS, 20_000);
    if (refusal) assertRefused(r, name, refusal);
    else {
      assertSafe(r, name);
      assert.equal(r.outcome, 'ok', `${name}: ${r.reason}`);
    }
  }
  // Gap filling is bounded by the column limit: a value at column 1000 in each of many rows is fine...
  const wide = Array.from({ length: 2000 }, (_, i) => `<row r="${i + 1}"><c r="ALL${i + 1}"><v>1</v></c></row>`).join('');
  const r = await runIsolated(file('wide.xlsx', buildXlsx({ sheets: [{ name: 'S', xml: sheetXml(wide) }] })), 'xlsx', DEFAULT_LIMITS);
  assertSafe(r, 'wide rows');
  assert.equal(r.outcome, 'ok', r.reason);
});

test('invalid UTF-8 (Latin-1 bytes) inside the XML is read, not crashed on', async () => {
  const sheet = Buffer.concat([
    Buffer.from(sheetXml('<row r="1"><c t="inlineStr"><is><t>MARKER</t></is></c></row>').split('MARKER')[0]!, 'utf8'),
    Buffer.from('Jos\xe9 M\xfcller', 'latin1'),
    Buffer.from(sheetXml('<row r="1"><c t="inlineStr"><is><t>MARKER</t></is></c></row>').split('MARKER')[1]!, 'utf8'),
  ]);
  // The sheet part as raw bytes (buildXlsx would write strings as UTF-8).
  const raw = buildZip([
    { name: 'xl/workbook.xml', data: '<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>' },
    { name: 'xl/_rels/workbook.xml.rels', data: '<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>' },
    { name: 'xl/worksheets/sheet1.xml', data: sheet },
  ]);
  const r = await runIsolated(file('latin1-inside.xlsx', raw), 'xlsx', DEFAULT_LIMITS);
  assertSafe(r, 'latin-1 in xml');
  assert.equal(r.outcome, 'ok', r.reason);
  assert.equal(r.sheets?.[0]?.rows[0]?.cells[0], 'Jos\ufffd M\ufffdller');
});

test('stored (uncompressed) parts are limited too', () => {
  const big = 'a'.repeat(3 * 1024 * 1024);
  const stored = buildZip([
    { name: 'xl/workbook.xml', data: '<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>', method: 0 },
    { name: 'xl/_rels/workbook.xml.rels', data: '<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>', method: 0 },
    { name: 'xl/worksheets/sheet1.xml', data: `<worksheet><sheetData/><!--${big}--></worksheet>`, method: 0 },
  ]);
  assert.throws(() => readXlsx(stored, { ...DEFAULT_LIMITS, maxEntryBytes: 2 * 1024 * 1024 }), (e: unknown) => e instanceof RefusalError && /more than 2 MiB/.test(e.reason));
  assert.deepEqual(readXlsx(stored, DEFAULT_LIMITS)[0]?.rows, []);
});

test('one long shared text used by thousands of cells (a few KB standing for gigabytes) is refused by its text in all', async () => {
  // 999,000 characters once, used by column A of 3,000 rows: 3 billion characters if every cell were taken whole.
  const rows = Array.from({ length: 3000 }, (_, i) => `<row r="${i + 2}"><c r="A${i + 2}" t="s"><v>0</v></c><c r="B${i + 2}" t="inlineStr"><is><t>RVT</t></is></c></row>`).join('');
  const bytes = buildXlsx({
    sheets: [{ name: 'Sessions', xml: sheetXml(`<row r="1"><c r="A1" t="inlineStr"><is><t>user</t></is></c><c r="B1" t="inlineStr"><is><t>product</t></is></c></row>${rows}`) }],
    sharedStrings: ['x'.repeat(999_000)],
  });
  assert.ok(bytes.length < 100_000, `${bytes.length} bytes`);
  const r = await runIsolated(file('shared-amplified.xlsx', bytes), 'xlsx', DEFAULT_LIMITS, 120_000);
  assertRefused(r, 'one shared text in 3,000 cells', /cells hold more than 536,870,912 characters of text in all/);
});
