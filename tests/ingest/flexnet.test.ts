// FlexNet debug-log reader: the two real Autodesk server logs in shared/fixtures/flexnet and synthetic logs.
//
// HOW the expected session counts were checked: `grepCount` below is an independent, deliberately naive count
// over the raw text (one regex per line, no pairing, no dates): every `OUT:` of a *version* feature
// (`NNNNN<STEM>_<YYYY>_<n>F`) is one session of <STEM>, and the number of package OUTs (`..._F`, `..._T_F`)
// must equal the number of version OUTs for that to hold (no lone check-outs in these logs). The literal
// numbers asserted next to it were read off the logs by hand with grep/uniq:
//   2016: 952 x 64300ACD_F (938 x 85730ACD_2012_0F + 14 x 86295ACD_2015_0F), 7 x 65400MAP_F + 7 x 85776MAP_2012_0F
//   2018: 83 x 86815AECCOL_T_F + 2 x 64300ACD_F; versions 64+16 CIV3D, 3 ACD, 1 MAP, 1 3DSMAX; one OUT pair left open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { looksLikeFlexnetLog, parseFlexnetLog, readFlexnetLog } from '../../analysis/ingest/flexnet';
import { loadCatalogue } from '../../analysis/catalogue/catalogue';
import type { CanonicalRow, ParsedItem } from '../../analysis/ingest/types';

const FIX = new URL('../../../shared/fixtures/flexnet/', import.meta.url);
const log2016 = readFileSync(new URL('adskflex-2016-sample.log', FIX), 'utf8');
const log2018 = readFileSync(new URL('adskflex-2018-denials.log', FIX), 'utf8');
const catalogue = loadCatalogue();

function parse(text: string): ParsedItem[] {
  return parseFlexnetLog(text, { catalogue });
}
const rows = (items: ParsedItem[], table: string): CanonicalRow[] => items.flatMap((i) => (i.row && i.row.table === table ? [i.row] : []));
const rejects = (items: ParsedItem[]) => items.flatMap((i) => (i.reject ? [i.reject] : []));
function countBy<T>(xs: T[], key: (x: T) => string): Record<string, number> {
  const o: Record<string, number> = {};
  for (const x of xs) o[key(x)] = (o[key(x)] ?? 0) + 1;
  return o;
}
/** Independent count: version-feature OUT lines per product line stem, and package OUT lines. */
/** The log is written in time order, so session starts read in line order never go backwards. */
function assertChronological(sessions: CanonicalRow[]) {
  const ordered = [...sessions].sort((a, b) => a.line - b.line);
  for (let i = 1; i < ordered.length; i++) {
    assert.ok(String(ordered[i]!.values.start_time) >= String(ordered[i - 1]!.values.start_time), `line ${ordered[i]!.line} starts before line ${ordered[i - 1]!.line}`);
  }
}
function grepCount(text: string): { versions: Record<string, number>; packages: number } {
  const versions: Record<string, number> = {};
  let packages = 0;
  for (const line of text.split('\n')) {
    const v = /\) OUT: "\d{5}([A-Z0-9_]+?)_\d{4}_\d+F"/.exec(line);
    if (v) versions[v[1]!] = (versions[v[1]!] ?? 0) + 1;
    else if (/\) OUT: "\d{5}[A-Z0-9]+(_T)?_F"/.test(line)) packages++;
  }
  return { versions, packages };
}

test('detects FlexNet logs and not CSV files', () => {
  assert.equal(looksLikeFlexnetLog(log2016.slice(0, 4000)), true);
  assert.equal(looksLikeFlexnetLog(log2018.slice(0, 4000)), true);
  assert.equal(looksLikeFlexnetLog('"contractYear","tokenPool","usageDate"\n1,"CY","2016-01-01 00:00:00"\n'), false);
  assert.equal(looksLikeFlexnetLog('email,product,start_time\na@b.com,RVT,2025-01-01 10:00:00\n'), false);
});

