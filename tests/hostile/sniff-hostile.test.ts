// sniffBytes on hostile and awkward files, written at test time under os.tmpdir(): the first look at a file must
// classify it quickly and explain a refusal in words, whatever the bytes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sniffBytes } from '../../analysis/ingest/sniff';
import { DEFAULT_LIMITS } from '../../analysis/ingest/limits';
import { runIsolated, TWO_GIB } from './isolate';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lrtw-hostile-sniff-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sniff = (b: Buffer) => sniffBytes(b.subarray(0, 64 * 1024), b.length);

test('random binary named .csv or .xlsx is binary, with a reason that says what to do', async () => {
  for (const name of ['garbage.csv', 'garbage.xlsx']) {
    const p = join(dir, name);
    const bytes = randomBytes(512 * 1024);
    bytes[0] = 0x00;
    writeFileSync(p, bytes);
    const r = await runIsolated(p, 'sniff', DEFAULT_LIMITS, 10_000);
    assert.equal(r.outcome, 'ok', r.reason);
    assert.equal(r.sniff?.type, 'binary', name);
    assert.match(r.sniff?.reason ?? '', /binary data.*(export|right file)/i);
    assert.equal(r.polluted, false);
  }
});

test('empty: 0 bytes, only a BOM, only blank space; but blank space followed by data is text', () => {
  assert.equal(sniff(Buffer.alloc(0)).type, 'empty');
  assert.match(sniff(Buffer.alloc(0)).reason ?? '', /empty/);
  assert.equal(sniff(Buffer.from([0xef, 0xbb, 0xbf])).type, 'empty');
  assert.equal(sniff(Buffer.from('\ufeff  \r\n\t\n', 'utf8')).type, 'empty');
  assert.equal(sniff(Buffer.from([0xff, 0xfe, 0x20, 0x00, 0x0a, 0x00])).type, 'empty');
  // Only the head is seen: 64 KiB of blanks in a bigger file is not called empty.
  assert.equal(sniffBytes(Buffer.alloc(64 * 1024, 0x20), 200 * 1024).type, 'text');
});

test('ZIP, legacy .xls / password-protected workbooks, UTF-16 with and without BOM', () => {
  assert.deepEqual(sniff(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])), { type: 'zip' });
  const ole = sniff(Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(600)]));
  assert.equal(ole.type, 'binary');
  assert.match(ole.reason ?? '', /\.xls|password/);
  const csv = 'email,offering_name\r\nana@contoso.com,AutoCAD\r\n';
  assert.equal(sniff(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')])).type, 'text');
  const be = Buffer.from(csv, 'utf16le').swap16();
  assert.equal(sniff(Buffer.concat([Buffer.from([0xfe, 0xff]), be])).type, 'text');
  // Without a BOM, half the bytes are NUL: not something we read as text.
  assert.equal(sniff(Buffer.from(csv, 'utf16le')).type, 'binary');
});

test('text: Latin-1, BOM with semicolons, formula-looking values, a stray NUL in a long log', () => {
  assert.equal(sniff(Buffer.from('email;first_name\nj@x.com;Jos\xe9 M\xfcller \xc5ngstr\xf6m\n', 'latin1')).type, 'text');
  assert.equal(sniff(Buffer.from('\ufeffcontract_number;offering_name;seat_quantity\n110001;AutoCAD;5\n', 'utf8')).type, 'text');
  assert.equal(sniff(Buffer.from('email,first_name\na@x.com,"=HYPERLINK(""http://x"",""y"")"\nb@x.com,+SUM(1,2)\nc@x.com,-2+3\nd@x.com,@SUM(A1)\n')).type, 'text');
  const log = Buffer.from('0:00:01 (adskflex) OUT: "87545ACD_2022_0F" ana@PC1\n'.repeat(1000));
  log[500] = 0;
  assert.equal(sniff(log).type, 'text');
  // Many control bytes: binary.
  const noisy = Buffer.from('a,b\n'.repeat(1000));
  for (let i = 0; i < noisy.length; i += 20) noisy[i] = 0x01;
  assert.equal(sniff(noisy).type, 'binary');
});

test('a 40 MB CSV made of one line is sniffed as text from its head, quickly', async () => {
  const p = join(dir, 'one-line.csv');
  const fd = openSync(p, 'w');
  const chunk = Buffer.from('x'.repeat(1024 * 1024 - 1) + ',');
  for (let i = 0; i < 40; i++) writeSync(fd, chunk);
  closeSync(fd);
  const r = await runIsolated(p, 'sniff', DEFAULT_LIMITS, 10_000);
  assert.equal(r.outcome, 'ok');
  assert.equal(r.sniff?.type, 'text');
  assert.ok(r.peakRss < TWO_GIB / 2);
});
