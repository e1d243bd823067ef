// findings.csv cells: RFC 4180 quoting, formula neutralising on every text cell, dates as YYYY-MM-DD, money unrounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findingsCsvText, csvField, neutraliseFormula } from '../../analysis/findings-csv';
import type { Finding } from '../../analysis/model';

const base: Finding = {
  finding_id: 'abc', type: 'unassigned_usage', family: 'gap', severity: 'high', user: 'a@contoso.com', product: 'RVT', offering: 'AECCOL',
  units: 1, annual_value: 2985.123456789, price: 2985.123456789, list_price: 3000, months: 3, first_seen: '2026-01-02', last_seen: '2026-03-04',
  evidence_count: 12, detail: 'plain', counted_in_savings: false,
};

test('a finding becomes one CSV record in the contract column order', () => {
  const [header, row] = findingsCsvText([base]).split('\r\n');
  assert.equal(header, 'finding_id,type,severity,user,product,offering,units,annual_value,first_seen,last_seen,evidence_count,detail');
  assert.equal(row, 'abc,unassigned_usage,high,a@contoso.com,RVT,AECCOL,1,2985.123456789,2026-01-02,2026-03-04,12,plain');
});

test('commas, quotes and line breaks are quoted; formulas in any text cell are neutralised', () => {
  const text = findingsCsvText([{ ...base, user: '-2+3@evil.com', detail: 'a, "b"\nc', product: null }]);
  const row = text.split('\r\n').slice(1).join('\r\n');
  assert.ok(row.startsWith("abc,unassigned_usage,high,'-2+3@evil.com,,AECCOL,"), row);
  assert.ok(row.endsWith(',"a, ""b""\nc"\r\n'), row);
  assert.equal(csvField('x\ry'), '"x\ry"');
  assert.equal(neutraliseFormula('\r=1'), "'\r=1");
  assert.equal(neutraliseFormula('a=1'), 'a=1');
});