test('2016 log: one session per package+version pair, counts match an independent grep count', () => {
  const items = parse(log2016);
  const sessions = rows(items, 'sessions');
  const g = grepCount(log2016);
  const versionTotal = Object.values(g.versions).reduce((a, b) => a + b, 0);
  assert.equal(g.packages, versionTotal, 'every package OUT has a version OUT in this log');
  assert.deepEqual(countBy(sessions, (r) => String(r.values.product)), g.versions);
  assert.deepEqual(g.versions, { ACD: 952, MAP: 7 }); // read by hand, see the header
  assertChronological(sessions);
  assert.equal(rejects(items).length, 0, 'server chatter (Checkin failed, SLOG, banners) is not a reject');
  assert.equal(rows(items, 'flexnet_events').length, 0);
  for (const s of sessions) {
    assert.equal(s.values.licence_type, 'network');
    assert.match(String(s.values.start_time), /^2016-0[34]-\d\d \d\d:\d\d:\d\d$/);
    assert.ok(String(s.values.end_time) >= String(s.values.start_time), `end before start at line ${s.line}`);
  }
  const first = sessions.find((s) => s.line === 118)!;
  assert.deepEqual(
    { user: first.values.user, user_raw: first.values.user_raw, device: first.values.device_name, start: first.values.start_time, end: first.values.end_time, version: first.values.version, feature: first.values.feature_code, offering: first.values.licence_offering },
    { user: 'user01', user_raw: 'USER01', device: 'COMPUTER01', start: '2016-03-30 06:51:39', end: '2016-03-30 11:01:14', version: '2012', feature: '85730ACD_2012_0F', offering: 'ACD' },
  );
  assert.equal(first.values.duration_minutes, (4 * 3600 + 9 * 60 + 35) / 60);
  // INACTIVE ends the session: lines 126 OUT 9:33:24, 177 IN ... (INACTIVE) 11:02:14 for USER07@COMPUTER04.
  const inactive = sessions.find((s) => s.line === 126)!;
  assert.equal(inactive.values.end_time, '2016-03-30 11:02:14');
  // After midnight, before the next TIMESTAMP: line 5732 " 0:23:34 OUT" follows 21:58 on 4/13, TIMESTAMP 4/14 comes at line 5736.
  const afterMidnight = sessions.find((s) => s.line === 5732)!;
  assert.equal(afterMidnight.values.start_time, '2016-04-14 00:23:34');
  assert.equal(afterMidnight.values.end_time, '2016-04-14 00:52:44');
  const ids = new Set(sessions.map((s) => s.values.session_id));
  assert.equal(ids.size, sessions.length, 'session ids are unique');
  assert.deepEqual(parse(log2016).filter((i) => i.row?.table === 'sessions').map((i) => i.row!.values.session_id), [...ids], 're-import gives the same ids');
});

