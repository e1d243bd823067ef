// Hostile XLSX input, in a file of its own: the process's resident memory is part of what is asserted, and the
// other hostile cases leave garbage behind that would count against it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../../analysis/ingest/limits';
import { buildXlsx, sheetXml } from './zip-builder';
import { runIsolated, TWO_GIB } from './isolate';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lrtw-hostile-rows-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('a small file of bare rows that inflates past Excel\'s rows is refused, not read into memory until the engine dies', async () => {
  // Rows without r="" follow one another: 1,048,577 of them (1 MB zipped) is more than any spreadsheet program writes.
  // Before, rows were counted only against 100 million, and 24 million such rows took the engine past its heap.
  const bare = '<row><c t="s"><v>0</v></c></row>'.repeat(1_048_577);
  const path = join(dir, 'bare-rows.xlsx');
  writeFileSync(path, buildXlsx({ sheets: [{ name: 'S', xml: sheetXml(bare) }], sharedStrings: ['x'] }));
  const r = await runIsolated(path, 'xlsx', DEFAULT_LIMITS, 60_000);
  assert.equal(r.outcome, 'refused', r.reason);
  assert.ok(r.peakRss < TWO_GIB * 0.6, `resident memory reached ${(r.peakRss / 1024 ** 2).toFixed(0)} MiB`);
  assert.match(r.reason ?? '', /Sheet "S" holds more than Excel's 1,048,576 rows, so no spreadsheet program wrote it\. Export the data as CSV instead\./);
});

test('merged ranges laid over a whole sheet again and again are refused in good time, not filled merges x rows', async () => {
  // 20,000 rows and 65,530 merges each covering all of them: filled naively, 1.3 billion cell visits.
  const rows = Array.from({ length: 20_000 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}" t="s"><v>0</v></c></row>`).join('');
  const merges = Array.from({ length: 65_530 }, () => '<mergeCell ref="B1:B20000"/>').join('');
  const xml = sheetXml(rows).replace('</worksheet>', `<mergeCells count="65530">${merges}</mergeCells></worksheet>`);
  const path = join(dir, 'merges.xlsx');
  writeFileSync(path, buildXlsx({ sheets: [{ name: 'S', xml }], sharedStrings: ['x'] }));
  const started = Date.now();
  const r = await runIsolated(path, 'xlsx', DEFAULT_LIMITS, 60_000);
  // Column B's top cell is empty, so nothing is filled: read in full and quickly.
  assert.equal(r.outcome, 'ok', r.reason);
  assert.ok(Date.now() - started < 30_000, `${Date.now() - started} ms`);
  // With a value on top, the fill runs into its budget and the file is refused with a reason.
  const filled = sheetXml(rows.replace('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>0</v></c></row>'))
    .replace('</worksheet>', `<mergeCells count="65530">${merges}</mergeCells></worksheet>`);
  writeFileSync(path, buildXlsx({ sheets: [{ name: 'S', xml: filled }], sharedStrings: ['x'] }));
  const again = await runIsolated(path, 'xlsx', DEFAULT_LIMITS, 60_000);
  assert.equal(again.outcome, 'refused', again.reason);
  assert.match(again.reason ?? '', /^This workbook's merged cells cover more than 5,000,000 cells\./);
});
