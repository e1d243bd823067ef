// The CSV/TSV reader on the inputs clients really send: odd delimiters, quoted newlines, BOMs,
// Latin-1 and UTF-16 exports, and hostile lines that must be rejected quickly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvParser, parseText, readTextRecords, sniffDelimiter, detectEncoding, Utf8Validator, type TextRecord } from '../../analysis/ingest/text-reader';
import { DEFAULT_LIMITS } from '../../analysis/ingest/limits';
import { tempDir, write } from './helpers';

const limits = { maxLineChars: 10_000, maxColumns: 50 };

async function readAll(path: string, encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252', delimiter: string, chunkBytes?: number, l = limits): Promise<TextRecord[]> {
  const out: TextRecord[] = [];
  for await (const b of readTextRecords(path, { encoding, delimiter, limits: l, chunkBytes })) out.push(...b);
  return out;
}

test('quoted fields keep delimiters, doubled quotes and embedded newlines; line numbers are where a record starts', () => {
  const text = 'id,user,note\r\n1,a@x.com,"hello, world"\r\n2,b@x.com,"two\nlines ""quoted"""\r\n\r\n3,c@x.com,plain\n';
  const recs = parseText(text, ',', limits);
  assert.deepEqual(
    recs.map((r) => [r.line, r.cells]),
    [
      [1, ['id', 'user', 'note']],
      [2, ['1', 'a@x.com', 'hello, world']],
      [3, ['2', 'b@x.com', 'two\nlines "quoted"']],
      [6, ['3', 'c@x.com', 'plain']],
    ],
  );
});

test('chunk boundaries anywhere give the same records as one pass', () => {
  const text = 'a;b;c\n"x;1";"multi\r\nline";3\r\n4;"";"q""q"\n5;6;7';
  const whole = parseText(text, ';', limits);
  for (let size = 1; size <= 7; size++) {
    const p = new CsvParser(';', limits);
    const out: TextRecord[] = [];
    for (let i = 0; i < text.length; i += size) p.push(text.slice(i, i + size), out);
    p.end(out);
    assert.deepEqual(out, whole, `chunk size ${size}`);
  }
  assert.equal(whole.length, 4);
  assert.deepEqual(whole[3], { line: 5, cells: ['5', '6', '7'] });
});

test('delimiter sniffing picks comma, semicolon, TAB or pipe', () => {
  assert.equal(sniffDelimiter('a,b,c\n1,2,3\n'), ',');
  assert.equal(sniffDelimiter('Name;Amount;Note\n"Smith, J";1,5;x\nB;2,5;y\n'), ';');
  assert.equal(sniffDelimiter('a\tb\tc\n1\t2,5\t3\n'), '\t');
  assert.equal(sniffDelimiter('a|b|c\n1|2|3\n'), '|');
});

test('UTF-8 with BOM and semicolons, Latin-1 and UTF-16 files decode correctly', async () => {
  const dir = tempDir();
  const bom = write(dir, 'bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('user;city\nmüller@x.de;Köln\n', 'utf8')]));
  const latin = write(dir, 'latin.csv', Buffer.from('user,last_name\nm@x.de,Müller\n', 'latin1'));
  const le = write(dir, 'le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('user\tname\nz@x.com\tZoë\n', 'utf16le')]));
  const beBody = Buffer.from('user,name\nz@x.com,Łukasz\n', 'utf16le').swap16();
  const be = write(dir, 'be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), beBody]));

  const head = readHead;
  assert.equal(detectEncoding(await head(bom), true), 'utf-8');
  const v = new Utf8Validator();
  v.push(Buffer.from('m@x.de,M\xfcller\n', 'latin1'));
  assert.equal(v.end(), false, 'Latin-1 bytes are not valid UTF-8');
  assert.equal(detectEncoding(await head(latin), false), 'windows-1252');
  assert.equal(detectEncoding(await head(le), false), 'utf-16le');
  assert.equal(detectEncoding(await head(be), false), 'utf-16be');

  const b = await readAll(bom, 'utf-8', ';');
  assert.deepEqual(b[0]!.cells, ['user', 'city'], 'the BOM is not part of the first header');
  assert.deepEqual(b[1]!.cells, ['müller@x.de', 'Köln']);
  assert.deepEqual((await readAll(latin, 'windows-1252', ','))[1]!.cells, ['m@x.de', 'Müller']);
  assert.deepEqual((await readAll(le, 'utf-16le', '\t', 5))[1]!.cells, ['z@x.com', 'Zoë']);
  assert.deepEqual((await readAll(be, 'utf-16be', ',', 3))[1]!.cells, ['z@x.com', 'Łukasz']);
});

async function readHead(p: string): Promise<Buffer> {
  const { readFile } = await import('node:fs/promises');
  return (await readFile(p)).subarray(0, 64);
}

test('a multi-byte character split across read chunks survives', async () => {
  const dir = tempDir();
  const p = write(dir, 'split.csv', 'a,b\nü€,ß\n'.repeat(200));
  const v = new Utf8Validator();
  const bytes = Buffer.from('a,b\nü€,ß\n'.repeat(200));
  for (let i = 0; i < bytes.length; i += 3) v.push(bytes.subarray(i, i + 3));
  assert.equal(v.end(), true);
  const recs = await readAll(p, 'utf-8', ',', 7);
  assert.equal(recs.length, 400);
  assert.ok(recs.every((r) => r.cells && (r.cells[0] === 'a' || r.cells[0] === 'ü€')));
});

test('a 40 MB single line is rejected in bounded time and the rows after it still load', async () => {
  const dir = tempDir();
  const big = 'x'.repeat(40 * 1024 * 1024);
  const p = write(dir, 'long.csv', `user,product\na@x.com,RVT\n${big}\nb@x.com,ACD\n`);
  const t0 = Date.now();
  const recs = await readAll(p, 'utf-8', ',', undefined, { maxLineChars: DEFAULT_LIMITS.maxLineChars, maxColumns: 100 });
  const ms = Date.now() - t0;
  assert.ok(ms < 15_000, `took ${ms} ms`);
  assert.equal(recs.length, 4);
  assert.equal(recs[2]!.line, 3);
  assert.match(recs[2]!.reason ?? '', /longer than 1000000 characters/);
  assert.ok((recs[2]!.raw ?? '').length < 3000, 'the raw text kept for a reject is capped');
  assert.deepEqual(recs[3], { line: 4, cells: ['b@x.com', 'ACD'] });
});

test('an unclosed quote and too many columns are rejects with their line', () => {
  const recs = parseText('a,b\n1,2\n' + Array.from({ length: 60 }, (_, i) => i).join(',') + '\n3,"open\n4,5\n', ',', limits);
  assert.equal(recs[2]!.line, 3);
  assert.match(recs[2]!.reason ?? '', /more than 50 columns/);
  assert.equal(recs[3]!.line, 4);
  assert.match(recs[3]!.reason ?? '', /quoted field is not closed/);
});
