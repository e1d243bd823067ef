// readXlsx on workbooks written by ExcelJS (as Autodesk-style exports are) and on hand-written XML parts:
// every cell must come back as the text a user sees, at the right column and row number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { readXlsx, type XlsxSheet } from '../../analysis/ingest/xlsx';
import { DEFAULT_LIMITS } from '../../analysis/ingest/limits';
import { RefusalError } from '../../analysis/ingest/types';
import { buildXlsx, buildZip, sheetXml } from '../hostile/zip-builder';

async function excelJsBytes(wb: ExcelJS.Workbook, useSharedStrings = true): Promise<Buffer> {
  // writeBuffer's option type omits useSharedStrings, which ExcelJS honours (false -> inline/str cells).
  const opts = { useSharedStrings } as unknown as Partial<ExcelJS.XlsxWriteOptions>;
  return Buffer.from(await wb.xlsx.writeBuffer(opts));
}

const isoDay = (d: Date): string => d.toISOString().slice(0, 10);
const isoStamp = (d: Date): string => d.toISOString().slice(0, 19).replace('T', ' ');
/** The contract: whole days as 'YYYY-MM-DD', anything with a time of day as 'YYYY-MM-DD HH:MM:SS'. */
const excelText = (d: Date): string => (d.getTime() % 86_400_000 === 0 ? isoDay(d) : isoStamp(d));

function sheet(sheets: XlsxSheet[], name: string): XlsxSheet {
  const s = sheets.find((x) => x.name === name);
  assert.ok(s, `sheet ${name} is returned`);
  return s;
}

interface UsageRow {
  email: string;
  first: string;
  offering: string;
  assigned: Date;
  unassigned: Date | null;
  daysUsed: number;
  monthlyAverage: number;
  tokens: number;
  lastAccessed: Date | null;
}

function usageRows(): UsageRow[] {
  const names = ['Ana', 'Bjørn', 'Chloé', 'Dara', 'Eve & Co', '<Frank>', 'Gül', '  spaced  '];
  const offerings = ['AutoCAD', 'Revit', 'Architecture Engineering & Construction Collection', 'Civil 3D'];
  const rows: UsageRow[] = [];
  for (let i = 0; i < 40; i++) {
    rows.push({
      email: `user${i}@contoso.com`,
      first: names[i % names.length]!,
      offering: offerings[i % offerings.length]!,
      assigned: new Date(Date.UTC(2024, i % 12, 1 + (i % 27))),
      unassigned: i % 5 === 0 ? new Date(Date.UTC(2025, 5, 30)) : null,
      daysUsed: (i * 7) % 200,
      monthlyAverage: Math.round(((i * 7) % 200) / 12 * 100) / 100,
      tokens: i % 3 === 0 ? 0 : i * 1.5,
      lastAccessed: i % 4 === 3 ? null : new Date(Date.UTC(2026, 8, 1 + (i % 28), i % 24, (i * 13) % 60, (i * 29) % 60)),
    });
  }
  return rows;
}

test('Usage Report export: filter block on sheet 1, data on sheet 2, read back exactly', async () => {
  const wb = new ExcelJS.Workbook();
  const filters = wb.addWorksheet('Filters');
  filters.addRow(['Usage Report']);
  filters.addRow(['Date range', '2026-01-01 to 2026-09-30']);
  filters.addRow([]);
  filters.addRow(['Team', 'All teams']);
  const data = wb.addWorksheet('Usage Report');
  const header = ['email', 'first_name', 'offering_name', 'assigned_date', 'unassigned_date', 'days_used', 'monthly_average', 'tokens_used', 'last_accessed'];
  data.addRow(header);
  const rows = usageRows();
  for (const r of rows) {
    data.addRow([r.email, r.first, r.offering, r.assigned, r.unassigned, r.daysUsed, r.monthlyAverage, r.tokens, r.lastAccessed]);
  }
  const sheets = readXlsx(await excelJsBytes(wb), DEFAULT_LIMITS);

  assert.deepEqual(sheets.map((s) => s.name), ['Filters', 'Usage Report']);
  assert.deepEqual(sheet(sheets, 'Filters').rows, [
    { line: 1, cells: ['Usage Report'] },
    { line: 2, cells: ['Date range', '2026-01-01 to 2026-09-30'] },
    { line: 4, cells: ['Team', 'All teams'] },
  ]);
  const got = sheet(sheets, 'Usage Report').rows;
  assert.equal(got.length, rows.length + 1);
  assert.deepEqual(got[0], { line: 1, cells: header });
  rows.forEach((r, i) => {
    const expected = [
      r.email,
      r.first,
      r.offering,
      isoDay(r.assigned),
      r.unassigned ? isoDay(r.unassigned) : '',
      String(r.daysUsed),
      String(r.monthlyAverage),
      String(r.tokens),
      r.lastAccessed ? excelText(r.lastAccessed) : '',
    ];
    // An empty last cell does not widen the row: trailing blanks are dropped, middle blanks kept as ''.
    while (expected.length > 0 && expected[expected.length - 1] === '') expected.pop();
    assert.deepEqual(got[i + 1], { line: i + 2, cells: expected }, `data row ${i + 2}`);
  });
});

