// The FlexNet fast path: the column loader (flexnet-load.ts) must leave exactly the rows the generic
// row-by-row loader leaves, and the position scanners (flexnet-lines.ts) must read every line exactly as
// the regexes that define the grammar do.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EngagementDb } from '../../analysis/db/engine';
import { loadCatalogue } from '../../analysis/catalogue/catalogue';
import { readFlexnetLog } from '../../analysis/ingest/flexnet';
import { loadParsedItems } from '../../analysis/ingest/flexnet-load';
import { EVENT_RX, LINE_RX, parseEvent, parseLine, type EventParts, type LineParts } from '../../analysis/ingest/flexnet-lines';
import { loadItems, type LoadCounts } from '../../analysis/ingest/loader';
import { RefusalError } from '../../analysis/ingest/types';
import { FIXTURES, freshDb, tempDir } from './helpers';

const catalogue = loadCatalogue();
const log2016 = readFileSync(join(FIXTURES, 'flexnet/adskflex-2016-sample.log'), 'utf8');
const log2018 = readFileSync(join(FIXTURES, 'flexnet/adskflex-2018-denials.log'), 'utf8');
// Rejects, a denial pair, UNSUPPORTED, INACTIVE, a restart and a midnight, on top of the real 2018 log.
const extra = [
  '10:00:00 (adskflex) IN: "64300ACD_F" nobody@PC9',
  '10:00:01 (adskflex) OUT: 64300ACD_F broken line',
  'OUT: "64300ACD_F" someone@somewhere',
  '10:00:02 (adskflex) DENIED: "87545ACD_2022_0F" dee@PC4  (Licensed number of users already reached. (-4,342:10054 ""))',
  '10:00:02 (adskflex) DENIED: "64300ACD_F" dee@PC4  (Licensed number of users already reached. (-4,342:10054 ""))',
  '10:00:03 (adskflex) UNSUPPORTED: "87100RVT_2022_0F" (PORT_AT_HOST_PLUS   ) eve@PC5  (License server system does not support this feature. (-18,327:10054 ""))',
  '10:00:04 (adskflex) OUT: "87545ACD_2022_0F" Bob@PC2',
  '10:00:05 (adskflex) OUT: "64300ACD_F" bob@pc2',
  '10:30:00 (adskflex) IN: "87545ACD_2022_0F" bob@PC2 (INACTIVE)',
  '23:50:00 (adskflex) OUT: "87100RVT_2022_0F" fay@PC6',
  ' 0:10:00 (adskflex) OUT: "87100RVT_2022_0F" fay@PC6',
].join('\r\n');
const mixed = `${log2018.replace(/\s+$/, '')}\r\n${extra}\r\n`;

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function open(): Promise<EngagementDb> {
  const dir = tempDir('lrtw-flexnet-load-');
  dirs.push(dir);
  return freshDb(dir);
}

