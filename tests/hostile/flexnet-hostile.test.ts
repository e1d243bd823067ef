// A FlexNet log is client text like any other: a line built to make the date patterns backtrack must be read in
// linear time, and the real banner dates still read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlexnetLog } from '../../analysis/ingest/flexnet';
import { loadCatalogue } from '../../analysis/catalogue/catalogue';

const catalogue = loadCatalogue();

test('a line repeating "started on (1/1/2000)x" tens of thousands of times is read in well under a second', () => {
  // Each repetition offered the old pattern `started on .*\(` another start and another "(" to backtrack to: 8,000
  // took 2.4 s, and it grows faster than the square. 30,000 here, three lines of it.
  const hostile = `10:00:00 (lmgrd) ${'started on (1/1/2000)x '.repeat(30_000)}`;
  const text = ['10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 242433 x64_n6) started on SERVER01 (IBM PC) (3/1/2016)', hostile, hostile, hostile,
    '10:05:00 (adskflex) OUT: "64300ACD_F" alice@PC01  ', '11:05:00 (adskflex) IN: "64300ACD_F" alice@PC01  '].join('\n');
  const started = performance.now();
  const items = parseFlexnetLog(text, { catalogue });
  const ms = performance.now() - started;
  assert.ok(ms < 1000, `read in ${ms.toFixed(0)} ms`);
  // The banner's date still places the session.
  assert.ok(JSON.stringify(items).includes('2016-03-01'), JSON.stringify(items).slice(0, 400));
});
