// findings.csv cells: RFC 4180 quoting, formula neutralising on every text cell, money unrounded (the
// cell rules export/csv.ts applies to findings.csv and every other CSV of the pack).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvBlock, csvField, csvLine, neutraliseFormula } from '../../analysis/export/csv';
import { FINDINGS_CSV_COLUMNS } from '../../analysis/model';

const base = {
  finding_id: 'abc', type: 'unassigned_usage', severity: 'high', user: 'a@contoso.com', product: 'RVT', offering: 'AECCOL',
  units: 1, annual_value: 2985.123456789, first_seen: '2026-01-02', last_seen: '2026-03-04', evidence_count: 12, detail: 'plain',
} as Record<string, string | number | null>;
const row = (f: Record<string, string | number | null>) => csvLine(FINDINGS_CSV_COLUMNS.map((c) => f[c]));

test('a finding becomes one CSV record in the contract column order', () => {
  assert.equal(csvLine(FINDINGS_CSV_COLUMNS), 'finding_id,type,severity,user,product,offering,units,annual_value,first_seen,last_seen,evidence_count,detail\r\n');
  assert.equal(row(base), 'abc,unassigned_usage,high,a@contoso.com,RVT,AECCOL,1,2985.123456789,2026-01-02,2026-03-04,12,plain\r\n');
});

test('commas, quotes, line breaks and edge spaces are quoted; formulas in any text cell are neutralised', () => {
  const r = row({ ...base, user: '-2+3@evil.com', detail: 'a, "b"\nc', product: null });
  assert.ok(r.startsWith("abc,unassigned_usage,high,'-2+3@evil.com,,AECCOL,"), r);
  assert.ok(r.endsWith(',"a, ""b""\nc"\r\n'), r);
  assert.equal(csvField('x\ry'), '"x\ry"');
  assert.equal(csvField(' padded'), '" padded"');
  assert.equal(neutraliseFormula('\r=1'), "'\r=1");
  assert.equal(neutraliseFormula('a=1'), 'a=1');
});

test('a column-major block is the same bytes as its rows one by one', () => {
  const rows = [base, { ...base, finding_id: 'abd', user: '=1+1' }, { ...base, finding_id: 'abe', detail: null }];
  const columns = FINDINGS_CSV_COLUMNS.map((c) => rows.map((r) => r[c]));
  assert.equal(csvBlock(columns, rows.length), rows.map(row).join(''));
});
