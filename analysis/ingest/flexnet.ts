// FlexNet licence-server debug log reader (lmgrd / adskflex), DATA-CONTRACT §1.4.
// Turns `H:MM:SS (daemon) OUT|IN|DENIED|UNSUPPORTED` lines into `sessions` rows (licence_type 'network')
// and `flexnet_events` rows. The log carries no date on its lines: the date comes from TIMESTAMP lines and
// the start banner and is carried forward across midnight. Autodesk checks out a package feature and a
// version feature per session; the pair is counted as one session.
import { createHash } from 'node:crypto';
import type { Catalogue } from '../catalogue/catalogue';
import { RefusalError, type CanonicalRow, type CellValue, type ParsedItem, type RowReject } from './types';

/** Package and version check-outs of one user@host this close together belong to one session. */
const GROUP_WINDOW_S = 5;
/** A successful check-out this soon after a denial makes the denial a retry, not a true denial (RULES.md). */
const DENIAL_RETRY_S = 60;
/** A backwards step of the clock larger than this (with no new date) is midnight; smaller steps are
 * interleaving of the lmgrd and vendor daemon writers or a daylight-saving change. */
const MIDNIGHT_BACKSTEP_S = 3600;

const LINE_RX = /^\s*(\d{1,2}):(\d{2}):(\d{2})\s+\(([^)\s]+)\)\s?(.*)$/;
const EVENT_WORD_RX = /\b(OUT|IN|DENIED|UNSUPPORTED):/;
// UNSUPPORTED lines carry a transport note before the user: `"f" (PORT_AT_HOST_PLUS   ) user@host (reason)`.
const EVENT_RX = /^(OUT|IN|DENIED|UNSUPPORTED):\s+"([^"]+)"\s+(?:\([A-Z_]+\s*\)\s+)?([^@"()]+?)@([^\s@()"]+)\s*(.*)$/;
const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };

/** True when the first lines of a file look like a FlexNet debug log. */
export function looksLikeFlexnetLog(headText: string): boolean {
  const lines = headText.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).filter((l) => l.trim() !== '').slice(0, 60);
  if (lines.length === 0) return false;
  const hits = lines.filter((l) => LINE_RX.test(l)).length;
  const flexWords = /\((lmgrd|adskflex)\)|FlexNet Licensing|\bTIMESTAMP \d{1,2}\/\d{1,2}\/\d{4}|\b(OUT|IN|DENIED):\s+"/.test(headText);
  return hits >= Math.min(2, lines.length) && hits * 2 >= lines.length && flexWords;
}

interface LogLine {
  no: number; // 1-based
  raw: string;
  tod: number | null; // seconds since midnight
  daemon: string;
  msg: string;
}

/** Who checked out: the user as written, the host, and the lower-cased user@host that pairs lines. */
interface Who {
  userRaw: string;
  host: string;
  key: string;
}

const ENDED_BY = ['end of log', 'IN', 'inactive (seat reclaimed by the server)', 'server restart'] as const;

/**
 * Every check-out of the log as parallel columns (a 24-month log holds hundreds of thousands; as objects they
 * cost ~140 bytes each, here ~30). Features and users are ids into small interned tables.
 */
class Checkouts {
  size = 0;
  readonly features: string[] = [];
  readonly kinds: Array<'package' | 'version'> = [];
  readonly whos: Who[] = [];
  start = new Float64Array(1024); // epoch seconds (wall clock of the server, treated as UTC)
  end = new Float64Array(1024); // NaN while open
  line = new Int32Array(1024);
  feature = new Int32Array(1024);
  who = new Int32Array(1024);
  endedBy = new Uint8Array(1024); // index into ENDED_BY
  grouped = new Uint8Array(1024);

  add(feature: number, who: number, start: number, line: number): number {
    if (this.size === this.start.length) this.grow();
    const i = this.size++;
    this.feature[i] = feature;
    this.who[i] = who;
    this.start[i] = start;
    this.line[i] = line;
    this.end[i] = Number.NaN;
    return i;
  }