test('inline strings, rich text, formulas, errors, booleans and number forms arrive as plain text', async () => {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Mixed');
  ws.addRow(['plain', { richText: [{ text: 'Rich ' }, { text: 'bold', font: { bold: true } }] }, '=HYPERLINK("http://x","y")', '+SUM(1,2)', '-2+3', '@SUM(A1)']);
  ws.addRow([0.0000001, 12345678901234, -42.5, 1e21, { formula: 'A3*2', result: 84 }, { error: '#N/A' }, true, false]);
  ws.getCell('A3').value = 42;
  ws.getCell('D3').value = 'gap before and after';
  ws.getCell('G3').value = 'far';
  for (const shared of [false, true]) {
    const [s] = readXlsx(await excelJsBytes(wb, shared), DEFAULT_LIMITS);
    assert.ok(s);
    assert.deepEqual(s.rows, [
      { line: 1, cells: ['plain', 'Rich bold', '=HYPERLINK("http://x","y")', '+SUM(1,2)', '-2+3', '@SUM(A1)'] },
      { line: 2, cells: ['0.0000001', '12345678901234', '-42.5', '1000000000000000000000', '84', '#N/A', 'TRUE', 'FALSE'] },
      { line: 3, cells: ['42', '', '', 'gap before and after', '', '', 'far'] },
    ], `useSharedStrings=${shared}`);
  }
});

test('custom and built-in date formats, times, durations and the 1904 date system', async () => {
  for (const date1904 of [false, true]) {
    const wb = new ExcelJS.Workbook();
    wb.properties.date1904 = date1904;
    const ws = wb.addWorksheet('Dates');
    const when = new Date(Date.UTC(2026, 1, 28, 17, 45, 30));
    const day = new Date(Date.UTC(1999, 11, 31));
    const row = ws.addRow([when, day, when, 45000.5, 0.75, 1.5, 12.5, 3]);
    row.getCell(1).numFmt = 'yyyy-mm-dd hh:mm:ss';
    row.getCell(2).numFmt = 'dd/mm/yyyy';
    row.getCell(3).numFmt = '[$-409]d-mmm-yy;@';
    row.getCell(4).numFmt = '0.00'; // a number, even though it looks like a serial
    row.getCell(5).numFmt = 'h:mm AM/PM';
    row.getCell(6).numFmt = '[h]:mm:ss';
    row.getCell(7).numFmt = '"Day" 0.0'; // quoted text: not a date
    row.getCell(8).numFmt = '[Red]0;[Blue]-0';
    const [s] = readXlsx(await excelJsBytes(wb), DEFAULT_LIMITS);
    assert.ok(s);
    assert.deepEqual(s.rows[0]?.cells, [isoStamp(when), isoDay(day), isoStamp(when), '45000.5', '18:00:00', '36:00:00', '12.5', '3'], `date1904=${date1904}`);
  }
});