test('2018 log: collection package + version feature, dates across 7/27 -> 7/28 and later days, the denial', () => {
  const items = parse(log2018);
  const sessions = rows(items, 'sessions');
  const g = grepCount(log2018);
  const versionTotal = Object.values(g.versions).reduce((a, b) => a + b, 0);
  assert.equal(g.packages, versionTotal);
  assert.deepEqual(countBy(sessions, (r) => String(r.values.product)), g.versions);
  assert.deepEqual(g.versions, { CIV3D: 80, ACD: 3, MAP: 1, '3DSMAX': 1 });
  assertChronological(sessions);
  assert.ok(sessions.every((s) => String(s.values.start_time) >= '2018-07-27' && String(s.values.end_time) < '2018-08-10'));
  assert.equal(rejects(items).length, 0);

  const civ = sessions.find((s) => s.line === 105)!;
  assert.equal(civ.values.product, 'CIV3D');
  assert.equal(civ.values.licence_offering, 'AECCOL'); // the package is the AEC Collection
  assert.equal(civ.values.feature_code, '86718CIV3D_2017_0F');
  assert.equal(civ.values.version, '2017');
  assert.equal(civ.values.user, 'johndoe');
  assert.equal(civ.values.user_raw, 'JohnDoe');
  assert.equal(civ.values.device_name, 'PC01');
  // Held over five nights: OUT line 109 on 7/27 15:49:39, IN line 1451 at 15:03:41 after "TIMESTAMP 8/1/2018" (line 1389).
  const held = sessions.find((s) => s.line === 109)!;
  assert.equal(held.values.start_time, '2018-07-27 15:49:39');
  assert.equal(held.values.end_time, '2018-08-01 15:03:41');
  // Line 755 " 9:25:43 OUT" after "3:49:10 (lmgrd) TIMESTAMP 7/30/2018".
  assert.equal(sessions.find((s) => s.line === 755)!.values.start_time, '2018-07-30 09:25:43');
  // The last OUT pair (lines 3597/3598) has no IN: open to the last timestamp of the log, which is that line.
  const last = sessions.find((s) => s.line === 3597)!;
  assert.equal(last.values.end_time, last.values.start_time);
  assert.deepEqual(last.extra?.find(([k]) => k === 'ended_by'), ['ended_by', 'end of log']);

  // Lines 841/842: DENIED 64300ACD_F + 86604ACD_2017_0F for TonyMontana at 15:28:58, then OUT 86815AECCOL_T_F +
  // 86604ACD_2017_0F in the same second: one denial attempt of ACD, and not a true denial.
  const events = rows(items, 'flexnet_events');
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]!.values, {
    ts: '2018-07-30 15:28:58', event: 'DENIED', feature: '86604ACD_2017_0F', product: 'ACD', user: 'tonymontana',
    user_raw: 'TonyMontana', host: 'ANOTHERONE', reason: 'Licensed number of users already reached. (-4,342)', true_denial: false,
  });
  assert.equal(events[0]!.line, 841);
  const retry = sessions.find((s) => s.line === 843)!;
  assert.deepEqual([retry.values.product, retry.values.licence_offering], ['ACD', 'AECCOL']);
});

// A synthetic log covering what the fixtures do not: written with CRLF line endings, leading spaces, an older
// lmgrd banner, a log that starts mid-stream (no banner before the first events), a restart, INACTIVE,
// an IN without OUT, two concurrent check-outs of one feature by one user, lone package/version check-outs,
// true and companion denials, UNSUPPORTED and an unreadable event line.
const SYNTH = [
  '22:10:00 (adskflex) OUT: "64300ACD_F" ann@PC1  ', // 1 starts before any date: dated back from line 4
  '22:10:00 (adskflex) OUT: "87545ACD_2022_0F" ann@PC1  ', // 2
  '23:59:30 (adskflex) IN: "64300ACD_F" zed@PC9  ', // 3 IN without OUT -> reject
  ' 0:20:00 (lmgrd) TIMESTAMP 3/2/2024', // 4 the first date: 3/2, so lines 1-3 are 3/1 (leap year: 2/29 exists)
  ' 1:00:00 (adskflex) IN: "87545ACD_2022_0F" ann@PC1  ', // 5
  ' 1:00:00 (adskflex) IN: "64300ACD_F" ann@PC1  ', // 6
  ' 8:00:00 (adskflex) OUT: "87545ACD_2022_0F" bob@PC2  ', // 7 version first, then package 2 s later
  ' 8:00:02 (adskflex) OUT: "64300ACD_F" bob@PC2  ', // 8
  ' 8:05:00 (adskflex) OUT: "87545ACD_2022_0F" bob@PC2  ', // 9 second concurrent session of bob (lone version)
  ' 8:30:00 (adskflex) IN: "87545ACD_2022_0F" bob@PC2  (INACTIVE)', // 10 FIFO: ends the 8:00:00 one
  ' 9:00:00 (adskflex) OUT: "64300ACD_F" cy@PC3  ', // 11 lone package
  ' 9:10:00 (adskflex) DENIED: "64300ACD_F" dee@PC4  (Licensed number of users already reached. (-4,342))', // 12
  ' 9:10:00 (adskflex) DENIED: "87545ACD_2022_0F" dee@PC4  (Licensed number of users already reached. (-4,342))', // 13
  ' 9:20:00 (adskflex) UNSUPPORTED: "87000RVT_2022_0F" (PORT_AT_HOST_PLUS   ) eve@PC5  (License server system does not support this feature. (-18,327))', // 14
  ' 9:30:00 (adskflex) OUT: 64300ACD_F broken line', // 15 -> reject
  ' 9:40:00 (adskflex) Checkin failed feature "87545ACD_2022_0F": X Y Y', // 16 chatter
  '10:00:00 (adskflex) Some other chatter', // 17 last line before the restart
  '11:15:00 (lmgrd) -----------------------------------------------', // 18
  '11:15:00 (lmgrd)   Please Note:', // 19
  '11:15:00 (lmgrd) -----------------------------------------------', // 20
  '11:15:00 (lmgrd) Server\'s System Date and Time: Mon Mar 04 2024 11:15:00 W. Europe Standard Time', // 21 restart, 2 days later
  '11:15:02 (lmgrd) FlexNet Licensing (v11.16.2.0 build 242433 x64_n6) started on SRV (IBM PC) (3/4/2024)', // 22
  '11:15:05 (adskflex) Server started on SRV for:\t', // 23
  '11:20:00 (adskflex) OUT: "64300ACD_F" bob@PC2  ', // 24
  '11:20:00 (adskflex) OUT: "87545ACD_2022_0F" bob@PC2  ', // 25
  '11:20:30 (adskflex) IN: "87545ACD_2022_0F" bob@PC2  ', // 26 ends the 11:20 session, not a pre-restart one
  '11:20:30 (adskflex) IN: "64300ACD_F" bob@PC2  ', // 27
  '23:50:00 (adskflex) OUT: "87100RVT_2022_0F" fay@PC6  ', // 28 lone version of a product with no package
  ' 0:10:00 (adskflex) Still running', // 29 midnight without TIMESTAMP -> 3/5; last line of the log
].join('\r\n');

