// A FlexNet log read from its file in blocks of whole lines (log-blocks.ts) gives exactly what the log read
// whole gives: the same sessions, denials, rejects and line numbers, wherever the reads cut a line, a CRLF
// or a multi-byte character, in UTF-8 and UTF-16; and a log is never held whole (no 512 MB cap any more).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openFlexnetLog, parseFlexnetLog, scanItems } from '../../analysis/ingest/flexnet';
import { logBlocks, wholeLinesEnd, type LogBlockOptions } from '../../analysis/ingest/log-blocks';
import { CancelledError } from '../../analysis/ingest/loader';
import { RefusalError, type ParsedItem } from '../../analysis/ingest/types';
import { loadCatalogue } from '../../analysis/catalogue/catalogue';
import { FIXTURES, tempDir, write } from './helpers';

const catalogue = loadCatalogue();
const log2016 = readFileSync(`${FIXTURES}flexnet/adskflex-2016-sample.log`, 'utf8');
const log2018 = readFileSync(`${FIXTURES}flexnet/adskflex-2018-denials.log`, 'utf8');

// Undated lines before the first date (dated back across a midnight), non-ASCII users, a U+2028 in one line
// (the regexes then read that block's lines), lone CR and CRLF endings, unreadable events and a restart.
const SYNTH = [
  '23:58:00 (adskflex) OUT: "64300ACD_F" jörg@PC7  ',
  '23:58:00 (adskflex) OUT: "87545ACD_2022_0F" jörg@PC7  ',
  ' 0:05:00 (adskflex) OUT: "87545ACD_2022_0F" 李@PC8  ',
  ' 0:05:01 (adskflex) OUT: "64300ACD_F" 李@PC8  ',
  ' 0:20:00 (lmgrd) TIMESTAMP 3/2/2024',
  ' 1:00:00 (adskflex) IN: "87545ACD_2022_0F" jörg@PC7  ',
  ' 1:00:00 (adskflex) IN: "64300ACD_F" jörg@PC7  ',
  ' 2:00:00 (adskflex) chatter with a line separator \u2028 inside',
  ' 2:30:00 (adskflex) IN: "64300ACD_F" zed@PC9  ',
  ' 3:00:00 (adskflex) DENIED: "64300ACD_F" dee@PC4  (Licensed number of users already reached. (-4,342))',
  ' 3:30:00 (adskflex) OUT: 64300ACD_F broken line',
  '\uFEFFOUT: "64300ACD_F" pasted@PC1', // a U+FEFF starting a line mid-log is the line's, not a byte-order mark
  '11:15:02 (lmgrd) FlexNet Licensing (v11.16.2.0 build 242433 x64_n6) started on SRV (IBM PC) (3/4/2024)',
  '11:20:00 (adskflex) OUT: "64300ACD_F" bob@PC2  ',
  '11:20:00 (adskflex) OUT: "87545ACD_2022_0F" bob@PC2  ',
  '23:50:00 (adskflex) IN: "87545ACD_2022_0F" bob@PC2  ',
  ' 0:10:00 (adskflex) Still running',
]
  .map((l, i) => l + ['\r\n', '\n', '\r'][i % 3])
  .join('');

const whole = (text: string): ParsedItem[] => parseFlexnetLog(text, { catalogue });

async function streamed(path: string, opts: Partial<LogBlockOptions> & Pick<LogBlockOptions, 'encoding'>): Promise<ParsedItem[]> {
  const blocks = () => logBlocks(path, { maxLineChars: 1_000_000, ...opts });
  const log = await openFlexnetLog(blocks, { catalogue });
  return [...scanItems(await log.read())];
}

test('blocks end after whole lines; a CR at the very end waits for a possible LF', () => {
  assert.equal(wholeLinesEnd('a\nb'), 2);
  assert.equal(wholeLinesEnd('a\r\nb\r'), 3, 'the last CR may be the first half of a CRLF');
  assert.equal(wholeLinesEnd('a\rb\r'), 2);
  assert.equal(wholeLinesEnd('abc'), 0);
  assert.equal(wholeLinesEnd('\r'), 0);
});