test('1900 date system: serials around the phantom 29 Feb 1900 and built-in formats 14 and 22', () => {
  const styles =
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="22"/></cellXfs></styleSheet>';
  const cells = ['1', '59', '61', '25569', '45658', '45658.25'].map((v, i) => `<c r="${String.fromCharCode(65 + i)}1" s="${i === 5 ? 2 : 1}"><v>${v}</v></c>`);
  const xlsx = buildXlsx({ sheets: [{ name: 'S', xml: sheetXml(`<row r="1">${cells.join('')}</row>`) }], styles });
  const [s] = readXlsx(xlsx, DEFAULT_LIMITS);
  // Excel shows these serials as: 1900-01-01, 1900-02-28, 1900-03-01, 1970-01-01, 2025-01-01, 2025-01-01 06:00.
  assert.deepEqual(s?.rows[0]?.cells, ['1900-01-01', '1900-02-28', '1900-03-01', '1970-01-01', '2025-01-01', '2025-01-01 06:00:00']);
  // The 1904 system (old Mac workbooks): serial 0 is 1904-01-01, with no phantom leap day.
  const mac = buildXlsx({ sheets: [{ name: 'S', xml: sheetXml(`<row r="1">${cells.join('')}</row>`) }], styles, date1904: true });
  assert.deepEqual(readXlsx(mac, DEFAULT_LIMITS)[0]?.rows[0]?.cells, ['1904-01-02', '1904-02-29', '1904-03-02', '1974-01-02', '2029-01-02', '2029-01-02 06:00:00']);
});

test('hand-written parts: prefixes, rows and cells without r, entities, _xHHHH_ escapes, rich and phonetic runs', () => {
  const sst =
    '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
    '<si><t>R&amp;D &lt;EMEA&gt; &#x41;&#66; &quot;q&quot;</t></si>' +
    '<si><r><rPr><b/></rPr><t xml:space="preserve">Multi </t></r><r><t>run</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>' +
    '<si><t>line1_x000D__x000A_line2 keep_x005F_x0041_ literal_xZZZZ_</t></si>' +
    '<si><t><![CDATA[a < b & c]]></t></si>' +
    '</sst>';
  const rows =
    '<x:row><x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="s"><x:v>2</x:v></x:c></x:row>' + // no r at all: line 1
    '<x:row r="5"><x:c r="C5" t="s"><x:v>3</x:v></x:c><x:c t="inlineStr"><x:is><x:t>inline &amp; free</x:t></x:is></x:c></x:row>' + // D5 follows C5
    '<x:row><x:c r="B6" t="str"><x:f>A1&amp;"x"</x:f><x:v>formula text</x:v></x:c><x:c r="AA6"><x:v>1.5E-3</x:v></x:c></x:row>' + // line 6
    '<!-- a comment <c><v>9</v></c> --><x:row r="7"><x:c r="A7" t="e"><x:v>#DIV/0!</x:v></x:c><x:c r="B7" t="b"><x:v>1</x:v></x:c><x:c r="C7" t="d"><x:v>2026-03-04T00:00:00Z</x:v></x:c><x:c r="D7" t="d"><x:v>2026-03-04T05:06:07</x:v></x:c><x:c r="E7" s="0"/></x:row>';
  const xlsx = buildXlsx({
    sheets: [
      { name: 'Données & "co"', xml: sheetXml(rows, 'x') },
      { name: 'Empty', xml: sheetXml('') },
    ],
    sharedStrings: sst,
  });
  const sheets = readXlsx(xlsx, DEFAULT_LIMITS);
  assert.deepEqual(sheets.map((s) => s.name), ['Données & "co"', 'Empty']);
  const aa = new Array<string>(27).fill('');
  aa[1] = 'formula text';
  aa[26] = '0.0015';
  assert.deepEqual(sheets[0]?.rows, [
    { line: 1, cells: ['R&D <EMEA> AB "q"', 'Multi run', 'line1\r\nline2 keep_x0041_ literal_xZZZZ_'] },
    { line: 5, cells: ['', '', 'a < b & c', 'inline & free'] },
    { line: 6, cells: aa },
    { line: 7, cells: ['#DIV/0!', 'TRUE', '2026-03-04', '2026-03-04 05:06:07'] },
  ]);
  assert.deepEqual(sheets[1]?.rows, []);
});