test('synthetic log: INACTIVE, unpaired IN, open at end, multi check-out, restart, CRLF, dating', () => {
  assert.equal(looksLikeFlexnetLog(SYNTH), true);
  const items = parse(SYNTH);
  const sessions = rows(items, 'sessions');
  const byLine = new Map(sessions.map((s) => [s.line, s.values]));
  assert.deepEqual([...byLine.keys()].sort((a, b) => a - b), [1, 7, 9, 11, 24, 28]);

  assert.deepEqual([byLine.get(1)!.start_time, byLine.get(1)!.end_time], ['2024-03-01 22:10:00', '2024-03-02 01:00:00']);
  assert.equal(byLine.get(1)!.duration_minutes, 170);
  // bob: version at 8:00:00 + package at 8:00:02 are one session; the INACTIVE IN closes the first (FIFO).
  assert.deepEqual([byLine.get(7)!.start_time, byLine.get(7)!.end_time, byLine.get(7)!.licence_offering], ['2024-03-02 08:00:00', '2024-03-02 08:30:00', 'ACD']);
  // bob's second 8:05 session and cy's lone package are still open at the restart: they end at the last line
  // before the new banner (line 17, 10:00:00), not at the "Please Note" box.
  assert.deepEqual([byLine.get(9)!.start_time, byLine.get(9)!.end_time, byLine.get(9)!.licence_offering], ['2024-03-02 08:05:00', '2024-03-02 10:00:00', null]);
  assert.deepEqual([byLine.get(11)!.product, byLine.get(11)!.feature_code, byLine.get(11)!.version, byLine.get(11)!.end_time], ['ACD', '64300ACD_F', null, '2024-03-02 10:00:00']);
  assert.deepEqual([byLine.get(24)!.start_time, byLine.get(24)!.end_time], ['2024-03-04 11:20:00', '2024-03-04 11:20:30']);
  // Open at the end of the log: ends at the last timestamp of the log, after midnight.
  assert.deepEqual([byLine.get(28)!.product, byLine.get(28)!.start_time, byLine.get(28)!.end_time], ['RVT', '2024-03-04 23:50:00', '2024-03-05 00:10:00']);

  const rej = rejects(items);
  assert.deepEqual(rej.map((r) => r.line), [3, 15]);
  assert.match(rej[0]!.reason, /IN without an earlier OUT/);
  assert.equal(rej[1]!.raw, ' 9:30:00 (adskflex) OUT: 64300ACD_F broken line');

  const events = rows(items, 'flexnet_events');
  assert.deepEqual(
    events.map((e) => [e.line, e.values.event, e.values.product, e.values.user, e.values.true_denial]),
    [[12, 'DENIED', 'ACD', 'dee', true], [14, 'UNSUPPORTED', 'RVT', 'eve', null]],
  );
  // How usage counts denials: the package+version pair is one attempt.
  assert.equal(events.filter((e) => e.values.event === 'DENIED' && e.values.true_denial !== false).length, 1);
});

