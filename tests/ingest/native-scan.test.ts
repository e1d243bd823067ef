// The byte scan run with the SHA-256 pass decides whether DuckDB may read a file itself and how much
// trimming its cells need. Its answers must not depend on where the file's read chunks happen to split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NativeScanner, type NativeScanResult } from '../../analysis/ingest/native-scan';

/** Scans `text` whole, then cut at every position into two chunks, and checks every scan agrees. */
function scan(text: string): NativeScanResult {
  const bytes = Buffer.from(text, 'utf8');
  const whole = new NativeScanner();
  whole.push(bytes);
  const expected = whole.end();
  for (let cut = 1; cut < bytes.length; cut++) {
    const s = new NativeScanner();
    s.push(bytes.subarray(0, cut));
    s.push(bytes.subarray(cut));
    const got = s.end();
    // Once a file is blocked the scan stops counting: only the blocker matters then.
    if (expected.blocker !== null) assert.equal(got.blocker, expected.blocker, `cut at byte ${cut} of ${JSON.stringify(text)}`);
    else assert.deepEqual(got, expected, `cut at byte ${cut} of ${JSON.stringify(text)}`);
  }
  return expected;
}

const COMMA = 0x2c;
const SEMI = 0x3b;

test('plain files: line count, ASCII, and no cell edged by a space when spaces sit only inside cells', () => {
  const r = scan('id,user,os\n1,ann@contoso.com,Windows 11 Pro\n2,bob@contoso.com,macOS 14\n');
  assert.equal(r.blocker, null);
  assert.equal(r.lines, 3);
  assert.equal(r.ascii, true);
  assert.deepEqual(r.spaceBeside, []);
});

test('a space beside a delimiter or at a line edge is reported, wherever the chunks split', () => {
  assert.deepEqual(scan('a,b\n1, x\n').spaceBeside, [COMMA]);
  assert.deepEqual(scan('a,b\n1,x \n').spaceBeside, [10]);
  assert.deepEqual(scan('a,b\r\n1,x \r\n').spaceBeside, [13]);
  assert.deepEqual(scan(' a,b\n1,x\n').spaceBeside, [-1]);
  assert.deepEqual(scan('a,b\n1,x ').spaceBeside, [-1]);
  // A semicolon file whose cells hold ", " inside: the comma is reported too, and the import looks only
  // at the file's own delimiter (and the line edges).
  assert.deepEqual(scan('a;b\n1;Smith, Jane\n2;Lee, Kim ;x\n').spaceBeside, [COMMA, SEMI]);
  assert.deepEqual(scan('a;b\n1;Smith, Jane\n').spaceBeside, [COMMA]);
});

test('quotes, NUL bytes, lone CRs and blank lines block the native path', () => {
  assert.equal(scan('a,b\n"1",2\n').blocker, 'has quoted fields');
  assert.equal(scan('a,b\n1\u0000,2\n').blocker, 'has NUL bytes');
  assert.equal(scan('a,b\n1\r2,3\n').blocker, 'a line ends in a lone CR');
  assert.equal(scan('a,b\n1,2\n\n3,4\n').blocker, 'has blank lines');
  assert.equal(scan('a,b\n1,2\r').blocker, 'ends in a lone CR');
  const tabbed = scan('a\tb\n1\t2\n');
  assert.equal(tabbed.tab, true);
  assert.equal(scan('a,b\nZoë,2\n').ascii, false);
});