  featureOf(i: number): string {
    return this.features[this.feature[i]!]!;
  }
  kindOf(i: number): 'package' | 'version' {
    return this.kinds[this.feature[i]!]!;
  }
  whoOf(i: number): Who {
    return this.whos[this.who[i]!]!;
  }

  private grow(): void {
    const n = this.start.length * 2;
    const f64 = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
    const i32 = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
    const u8 = (a: Uint8Array) => { const b = new Uint8Array(n); b.set(a); return b; };
    this.start = f64(this.start);
    this.end = f64(this.end);
    this.line = i32(this.line);
    this.feature = i32(this.feature);
    this.who = i32(this.who);
    this.endedBy = u8(this.endedBy);
    this.grouped = u8(this.grouped);
  }
}

interface Denial {
  event: 'DENIED' | 'UNSUPPORTED';
  feature: string;
  kind: 'package' | 'version';
  userRaw: string;
  host: string;
  key: string;
  ts: number;
  line: number;
  reason: string | null;
  merged: boolean;
}

/** One session to emit: its opening check-out, the grouped partner and its rank among equal id bases. */
interface SessionPlan {
  line: number;
  c: number;
  partner: number; // -1: none
  nth: number;
}

function dayNumber(y: number, m: number, d: number): number | null {
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1990 || y > 2100) return null;
  const t = Date.UTC(y, m - 1, d);
  const back = new Date(t);
  if (back.getUTCDate() !== d) return null;
  return Math.round(t / 86_400_000);
}