test('ZIP64 archives (as streaming writers produce) are read the same as plain ones', () => {
  const parts = [
    { name: 'xl/workbook.xml', data: '<workbook xmlns:r="r"><sheets><sheet name="Users" r:id="rId1"/></sheets></workbook>' },
    { name: 'xl/_rels/workbook.xml.rels', data: '<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>' },
    { name: 'xl/worksheets/sheet1.xml', data: sheetXml('<row r="1"><c t="inlineStr"><is><t>email</t></is></c></row><row r="2"><c t="inlineStr"><is><t>a@contoso.com</t></is></c><c><v>7</v></c></row>') },
  ];
  const expected = [{ name: 'Users', rows: [{ line: 1, cells: ['email'] }, { line: 2, cells: ['a@contoso.com', '7'] }] }];
  assert.deepEqual(readXlsx(buildZip(parts), DEFAULT_LIMITS), expected);
  assert.deepEqual(readXlsx(buildZip(parts, { zip64: true }), DEFAULT_LIMITS), expected);
});

test('limits: too many columns or rows are refused with a reason that says what to do', () => {
  const wide = buildXlsx({ sheets: [{ name: 'Wide', xml: sheetXml('<row r="1"><c r="A1"><v>1</v></c><c r="K1"><v>2</v></c></row>') }] });
  assert.throws(
    () => readXlsx(wide, { ...DEFAULT_LIMITS, maxColumns: 10 }),
    (e: unknown) => e instanceof RefusalError && /row 1/.test(e.reason) && /column 11/.test(e.reason) && /10 columns/.test(e.reason),
  );
  assert.equal(readXlsx(wide, { ...DEFAULT_LIMITS, maxColumns: 11 })[0]?.rows[0]?.cells.length, 11);

  const rowsXml = Array.from({ length: 6 }, (_, i) => `<row r="${i + 1}"><c><v>${i}</v></c></row>`).join('');
  const tall = buildXlsx({ sheets: [{ name: 'A', xml: sheetXml(rowsXml) }, { name: 'B', xml: sheetXml(rowsXml) }] });
  assert.equal(readXlsx(tall, { ...DEFAULT_LIMITS, maxRows: 12 }).flatMap((s) => s.rows).length, 12);
  // The row limit is per file, across sheets.
  assert.throws(() => readXlsx(tall, { ...DEFAULT_LIMITS, maxRows: 11 }), (e: unknown) => e instanceof RefusalError && /more than 11 rows/.test(e.reason));

  const longText = buildXlsx({ sheets: [{ name: 'L', xml: sheetXml(`<row r="3"><c t="inlineStr"><is><t>${'x'.repeat(5000)}</t></is></c></row>`) }] });
  assert.throws(
    () => readXlsx(longText, { ...DEFAULT_LIMITS, maxLineChars: 4000 }),
    (e: unknown) => e instanceof RefusalError && /row 3/.test(e.reason) && /4000 characters/.test(e.reason),
  );
});

test('a 100,000-row sheet parses in a couple of seconds of CPU', () => {
  const N = 100_000;
  const emails = Array.from({ length: 400 }, (_, i) => `user${i}@contoso.com`);
  const parts: string[] = [];
  for (let r = 1; r <= N; r++) {
    parts.push(
      `<row r="${r}"><c r="A${r}" t="s"><v>${r % 400}</v></c><c r="B${r}" t="s"><v>${(r * 7) % 400}</v></c>` +
        `<c r="C${r}" s="1"><v>${45000 + (r % 365)}</v></c><c r="D${r}" s="2"><v>${45000 + (r % 365) + 0.25}</v></c>` +
        `<c r="E${r}"><v>${r % 250}</v></c><c r="F${r}"><v>${(r % 97) / 4}</v></c><c r="G${r}" t="inlineStr"><is><t>row ${r}</t></is></c>` +
        `<c r="H${r}"><v>${r}</v></c></row>`,
    );
  }
  const styles = '<styleSheet><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="22"/></cellXfs></styleSheet>';
  const xlsx = buildXlsx({ sheets: [{ name: 'Big', xml: sheetXml(parts.join('')) }], sharedStrings: emails, styles });
  const cpu = process.cpuUsage();
  const [s] = readXlsx(xlsx, DEFAULT_LIMITS);
  const used = process.cpuUsage(cpu);
  const seconds = (used.user + used.system) / 1e6;
  assert.equal(s?.rows.length, N);
  const last = s!.rows[N - 1]!;
  assert.equal(last.line, N);
  assert.deepEqual(last.cells.slice(0, 2), [emails[N % 400], emails[(N * 7) % 400]]);
  assert.equal(last.cells[6], `row ${N}`);
  assert.ok(seconds < 5, `parsing took ${seconds.toFixed(2)} s of CPU`);
});