test('an unseen real-world variant: (lmgrd) vs (adskflex) TIMESTAMP, leading spaces, unknown feature stems, no banner', () => {
  const text = [
    '  9:00:00 (adskflex) TIMESTAMP 12/31/2023',
    '  9:00:01 (adskflex) OUT: "99999NEWPROD_2031_0F" Mx.Y@WS-01.corp  ',
    '23:59:59 (lmgrd) TIMESTAMP 12/31/2023',
    '  0:00:05 (adskflex) IN: "99999NEWPROD_2031_0F" Mx.Y@WS-01.corp  ',
    ' 0:00:06 (MLM) OUT: "64300ACD_F" other@ws2',
    '',
  ].join('\n');
  const items = parse(text);
  const sessions = rows(items, 'sessions');
  assert.equal(sessions.length, 2);
  assert.deepEqual(
    [sessions[0]!.values.product, sessions[0]!.values.user, sessions[0]!.values.device_name, sessions[0]!.values.end_time],
    ['NEWPROD', 'mx.y', 'WS-01.corp', '2024-01-01 00:00:05'],
  );
  assert.throws(() => parse('10:00:00 (adskflex) OUT: "64300ACD_F" a@b\n'), /no date/);
});

test('streaming reader: any mix of line endings, a BOM or a trailing blank line gives the same rows and line numbers', () => {
  const lf = log2018.replace(/\r\n|\r/g, '\n');
  const reference = parse(lf);
  const lines = lf.split('\n');
  // Every third line ends in CRLF, every third in a bare CR: a line number off by one would move every row.
  const mixed = lines.map((l, i) => l + (i === lines.length - 1 ? '' : ['\n', '\r\n', '\r'][i % 3])).join('');
  assert.deepEqual(parse(mixed), reference);
  assert.deepEqual(parse('\uFEFF' + lf), reference);
  // A bad line appended after one blank line: its number is counted as a plain split of the text would.
  const bad = `${lf.replace(/\n$/, '')}\r\n\r\nOUT: "64300ACD_F" someone@somewhere\r\n`;
  const rej = parse(bad).filter((i) => i.reject);
  assert.deepEqual(rej.map((i) => i.reject!.line), [bad.split(/\r\n|\r|\n/).indexOf('OUT: "64300ACD_F" someone@somewhere') + 1]);
  assert.equal(rej[0]!.reject!.raw, 'OUT: "64300ACD_F" someone@somewhere');
});

test('streaming reader: an undated log is refused before any row is asked for; items match parseFlexnetLog', () => {
  // import.ts refuses the file up front (before its transaction) only if the refusal is eager.
  assert.throws(() => readFlexnetLog('10:00:00 (adskflex) OUT: "64300ACD_F" a@b\n', { catalogue }), /This FlexNet log has no date/);
  const items = [...readFlexnetLog(log2016, { catalogue })];
  assert.deepEqual(items, parse(log2016));
  const lines = items.map((i) => i.row?.line ?? i.reject!.line);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b), 'items come in line order');
});