/** A date this line states about itself (TIMESTAMP, start banner, SLOG), as a day number. */
function anchorDay(msg: string): number | null {
  let m = /^TIMESTAMP\s+(\d{1,2})\/(\d{1,2})\/(\d{4})\b/.exec(msg);
  if (m) return dayNumber(+m[3]!, +m[1]!, +m[2]!);
  m = /(?:Server's System Date and Time:|Start-Date:|^\(@[\w-]+-SLOG@\)\s+Time:)\s*[A-Za-z]{3},?\s+([A-Za-z]{3})\s+(\d{1,2}),?\s+(\d{4})/.exec(msg);
  if (m) {
    const mon = MONTHS[m[1]!.toLowerCase()];
    return mon ? dayNumber(+m[3]!, mon, +m[2]!) : null;
  }
  m = /\bstarted on .*\((\d{1,2})\/(\d{1,2})\/(\d{4})\)\s*$/.exec(msg);
  if (m) return dayNumber(+m[3]!, +m[1]!, +m[2]!);
  return null;
}

/** The server (re)started: every check-out it held is gone. */
function isRestart(daemon: string, msg: string): boolean {
  return (
    /^Server's System Date and Time:/.test(msg) ||
    /^FlexNet Licensing \(.*\) started on /.test(msg) ||
    (daemon !== 'lmgrd' && /^Server started on /.test(msg))
  );
}

/** The lmgrd "Please Note" box and blank lines that open a banner: not activity of the running server. */
function isBannerPreamble(daemon: string, msg: string, inBox: boolean): boolean {
  if (daemon !== 'lmgrd') return false;
  return inBox || msg.trim() === '' || /^-{10,}\s*$/.test(msg.trim());
}

function fmt(ts: number): string {
  return new Date(ts * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** `87545ACD_2022_0F` -> stem ACD, release 2022; `64300ACD_F`, `86815AECCOL_T_F` -> package. */
function splitFeature(feature: string): { stem: string; version: string | null; kind: 'package' | 'version' } {
  const f = feature.trim().toUpperCase();
  let m = /^\d{5}(.+?)_((?:19|20)\d{2})_\d+F$/.exec(f);
  if (m) return { stem: m[1]!, version: m[2]!, kind: 'version' };
  m = /^\d{5}(.+?)(?:_T)?_F$/.exec(f);
  if (m) return { stem: m[1]!, version: null, kind: 'package' };
  return { stem: f, version: null, kind: 'package' };
}

/** Feature code -> catalogue code; an unknown feature keeps its product line stem (never dropped). */
function productOf(catalogue: Catalogue, feature: string): string {
  const { stem } = splitFeature(feature);
  // The stem is itself a product line code (ACAD_E, CIV3D): exact code first, then the catalogue's own rules.
  return catalogue.get(stem)?.code ?? catalogue.resolveFeatureCode(feature) ?? catalogue.resolve(stem) ?? stem;
}

/** productOf per distinct feature: a log has a handful of features and hundreds of thousands of lines. */
function productMemo(catalogue: Catalogue): (feature: string) => string {
  const memo = new Map<string, string>();
  return (feature) => {
    let p = memo.get(feature);
    if (p === undefined) memo.set(feature, (p = productOf(catalogue, feature)));
    return p;
  };
}

/**
 * A copy of `s` that does not point into the log text. V8 substrings are views on their parent, so one
 * kept user name would otherwise keep the whole (hundreds of MB) log alive.
 */
function own(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** Interns the small strings kept per check-out (features, users, hosts repeat on every line). */
function interner(): (s: string) => string {
  const pool = new Map<string, string>();
  return (s) => {
    let v = pool.get(s);
    if (v === undefined) {
      v = own(s);
      pool.set(v, v);
    }
    return v;
  };
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 20);
}

/**
 * Calls `each` for every line, split as `/\r\n|\r|\n/` with one empty trailing line dropped and a BOM skipped,
 * without building an array of all lines. `each` returns false to stop early.
 */
function forEachLine(text: string, each: (raw: string, no: number) => boolean | void): void {
  const len = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let no = 0;
  let nextCr = text.indexOf('\r', pos);
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nextCr !== -1 && nextCr < pos) nextCr = text.indexOf('\r', pos);
    let sepLen = 1;
    let at = nl;
    if (nextCr !== -1 && (nl === -1 || nextCr < nl)) {
      at = nextCr;
      sepLen = text.charCodeAt(nextCr + 1) === 10 ? 2 : 1;
    }
    if (at === -1) {
      // The last piece: dropped when empty, as split() + pop() did.
      if (pos < len && each(text.slice(pos), ++no) === false) return;
      return;
    }
    if (each(text.slice(pos, at), ++no) === false) return;
    pos = at + sepLen;
  }
}

function readLine(raw: string, no: number): LogLine {
  const m = LINE_RX.exec(raw);
  if (!m) return { no, raw, tod: null, daemon: '', msg: raw };
  const h = +m[1]!, mi = +m[2]!, s = +m[3]!;
  const ok = h < 24 && mi < 60 && s < 60;
  return { no, raw, tod: ok ? h * 3600 + mi * 60 + s : null, daemon: m[4]!, msg: ok ? m[5]!.replace(/\s+$/, '') : raw };
}

/**
 * Dating, first pass: the day number of the clock's "day 0" (the first timed line), found from the first
 * anchor (TIMESTAMP, start banner) minus the midnights before it, so lines before the first anchor are dated
 * backwards from it. Null when the log states no date at all (then no line is dated).
 */
function dayZero(text: string, fileName: string): number | null {
  let relDay = 0;
  let prevTod: number | null = null;
  let found: number | null = null;
  let sawEvent = false;
  forEachLine(text, (raw, no) => {
    const l = readLine(raw, no);
    if (l.tod === null) return;
    if (prevTod !== null && prevTod - l.tod > MIDNIGHT_BACKSTEP_S) relDay += 1;
    prevTod = l.tod;
    const a = anchorDay(l.msg);
    if (a !== null) {
      found = a - relDay;
      return false;
    }
    if (!sawEvent && EVENT_WORD_RX.test(l.msg)) sawEvent = true;
  });
  if (found === null && sawEvent) {
    throw new RefusalError(
      `${fileName}: this FlexNet log has no date (no TIMESTAMP line and no server start banner), so its check-outs cannot be placed in time. Export a log that includes the server start or a TIMESTAMP line.`,
    );
  }
  return found;
}

/** Reads a FlexNet debug log into session and denial rows; unreadable event lines become rejects. */
export function parseFlexnetLog(text: string, ctx: { catalogue: Catalogue; fileName: string }): ParsedItem[] {
  return [...readFlexnetLog(text, ctx)];
}

/**
 * The same items as parseFlexnetLog, in the same order, made one at a time. A log that cannot be dated is
 * refused here (eagerly), before any item is asked for. The log text is released once it has been read, and
 * rows are only built when the loader takes them, so memory holds one small record per check-out, not the
 * lines or the finished rows.
 */
export function readFlexnetLog(text: string, ctx: { catalogue: Catalogue; fileName: string }): Iterable<ParsedItem> {
  const day0 = dayZero(text, ctx.fileName);
  const src: { text: string | null } = { text };
  return { [Symbol.iterator]: () => flexnetItems(src, day0, ctx.catalogue) };
}

function* flexnetItems(src: { text: string | null }, day0: number | null, catalogue: Catalogue): Generator<ParsedItem> {
  // No local binding of the text: the generator stays suspended while the loader writes its rows, and
  // anything it holds (the whole log) would stay in memory until the last row.
  const { rejects, checkouts, denials } = scanLog(takeText(src), day0);
  const product = productMemo(catalogue);
  const sessions = planSessions(checkouts, product);
  const denialList = denialRows(denials, checkouts, product).sort((a, b) => a.line - b.line);
  // Rows in line order, as one stable sort over rejects, sessions, denials would give.
  let r = 0, s = 0, d = 0;
  const INF = Number.POSITIVE_INFINITY;
  for (;;) {
    const rl = r < rejects.length ? rejects[r]!.line : INF;
    const sl = s < sessions.length ? sessions[s]!.line : INF;
    const dl = d < denialList.length ? denialList[d]!.line : INF;
    if (rl === INF && sl === INF && dl === INF) return;
    if (rl <= sl && rl <= dl) yield { reject: rejects[r++]! };
    else if (sl <= dl) yield { row: sessionRow(checkouts, sessions[s++]!, product) };
    else yield { row: denialList[d++]! };
  }
}

function takeText(src: { text: string | null }): string {
  const text = src.text;
  if (text === null) throw new Error('a FlexNet log can be read only once');
  src.text = null;
  return text;
}

function scanLog(text: string, day0: number | null): { rejects: RowReject[]; checkouts: Checkouts; denials: Denial[] } {
  const rejects: RowReject[] = [];
  const intern = interner();
  const reject = (l: LogLine, reason: string) => rejects.push({ line: l.no, raw: own(l.raw), reason });

  const checkouts = new Checkouts();
  const featureIds = new Map<string, number>();
  const whoIds = new Map<string, number>();
  const denials: Denial[] = [];
  const open = new Map<string, number[]>(); // feature + user@host -> FIFO of open check-outs
  let lastTs: number | null = null; // last line of the running server (banner preamble excluded)
  let inBox = false;
  // Dating, second pass: anchors set the day, a large backwards step of the clock is the next day.
  let day: number | null = day0;
  let prevTod: number | null = null;

  const closeAll = (at: number | null, why: number) => {
    for (const q of open.values()) for (const c of q) { checkouts.end[c] = at ?? checkouts.start[c]!; checkouts.endedBy[c] = why; }
    open.clear();
  };

  forEachLine(text, (raw, no) => {
    const l = readLine(raw, no);
    let ts: number | null = null;
    if (l.tod !== null) {
      if (prevTod !== null && prevTod - l.tod > MIDNIGHT_BACKSTEP_S && day !== null) day += 1;
      prevTod = l.tod;
      const a = anchorDay(l.msg);
      if (a !== null) day = a;
      if (day !== null) ts = day * 86_400 + l.tod;
    }
    if (l.tod === null || ts === null) {
      if (EVENT_WORD_RX.test(l.raw) && /"/.test(l.raw)) reject(l, 'looks like a FlexNet event but has no readable H:MM:SS (daemon) prefix; check the log was not cut or merged');
      return;
    }
    if (isRestart(l.daemon, l.msg)) closeAll(lastTs, ENDED_BY.indexOf('server restart'));
    const preamble = isBannerPreamble(l.daemon, l.msg, inBox);
    if (l.daemon === 'lmgrd' && /^-{10,}\s*$/.test(l.msg.trim())) inBox = !inBox;
    if (!preamble) lastTs = ts;

    if (!EVENT_WORD_RX.test(l.msg)) return;
    const m = EVENT_RX.exec(l.msg);
    if (!m) {
      if (/^(OUT|IN|DENIED|UNSUPPORTED):/.test(l.msg)) reject(l, 'FlexNet event line without the expected "feature" user@host; the line was not counted');
      return;
    }
    const [, ev, featureRaw, userRawRaw, hostRaw, tail] = m as unknown as [string, string, string, string, string, string];
    let featureId = featureIds.get(featureRaw);
    if (featureId === undefined) {
      const f = own(featureRaw);
      featureId = checkouts.features.push(f) - 1;
      checkouts.kinds.push(splitFeature(f).kind);
      featureIds.set(f, featureId);
    }
    const feature = checkouts.features[featureId]!;
    const kind = checkouts.kinds[featureId]!;
    let whoId = whoIds.get(`${userRawRaw}@${hostRaw}`);
    if (whoId === undefined) {
      const userRaw = intern(userRawRaw), host = intern(hostRaw);
      whoId = checkouts.whos.push({ userRaw, host, key: intern(`${userRaw}@${host}`.toLowerCase()) }) - 1;
      whoIds.set(own(`${userRaw}@${host}`), whoId);
    }
    const { userRaw, host, key } = checkouts.whos[whoId]!;
    const fkey = `${feature.toUpperCase()}\u0000${key}`;
    if (ev === 'OUT') {
      const c = checkouts.add(featureId, whoId, ts, l.no);
      const q = open.get(fkey);
      if (q) q.push(c);
      else open.set(fkey, [c]);
    } else if (ev === 'IN') {
      const q = open.get(fkey);
      const c = q?.shift();
      if (c === undefined) {
        reject(l, 'IN without an earlier OUT of this feature by this user@host (checked out before this log or the last server restart); not counted as a session');
        return;
      }
      if (q && q.length === 0) open.delete(fkey);
      checkouts.end[c] = ts;
      checkouts.endedBy[c] = ENDED_BY.indexOf(/\(INACTIVE\)/i.test(tail) ? 'inactive (seat reclaimed by the server)' : 'IN');
    } else {
      const reason = tail.trim().replace(/^\((.*)\)$/, '$1').trim() || null;
      denials.push({ event: ev as 'DENIED' | 'UNSUPPORTED', feature, kind, userRaw, host, key, ts, line: l.no, reason: reason === null ? null : own(reason), merged: false });
    }
  });
  closeAll(lastTs, ENDED_BY.indexOf('end of log'));
  return { rejects, checkouts, denials };
}

/** The closest ungrouped check-out of the other kind by the same user@host within the window. */
function partnerOf<T extends { key: string; kind: 'package' | 'version'; line: number }>(
  list: T[], idx: number, time: (t: T) => number, free: (t: T) => boolean, sameProduct: (a: T, b: T) => boolean,
): T | null {
  const me = list[idx]!;
  let best: T | null = null;
  let bestScore = Infinity;
  for (let j = idx - 1; j >= 0 && time(me) - time(list[j]!) <= GROUP_WINDOW_S; j--) consider(list[j]!);
  for (let j = idx + 1; j < list.length && time(list[j]!) - time(me) <= GROUP_WINDOW_S; j++) consider(list[j]!);
  return best;
  function consider(o: T) {
    if (o.key !== me.key || o.kind === me.kind || !free(o)) return;
    // Prefer the same product (64300ACD_F with an ACD release), then the nearest in time, then in the file.
    const score = (sameProduct(me, o) ? 0 : 1_000_000) + Math.abs(time(o) - time(me)) * 1000 + Math.abs(o.line - me.line);
    if (score < bestScore) { bestScore = score; best = o; }
  }
}

/**
 * Pairs package and version check-outs into sessions (in start order, which fixes the pairing and the
 * session-id rank) and returns them in line order; the rows themselves are built later by sessionRow.
 */
function planSessions(co: Checkouts, productOf: (feature: string) => string): SessionPlan[] {
  const order = Int32Array.from({ length: co.size }, (_, i) => i).sort((a, b) => co.start[a]! - co.start[b]! || co.line[a]! - co.line[b]!);
  const plans: SessionPlan[] = [];
  // Id bases start with the start time and the list is in start order, so only bases of one start can repeat.
  const seen = new Map<string, number>();
  let seenStart = Number.NaN;
  for (let idx = 0; idx < order.length; idx++) {
    const c = order[idx]!;
    if (co.grouped[c]) continue;
    co.grouped[c] = 1;
    const partner = checkoutPartner(co, order, idx, productOf);
    if (partner !== -1) co.grouped[partner] = 1;
    const ver = co.kindOf(c) === 'version' ? c : partner;
    const main = ver !== -1 ? ver : c;
    const start = Math.min(co.start[c]!, partner !== -1 ? co.start[partner]! : co.start[c]!);
    if (start !== seenStart) {
      seen.clear();
      seenStart = start;
    }
    const idBase = `${co.whoOf(c).key}|${co.featureOf(main).toUpperCase()}`;
    const nth = (seen.get(idBase) ?? 0) + 1;
    seen.set(idBase, nth);
    plans.push({ line: Math.min(co.line[c]!, partner !== -1 ? co.line[partner]! : co.line[c]!), c, partner, nth });
  }
  // Stable: equal lines (none in practice) keep start order, as the former single sort did.
  return plans.sort((a, b) => a.line - b.line);
}

/** partnerOf for check-outs held as columns: `order` is the start-sorted index, `idx` a position in it. */
function checkoutPartner(co: Checkouts, order: Int32Array, idx: number, productOf: (feature: string) => string): number {
  const me = order[idx]!;
  const meKey = co.whoOf(me).key;
  const meKind = co.kindOf(me);
  const meStart = co.start[me]!;
  const meProduct = productOf(co.featureOf(me));
  let best = -1;
  let bestScore = Infinity;
  const consider = (o: number) => {
    if (co.whoOf(o).key !== meKey || co.kindOf(o) === meKind || co.grouped[o]) return;
    // Prefer the same product (64300ACD_F with an ACD release), then the nearest in time, then in the file.
    const score = (productOf(co.featureOf(o)) === meProduct ? 0 : 1_000_000) + Math.abs(co.start[o]! - meStart) * 1000 + Math.abs(co.line[o]! - co.line[me]!);
    if (score < bestScore) { bestScore = score; best = o; }
  };
  for (let j = idx - 1; j >= 0 && meStart - co.start[order[j]!]! <= GROUP_WINDOW_S; j--) consider(order[j]!);
  for (let j = idx + 1; j < order.length && co.start[order[j]!]! - meStart <= GROUP_WINDOW_S; j++) consider(order[j]!);
  return best;
}

function sessionRow(co: Checkouts, plan: SessionPlan, productOf: (feature: string) => string): CanonicalRow {
  const { c, partner, nth, line } = plan;
  const pkg = co.kindOf(c) === 'package' ? c : partner;
  const ver = co.kindOf(c) === 'version' ? c : partner;
  const main = ver !== -1 ? ver : pkg;
  const who = co.whoOf(main);
  const feature = co.featureOf(main);
  const start = Math.min(co.start[c]!, partner !== -1 ? co.start[partner]! : co.start[c]!);
  // The version feature is the specific one; a package feature can be shared by two sessions of one user.
  const endRaw = co.end[main]!;
  const end = Number.isNaN(endRaw) ? start : endRaw;
  const product = productOf(feature);
  const idBase = `${fmt(start)}|${co.whoOf(c).key}|${feature.toUpperCase()}`;
  const values: Record<string, CellValue> = {
    // Content-derived, so the same log imported again (or a later log that repeats these lines) is a duplicate.
    session_id: `flexnet-${shortHash(`${idBase}|${nth}`)}`,
    user: who.userRaw.trim().toLowerCase(),
    user_raw: who.userRaw.trim(),
    product,
    product_raw: feature,
    version: ver !== -1 ? splitFeature(co.featureOf(ver)).version : null,
    device_name: who.host,
    start_time: fmt(start),
    end_time: fmt(end),
    duration_minutes: Math.max(0, end - start) / 60,
    licence_type: 'network',
    feature_code: feature,
    licence_offering: pkg !== -1 ? productOf(co.featureOf(pkg)) : null,
  };
  const extra: Array<[string, string]> = [['ended_by', ENDED_BY[co.endedBy[main]!]!]];
  if (pkg !== -1 && ver !== -1) extra.push(['package_feature', co.featureOf(pkg)], ['package_line', String(co.line[pkg])], ['version_line', String(co.line[ver])]);
  return { table: 'sessions', line, values, extra };
}

/**
 * Denials. Autodesk logs a DENIED for the package and for the version feature of one attempt; we emit ONE
 * row per attempt (the version feature's, line = first of the pair, the companion line kept in `extra`),
 * so `event='DENIED' AND true_denial IS NOT FALSE` counts each attempt once without relying on NULL tricks.
 */
function denialRows(denials: Denial[], co: Checkouts, productOf: (feature: string) => string): CanonicalRow[] {
  const list = [...denials].sort((a, b) => a.ts - b.ts || a.line - b.line);
  const same = (a: Denial, b: Denial) => a.event === b.event && productOf(a.feature) === productOf(b.feature);
  const rows: CanonicalRow[] = [];
  const outsByUser = new Map<string, number[]>();
  for (let c = 0; c < (denials.length ? co.size : 0); c++) {
    const u = co.whoOf(c).userRaw.trim().toLowerCase();
    const q = outsByUser.get(u);
    if (q) q.push(c);
    else outsByUser.set(u, [c]);
  }
  list.forEach((d, idx) => {
    if (d.merged) return;
    d.merged = true;
    const partner = partnerOf(list, idx, (x) => x.ts, (x) => !x.merged && x.event === d.event, same);
    if (partner) partner.merged = true;
    const main = d.kind === 'version' ? d : partner && partner.kind === 'version' ? partner : d;
    const other = main === d ? partner : d;
    const user = main.userRaw.trim().toLowerCase();
    const features = new Set([d.feature.toUpperCase(), ...(partner ? [partner.feature.toUpperCase()] : [])]);
    // The attempt's product (the version feature's); a collection package alone would match unrelated check-outs.
    const products = new Set([productOf(main.feature)]);
    let trueDenial: boolean | null = null;
    if (main.event === 'DENIED') {
      const t0 = Math.min(d.ts, partner?.ts ?? d.ts);
      const retried = (outsByUser.get(user) ?? []).some(
        (c) => co.start[c]! >= t0 && co.start[c]! - t0 <= DENIAL_RETRY_S && (features.has(co.featureOf(c).toUpperCase()) || products.has(productOf(co.featureOf(c)))),
      );
      trueDenial = !retried;
    }
    const extra: Array<[string, string]> = [];
    if (other) extra.push(['companion_feature', other.feature], ['companion_line', String(other.line)]);
    rows.push({
      table: 'flexnet_events',
      line: Math.min(d.line, partner?.line ?? d.line),
      values: {
        ts: fmt(Math.min(d.ts, partner?.ts ?? d.ts)),
        event: main.event,
        feature: main.feature,
        product: productOf(main.feature),
        user,
        user_raw: main.userRaw.trim(),
        host: main.host,
        reason: main.reason ?? other?.reason ?? null,
        true_denial: trueDenial,
      },
      extra: extra.length ? extra : null,
    });
  });
  return rows;
}