test('a log read in blocks of any size gives what the whole text gives (UTF-8)', async () => {
  const dir = tempDir('lrtw-logblocks-');
  const synth = write(dir, 'synth.log', SYNTH);
  const reference = whole(SYNTH);
  assert.ok(reference.some((i) => i.row?.values.user === 'jörg') && reference.some((i) => i.reject), 'the synthetic log has sessions and rejects');
  // Reads of 1, 2, 3 and 5 bytes cut every line, every CRLF and every multi-byte character somewhere.
  for (const blockBytes of [1, 2, 3, 5, 64, 1 << 20]) {
    assert.deepEqual(await streamed(synth, { encoding: 'utf-8', blockBytes }), reference, `blocks of ${blockBytes} bytes`);
  }
  for (const [name, text] of [['adskflex-2016-sample.log', log2016], ['adskflex-2018-denials.log', log2018]] as const) {
    const path = write(dir, name, text);
    const ref = whole(text);
    assert.ok(ref.length > 50, `${name} has rows`);
    for (const blockBytes of [4093, 65_536]) assert.deepEqual(await streamed(path, { encoding: 'utf-8', blockBytes }), ref, `${name}, blocks of ${blockBytes} bytes`);
  }
});

test('a UTF-16 log with a byte-order mark, cut inside its code units, gives the same rows', async () => {
  const dir = tempDir('lrtw-logblocks-');
  const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SYNTH, 'utf16le')]);
  const path = write(dir, 'utf16.log', bytes);
  for (const blockBytes of [1, 7, 4096]) assert.deepEqual(await streamed(path, { encoding: 'utf-16le', blockBytes }), whole(SYNTH));
});

test('an undated log is refused after its last block; an over-long line refuses the file by its line; a cancel stops the read', async () => {
  const dir = tempDir('lrtw-logblocks-');
  const undated = write(dir, 'undated.log', '10:00:00 (adskflex) OUT: "64300ACD_F" a@b\n'.repeat(200));
  await assert.rejects(streamed(undated, { encoding: 'utf-8', blockBytes: 256 }), (e: Error) => e instanceof RefusalError && /^This FlexNet log has no date/.test(e.message));

  const long = write(dir, 'long.log', `${SYNTH}${'x'.repeat(5000)}\n`);
  await assert.rejects(
    streamed(long, { encoding: 'utf-8', blockBytes: 512, maxLineChars: 1000 }),
    (e: Error) => e instanceof RefusalError && e.message.startsWith('Line 18 is longer than 1,000 characters'),
  );

  const ac = new AbortController();
  ac.abort();
  await assert.rejects(streamed(long, { encoding: 'utf-8', signal: ac.signal }), CancelledError);
});

test('progress reports the bytes read, up to the file size', async () => {
  const dir = tempDir('lrtw-logblocks-');
  const path = write(dir, 'p.log', log2018);
  const seen: number[] = [];
  for await (const block of logBlocks(path, { encoding: 'utf-8', maxLineChars: 1000, blockBytes: 50_000, onBytes: (done, size) => seen.push(done / size) })) assert.ok(block.length > 0);
  assert.ok(seen.length >= 7, `${seen.length} reports`);
  assert.deepEqual([...seen].sort((a, b) => a - b), seen, 'progress only moves forward');
  assert.equal(seen[seen.length - 1], 1);
});

test('a log of unreadable event lines is refused past a limit, and a reject keeps a bounded piece of its line', async () => {
  const dir = tempDir('lrtw-logblocks-');
  const head = ' 0:20:00 (lmgrd) TIMESTAMP 3/2/2024\n';
  const bad = (i: number) => `OUT: "64300ACD_F" broken${i}@host ${'x'.repeat(i === 0 ? 5000 : 10)}\n`;
  const path = write(dir, 'junk.log', head + Array.from({ length: 30 }, (_, i) => bad(i)).join(''));
  const limits = { maxRejects: 20, maxRawChars: 100 };
  const blocks = () => logBlocks(path, { encoding: 'utf-8', maxLineChars: 1_000_000, blockBytes: 64 });
  await assert.rejects(
    (await openFlexnetLog(blocks, { catalogue, rejectLimits: limits })).read(),
    (e: Error) => e instanceof RefusalError && e.message.startsWith('This log has more than 20 unreadable event lines (the last at line 22)'),
  );
  const fewer = write(dir, 'some-junk.log', head + Array.from({ length: 5 }, (_, i) => bad(i)).join(''));
  const scan = await (await openFlexnetLog(() => logBlocks(fewer, { encoding: 'utf-8', maxLineChars: 1_000_000 }), { catalogue, rejectLimits: limits })).read();
  assert.equal(scan.rejects.length, 5);
  assert.equal(scan.rejects[0]!.raw.length, 100, 'a 5,000-character line keeps its first 100 characters');
  assert.equal(scan.rejects[0]!.line, 2);
});