/** Every loaded row of the three tables a log fills, in a fixed order, as text. */
async function contents(db: EngagementDb): Promise<string> {
  const parts: unknown[] = [];
  parts.push(await db.all(`SELECT * EXCLUDE (source_id) FROM sessions ORDER BY source_id, line, row_key`));
  parts.push(await db.all(`SELECT * EXCLUDE (source_id) FROM flexnet_events ORDER BY source_id, line, row_key`));
  parts.push(await db.all(`SELECT * EXCLUDE (source_id) FROM rejects ORDER BY source_id, line, raw, reason`));
  return JSON.stringify(parts, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

async function loadBoth(texts: string[]): Promise<{ generic: string; columns: string; genericCounts: LoadCounts[]; columnCounts: LoadCounts[] }> {
  const a = await open();
  const b = await open();
  const genericCounts: LoadCounts[] = [];
  const columnCounts: LoadCounts[] = [];
  for (const [i, text] of texts.entries()) {
    genericCounts.push(await a.transaction(() => loadItems(a, i + 1, readFlexnetLog(text, { catalogue }), { batchRows: 500 })));
    columnCounts.push(await b.transaction(() => loadParsedItems(b, i + 1, readFlexnetLog(text, { catalogue }), {})));
  }
  const out = { generic: await contents(a), columns: await contents(b), genericCounts, columnCounts };
  a.close();
  b.close();
  return out;
}

test('column loader: the fixtures (and a log with rejects, denials, INACTIVE, midnight) load the same rows as the row loader', async () => {
  for (const text of [log2016, mixed]) {
    const r = await loadBoth([text]);
    assert.deepEqual(r.columnCounts, r.genericCounts);
    assert.equal(r.columns, r.generic);
    if (text === mixed) {
      for (const seen of ['"event":"DENIED"', '"event":"UNSUPPORTED"', 'IN without an earlier OUT', 'no readable H:MM:SS', 'inactive (seat reclaimed'])
        assert.ok(r.generic.includes(seen), `the mixed log exercises ${seen}`);
    }
  }
});

test('column loader: importing the same log again loads nothing new, counted as duplicates like the row loader', async () => {
  const r = await loadBoth([log2018, log2018]);
  assert.deepEqual(r.columnCounts, r.genericCounts);
  assert.equal(r.columnCounts[1]!.rows_loaded, 0);
  assert.equal(r.columnCounts[1]!.rows_duplicate, r.columnCounts[0]!.rows_loaded);
  assert.equal(r.columns, r.generic);
});

test('column loader: a log over the row limit is refused, naming the file', async () => {
  const db = await open();
  const refused = db.transaction(() => loadParsedItems(db, 1, readFlexnetLog(log2018, { catalogue }), { maxRows: 10, file: 'big.log' }));
  await assert.rejects(refused, (e: unknown) => e instanceof RefusalError && /^This file has more than 10 rows, the limit for one file\. Split the export into smaller files\.$/.test(e.message));
  assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM sessions'))!.n, 0);
  db.close();
});

/** Line variants around every branch of the two grammars (whitespace kinds, digits, brackets, quotes, @). */
function variants(): string[] {
  const bases = [
    ' 9:05:01 (adskflex) OUT: "87545ACD_2022_0F" JohnDoe@PC01  ',
    '12:00:00 (adskflex) IN: "64300ACD_F" john doe@PC01 (INACTIVE)',
    '10:00:03 (adskflex) UNSUPPORTED: "87100RVT_2022_0F" (PORT_AT_HOST_PLUS   ) eve@PC5  (reason)',
    '10:00:02 (lmgrd) DENIED: "64300ACD_F" dee@PC4  (Licensed number of users already reached.)',
    ' 6:30:00 (lmgrd) TIMESTAMP 10/1/2024',
  ];
  const inserts = [' ', '\t', '\u00a0', '\u3000', '\u2028', '@', '(', ')', '"', ':', '7', 'x', ''];
  const out = new Set<string>();
  for (const b of bases) {
    out.add(b);
    for (let i = 0; i <= b.length; i++) {
      for (const ins of inserts) out.add(b.slice(0, i) + ins + b.slice(i));
      out.add(b.slice(0, i) + b.slice(i + 1));
    }
  }
  return [...out];
}

test('line scanner: time, daemon and message exactly as LINE_RX reads them, for every variant', () => {
  const p: LineParts = { tod: 0, daemonStart: 0, daemonEnd: 0, msgStart: 0, msgEnd: 0 };
  let matched = 0;
  for (const line of variants()) {
    const text = `x\n${line}\ny`; // the line inside a larger text, as in a log
    const ls = 2, le = 2 + line.length;
    const m = LINE_RX.exec(line);
    const exotic = /[\u2028\u2029]/.test(text);
    const ok = parseLine(text, ls, le, exotic, p);
    assert.equal(ok, m !== null, JSON.stringify(line));
    if (!m) continue;
    matched++;
    const [h, mi, s] = [+m[1]!, +m[2]!, +m[3]!];
    assert.equal(p.tod, h < 24 && mi < 60 && s < 60 ? h * 3600 + mi * 60 + s : -1, JSON.stringify(line));
    assert.equal(text.slice(p.daemonStart, p.daemonEnd), m[4], JSON.stringify(line));
    assert.equal(text.slice(p.msgStart, p.msgEnd), m[5]!.replace(/\s+$/, ''), JSON.stringify(line));
  }
  assert.ok(matched > 100, `${matched} variants matched`);
});

test('event scanner: when it answers, it captures what EVENT_RX captures; when EVENT_RX fails, it never answers', () => {
  const ev: EventParts = { featureStart: 0, featureEnd: 0, userStart: 0, at: 0, hostEnd: 0, tailStart: 0, featureHash: 0, whoHash: 0 };
  let answered = 0;
  for (const line of variants()) {
    const msg = line.replace(/^[^)]*\)\s?/, '').replace(/\s+$/, '');
    const word = /^(OUT|IN):/.exec(msg);
    // A text with U+2028/U+2029 is read by the regexes alone (scanLog never asks the scanner).
    if (!word || /[\u2028\u2029]/.test(msg)) continue;
    const text = `a\n${msg}\nb`;
    const ok = parseEvent(text, 2 + word[0].length, 2 + msg.length, ev);
    const m = EVENT_RX.exec(msg);
    if (!ok) continue;
    answered++;
    assert.ok(m, `scanner answered where EVENT_RX fails: ${JSON.stringify(msg)}`);
    assert.equal(text.slice(ev.featureStart, ev.featureEnd), m[2], JSON.stringify(msg));
    assert.equal(text.slice(ev.userStart, ev.at), m[3], JSON.stringify(msg));
    assert.equal(text.slice(ev.at + 1, ev.hostEnd), m[4], JSON.stringify(msg));
    assert.equal(text.slice(ev.tailStart, 2 + msg.length), m[5], JSON.stringify(msg));
  }
  assert.ok(answered > 100, `${answered} variants answered`);
});
