// FlexNet licence-server debug log reader (lmgrd / adskflex), DATA-CONTRACT §1.4.
// Turns `H:MM:SS (daemon) OUT|IN|DENIED|UNSUPPORTED` lines into `sessions` rows (licence_type 'network')
// and `flexnet_events` rows. The log carries no date on its lines: the date comes from TIMESTAMP lines and
// the start banner and is carried forward across midnight. Autodesk checks out a package feature and a
// version feature per session; the pair is counted as one session.
import { createHash } from 'node:crypto';
import type { Catalogue } from '../catalogue/catalogue';
import { RefusalError, type CanonicalRow, type CellValue, type ParsedItem, type RowReject } from './types';
import { EVENT_RX, forEachLineSpan, LINE_RX, Occurrences, parseEvent, parseLine, SpanIds, type EventParts, type LineParts } from './flexnet-lines';

/** Package and version check-outs of one user@host this close together belong to one session. */
const GROUP_WINDOW_S = 5;
/** A successful check-out this soon after a denial makes the denial a retry, not a true denial (RULES.md). */
const DENIAL_RETRY_S = 60;
/** A backwards step of the clock larger than this (with no new date) is midnight; smaller steps are
 * interleaving of the lmgrd and vendor daemon writers or a daylight-saving change. */
const MIDNIGHT_BACKSTEP_S = 3600;

/**
 * Unreadable event lines a log may hold before it is refused, and the characters of each kept: a hostile
 * or damaged file must not fill memory with rejects (each is held until loaded).
 */
export const LOG_REJECT_LIMITS = { maxRejects: 1_000_000, maxRawChars: 2_000 };

const EVENT_WORD_RX = /\b(OUT|IN|DENIED|UNSUPPORTED):/;
const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };

/** True when the first lines of a file look like a FlexNet debug log. */
export function looksLikeFlexnetLog(headText: string): boolean {
  const lines = headText.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).filter((l) => l.trim() !== '').slice(0, 60);
  if (lines.length === 0) return false;
  const hits = lines.filter((l) => LINE_RX.test(l)).length;
  const flexWords = /\((lmgrd|adskflex)\)|FlexNet Licensing|\bTIMESTAMP \d{1,2}\/\d{1,2}\/\d{4}|\b(OUT|IN|DENIED):\s+"/.test(headText);
  return hits >= Math.min(2, lines.length) && hits * 2 >= lines.length && flexWords;
}

/** Who checked out: the user as written, the host, and the lower-cased user@host that pairs lines. */
export interface Who {
  userRaw: string;
  host: string;
  key: string;
}

export const ENDED_BY = ['end of log', 'IN', 'inactive (seat reclaimed by the server)', 'server restart'] as const;

/**
 * Every check-out of the log as parallel columns (a 24-month log holds hundreds of thousands; as objects they
 * cost ~140 bytes each, here ~30). Features and users are ids into small interned tables.
 */
export class Checkouts {
  size = 0;
  readonly features: string[] = [];
  readonly kinds: Array<'package' | 'version'> = [];
  /** Per feature: an id of its upper-cased text (features that differ only in case share one). */
  readonly featureUpper: number[] = [];
  readonly whos: Who[] = [];
  /** Per user@host: an id of its lower-cased key (the key pairs lines). */
  readonly whoKey: number[] = [];
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
export interface SessionPlan {
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
  // "started on HOST (IBM PC) (3/1/2016)": the date that ends the line. Found by the words, then the tail alone: one
  // regex with `started on .*\(` backtracks over every "(" of every "started on", hours on a hostile log.
  if (/\bstarted on /.test(msg)) {
    m = /\((\d{1,2})\/(\d{1,2})\/(\d{4})\)\s*$/.exec(msg.length > 256 ? msg.slice(-256) : msg);
    if (m) return dayNumber(+m[3]!, +m[1]!, +m[2]!);
  }
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

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const dayPrefixes = new Map<number, string>();

/** `YYYY-MM-DD HH:MM:SS` of epoch seconds, as `toISOString` gives it; the date part is made once per day. */
export function fmt(ts: number): string {
  if (!Number.isInteger(ts)) return fmtSlow(ts);
  const day = Math.floor(ts / 86_400);
  const sod = ts - day * 86_400;
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    const iso = new Date(day * 86_400_000).toISOString();
    // Years outside 0000-9999 are written differently: leave them to toISOString itself.
    if (iso.length !== 24) return fmtSlow(ts);
    prefix = iso.slice(0, 10) + ' ';
    if (dayPrefixes.size > 100_000) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  const h = Math.floor(sod / 3600), rest = sod - h * 3600, m = Math.floor(rest / 60);
  return `${prefix}${PAD2[h]}:${PAD2[m]}:${PAD2[rest - m * 60]}`;
}

function fmtSlow(ts: number): string {
  return new Date(ts * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** `87545ACD_2022_0F` -> stem ACD, release 2022; `64300ACD_F`, `86815AECCOL_T_F` -> package. */
export function splitFeature(feature: string): { stem: string; version: string | null; kind: 'package' | 'version' } {
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

export function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 20);
}

/**
 * Dating, first pass: the day number of the clock's "day 0" (the first timed line), found from the first
 * anchor (TIMESTAMP, start banner) minus the midnights before it, so lines before the first anchor are dated
 * backwards from it. Null when the log states no date at all (then no line is dated).
 */
function dayZero(text: string): number | null {
  const finder = new DayZeroFinder();
  finder.push(text, true);
  return finder.result();
}

/** dayZero over a log read in blocks of whole lines: push blocks until it says it is done. */
export class DayZeroFinder {
  private relDay = 0;
  private prevTod: number | null = null;
  private found: number | null = null;
  private sawEvent = false;
  private readonly p: LineParts = { tod: 0, daemonStart: 0, daemonEnd: 0, msgStart: 0, msgEnd: 0 };

  /** Reads one block (whole lines; `first` for the log's first); true once the day is known. */
  push(text: string, first: boolean): boolean {
    if (this.found !== null) return true;
    const exotic = hasLineSeparators(text);
    const anchors = anchorFinder(text);
    const p = this.p;
    forEachLineSpan(text, (ls, le) => {
      if (!parseLine(text, ls, le, exotic, p) || p.tod < 0) return;
      if (this.prevTod !== null && this.prevTod - p.tod > MIDNIGHT_BACKSTEP_S) this.relDay += 1;
      this.prevTod = p.tod;
      const a = anchors(p.msgStart, p.msgEnd);
      if (a !== null) {
        this.found = a - this.relDay;
        return false;
      }
      if (!this.sawEvent && EVENT_WORD_RX.test(text.slice(p.msgStart, p.msgEnd))) this.sawEvent = true;
    }, first);
    return this.found !== null;
  }

  /** The day once every block was pushed (or push said done); refuses a log with events and no date. */
  result(): number | null {
    if (this.found === null && this.sawEvent) {
      throw new RefusalError(
        `This FlexNet log has no date (no TIMESTAMP line and no server start banner), so its check-outs cannot be placed in time. Export a log that includes the server start or a TIMESTAMP line.`,
      );
    }
    return this.found;
  }
}

/** U+2028/U+2029 end a line for the regexes' `.`: with one in the text, the regexes read every line. */
function hasLineSeparators(text: string): boolean {
  return text.indexOf('\u2028') !== -1 || text.indexOf('\u2029') !== -1;
}

/**
 * anchorDay of the message text[ms, me), asked only when the message can hold an anchor: one starting with
 * TIMESTAMP or `(@`, or holding "Date" or "started on " (every anchor pattern needs one of these).
 */
function anchorFinder(text: string): (ms: number, me: number) => number | null {
  const date = new Occurrences(text, 'Date');
  const started = new Occurrences(text, 'started on ');
  return (ms, me) => {
    const c0 = ms < me ? text.charCodeAt(ms) : -1;
    if (c0 !== 84 && c0 !== 40 && !date.within(ms, me) && !started.within(ms, me)) return null;
    return anchorDay(text.slice(ms, me));
  };
}

/** Reads a FlexNet debug log into session and denial rows; unreadable event lines become rejects. */
export function parseFlexnetLog(text: string, ctx: { catalogue: Catalogue }): ParsedItem[] {
  return [...readFlexnetLog(text, ctx)];
}

/** Everything the log holds, read once: what rows and the column loader (flexnet-load.ts) are made from. */
export interface FlexnetScan {
  rejects: RowReject[];
  checkouts: Checkouts;
  /** Sessions in line order. */
  sessions: SessionPlan[];
  /** Denial rows in line order. */
  denials: CanonicalRow[];
  product: (feature: string) => string;
  /**
   * The days (YYYY-MM-DD, in the engagement's zone) on which the log has any dated line, TIMESTAMP lines included:
   * the server was up and logging then, with check-outs or not (a telemetry gap is a stretch without them).
   */
  liveDays: string[];
}

/**
 * A FlexNet log waiting to be read: the same items as parseFlexnetLog, in the same order, made one at a
 * time, or the whole scan for the column loader. The log text is released once it has been read, and rows
 * are only built when the loader takes them, so memory holds one small record per check-out.
 */
export class FlexnetLog implements Iterable<ParsedItem> {
  private source: string | LogBlocks | null;

  constructor(
    source: string | LogBlocks,
    private readonly day0: number | null,
    private readonly catalogue: Catalogue,
    private readonly rejectLimits = LOG_REJECT_LIMITS,
    /** Moves the server's wall-clock times into the engagement's zone (log-zone.ts), when the two differ. */
    private readonly shift: ((wallSeconds: number) => number) | null = null,
  ) {
    this.source = source;
  }

  /** Reads a log given as text (once: the text is dropped here). */
  scan(): FlexnetScan {
    const text = this.take();
    if (typeof text !== 'string') throw new Error('a FlexNet log read from a file is read with read()');
    return this.finish(scanLog(text, this.day0, this.rejectLimits));
  }

  /** Reads the log, as text or block by block from its file (once). */
  async read(): Promise<FlexnetScan> {
    const source = this.take();
    if (typeof source === 'string') return this.finish(scanLog(source, this.day0, this.rejectLimits));
    const scanner = logScanner(this.day0, this.rejectLimits);
    let first = true;
    for await (const block of source()) {
      scanner.push(block, first);
      first = false;
    }
    return this.finish(scanner.end());
  }

  private take(): string | LogBlocks {
    const source = this.source;
    if (source === null) throw new Error('a FlexNet log can be read only once');
    this.source = null;
    return source;
  }

  private finish({ rejects, checkouts, denials, liveHours }: LogScanResult): FlexnetScan {
    const shift = this.shift;
    const liveDays = [...new Set([...liveHours].map((h) => new Date((shift ? shift(h) : h) * 1000).toISOString().slice(0, 10)))].sort();
    if (shift) {
      // Every time at once, before sessions are paired and denials judged: order and gaps stay as the server logged them.
      for (let c = 0; c < checkouts.size; c++) {
        checkouts.start[c] = shift(checkouts.start[c]!);
        checkouts.end[c] = shift(checkouts.end[c]!);
      }
      for (const d of denials) d.ts = shift(d.ts);
    }
    const product = productMemo(this.catalogue);
    const sessions = planSessions(checkouts, product);
    return { rejects, checkouts, sessions, denials: denialRows(denials, checkouts, product).sort((a, b) => a.line - b.line), product, liveDays };
  }

  [Symbol.iterator](): Iterator<ParsedItem> {
    return flexnetItems(this);
  }
}

/** A log's text as blocks of whole lines, from its start, each time it is called (log-blocks.ts). */
export type LogBlocks = () => AsyncIterable<string>;

/**
 * The log's items (see FlexnetLog). A log that cannot be dated is refused here (eagerly), before any item is
 * asked for.
 */
export function readFlexnetLog(text: string, ctx: { catalogue: Catalogue }): FlexnetLog {
  return new FlexnetLog(text, dayZero(text), ctx.catalogue);
}

/**
 * readFlexnetLog for a log read from its file in blocks: the date is found first (usually in the first
 * block; a log with no date is read to its end and refused), then the log is read again when loaded.
 */
export async function openFlexnetLog(blocks: LogBlocks, ctx: { catalogue: Catalogue; rejectLimits?: typeof LOG_REJECT_LIMITS; shift?: ((wallSeconds: number) => number) | null }): Promise<FlexnetLog> {
  const finder = new DayZeroFinder();
  let first = true;
  for await (const block of blocks()) {
    if (finder.push(block, first)) break;
    first = false;
  }
  return new FlexnetLog(blocks, finder.result(), ctx.catalogue, ctx.rejectLimits, ctx.shift ?? null);
}

function* flexnetItems(log: FlexnetLog): Generator<ParsedItem> {
  // No binding of the text: the generator stays suspended while the loader writes its rows.
  yield* scanItems(log.scan());
}

/** The rows and rejects of a scan, in line order. */
export function* scanItems(scan: FlexnetScan): Generator<ParsedItem> {
  const { rejects, checkouts, sessions, denials, product } = scan;
  // Rows in line order, as one stable sort over rejects, sessions, denials would give.
  let r = 0, s = 0, d = 0;
  const INF = Number.POSITIVE_INFINITY;
  for (;;) {
    const rl = r < rejects.length ? rejects[r]!.line : INF;
    const sl = s < sessions.length ? sessions[s]!.line : INF;
    const dl = d < denials.length ? denials[d]!.line : INF;
    if (rl === INF && sl === INF && dl === INF) return;
    if (rl <= sl && rl <= dl) yield { reject: rejects[r++]! };
    else if (sl <= dl) yield { row: sessionRow(checkouts, sessions[s++]!, product) };
    else yield { row: denials[d++]! };
  }
}

const REASON_NO_PREFIX = 'looks like a FlexNet event but has no readable H:MM:SS (daemon) prefix; check the log was not cut or merged';
const REASON_NO_USER = 'FlexNet event line without the expected "feature" user@host; the line was not counted';
const REASON_NO_OUT = 'IN without an earlier OUT of this feature by this user@host (checked out before this log or the last server restart); not counted as a session';
const ENDED_IN = ENDED_BY.indexOf('IN');
const ENDED_INACTIVE = ENDED_BY.indexOf('inactive (seat reclaimed by the server)');
/** Distinct (user@host key, upper-case feature) pairs as one number; ids stay far below 2^26 (one per line at most). */
const PAIR = 2 ** 26;

/**
 * One pass over the lines. The common lines (OUT/IN, TIMESTAMP) are read by position with the scanners of
 * flexnet-lines.ts, without a string per line; anything unusual is read by the regexes as before.
 */
function scanLog(text: string, day0: number | null, limits = LOG_REJECT_LIMITS): LogScanResult {
  const scanner = logScanner(day0, limits);
  scanner.push(text, true);
  return scanner.end();
}

interface LogScanResult {
  rejects: RowReject[];
  checkouts: Checkouts;
  denials: Denial[];
  /** The hours (epoch seconds of each hour's start, the server's clock) with any dated line. */
  liveHours: Set<number>;
}

/** What a log scan keeps between blocks; the same result for a log pushed whole or in blocks of whole lines. */
interface LogScanner {
  /** Reads one block of whole lines (`first` for the log's first block). */
  push(block: string, first: boolean): void;
  /** Closes what is still open at the end of the log. */
  end(): LogScanResult;
}

function logScanner(day0: number | null, limits = LOG_REJECT_LIMITS): LogScanner {
  // The block being read: every position below is into it; line numbers continue from `lineBase`.
  let text = '';
  let lineBase = 0;
  let lastLine = 0;
  const rejects: RowReject[] = [];
  const intern = interner();
  const reject = (no: number, ls: number, le: number, reason: string) => {
    if (rejects.length >= limits.maxRejects) {
      throw new RefusalError(
        `This log has more than ${limits.maxRejects.toLocaleString('en-US')} unreadable event lines (the last at line ${no.toLocaleString('en-US')}): it is damaged or not a licence server's debug log. Check the file.`,
      );
    }
    rejects.push({ line: no, raw: own(text.slice(ls, Math.min(le, ls + limits.maxRawChars))), reason });
  };

  const checkouts = new Checkouts();
  const featureIds = new Map<string, number>();
  const upperIds = new Map<string, number>();
  const whoIds = new Map<string, number>();
  const whoRawOf: string[] = []; // per who: user@host as written (the whoIds key)
  // The position scanner's way to the same ids, without a string per line (the maps stay the definition).
  const featureSpans = new SpanIds();
  const whoSpans = new SpanIds();
  const keyIds = new Map<string, number>();
  const denials: Denial[] = [];
  const liveHours = new Set<number>();
  const open = new Map<number, number[]>(); // FEATURE + user@host (numbered) -> FIFO of open check-outs
  let lastTs: number | null = null; // last line of the running server (banner preamble excluded)
  let inBox = false;
  // Dating, second pass: anchors set the day, a large backwards step of the clock is the next day.
  let day: number | null = day0;
  let prevTod: number | null = null;
  let exotic = false;
  let anchors = anchorFinder(text);
  const p: LineParts = { tod: 0, daemonStart: 0, daemonEnd: 0, msgStart: 0, msgEnd: 0 };
  const ev: EventParts = { featureStart: 0, featureEnd: 0, userStart: 0, at: 0, hostEnd: 0, tailStart: 0, featureHash: 0, whoHash: 0 };

  const closeAll = (at: number | null, why: number) => {
    for (const q of open.values()) for (const c of q) { checkouts.end[c] = at ?? checkouts.start[c]!; checkouts.endedBy[c] = why; }
    open.clear();
  };

  const featureIdOf = (featureRaw: string): number => {
    let id = featureIds.get(featureRaw);
    if (id === undefined) {
      const f = own(featureRaw);
      id = checkouts.features.push(f) - 1;
      checkouts.kinds.push(splitFeature(f).kind);
      const upper = f.toUpperCase();
      let u = upperIds.get(upper);
      if (u === undefined) upperIds.set(upper, (u = upperIds.size));
      checkouts.featureUpper.push(u);
      featureIds.set(f, id);
    }
    return id;
  };
  // `whoRaw` is `user@host` as written (`at`: the position of its '@'), split only the first time it is seen.
  const whoIdOf = (whoRaw: string, at: number): number => {
    let id = whoIds.get(whoRaw);
    if (id === undefined) {
      const userRaw = intern(whoRaw.slice(0, at)), host = intern(whoRaw.slice(at + 1));
      const key = intern(`${userRaw}@${host}`.toLowerCase());
      id = checkouts.whos.push({ userRaw, host, key }) - 1;
      let k = keyIds.get(key);
      if (k === undefined) keyIds.set(key, (k = keyIds.size));
      checkouts.whoKey.push(k);
      whoRawOf.push(own(whoRaw));
      whoIds.set(whoRawOf[id]!, id);
    }
    return id;
  };
  // The FIFO key is the text `FEATURE\u0000user@host` as before, numbered once per (feature, key) pair.
  const pairKeys = new Map<number, number>();
  const fkeyIds = new Map<string, number>();
  const fkeyOf = (featureId: number, whoId: number): number => {
    const pair = checkouts.whoKey[whoId]! * PAIR + checkouts.featureUpper[featureId]!;
    let id = pairKeys.get(pair);
    if (id === undefined) {
      const text = `${checkouts.features[featureId]!.toUpperCase()}\u0000${checkouts.whos[whoId]!.key}`;
      id = fkeyIds.get(text);
      if (id === undefined) fkeyIds.set(text, (id = fkeyIds.size));
      pairKeys.set(pair, id);
    }
    return id;
  };
  const checkOut = (featureId: number, whoId: number, ts: number, no: number) => {
    const c = checkouts.add(featureId, whoId, ts, no);
    const fkey = fkeyOf(featureId, whoId);
    const q = open.get(fkey);
    if (q) q.push(c);
    else open.set(fkey, [c]);
  };
  /** False when no check-out was open (the caller rejects the line). */
  const checkIn = (featureId: number, whoId: number, ts: number, inactive: boolean): boolean => {
    const fkey = fkeyOf(featureId, whoId);
    const q = open.get(fkey);
    const c = q?.shift();
    if (c === undefined) return false;
    if (q && q.length === 0) open.delete(fkey);
    checkouts.end[c] = ts;
    checkouts.endedBy[c] = inactive ? ENDED_INACTIVE : ENDED_IN;
    return true;
  };

  /** An event line as EVENT_RX reads it (every event the position scanner was not sure of). */
  const eventByRegex = (msg: string, ts: number, no: number, ls: number, le: number) => {
    const m = EVENT_RX.exec(msg);
    if (!m) {
      if (/^(OUT|IN|DENIED|UNSUPPORTED):/.test(msg)) reject(no, ls, le, REASON_NO_USER);
      return;
    }
    const [, evWord, featureRaw, userRawRaw, hostRaw, tail] = m as unknown as [string, string, string, string, string, string];
    const featureId = featureIdOf(featureRaw);
    const whoId = whoIdOf(`${userRawRaw}@${hostRaw}`, userRawRaw.length);
    if (evWord === 'OUT') checkOut(featureId, whoId, ts, no);
    else if (evWord === 'IN') {
      if (!checkIn(featureId, whoId, ts, /\(INACTIVE\)/i.test(tail))) reject(no, ls, le, REASON_NO_OUT);
    } else {
      const { userRaw, host, key } = checkouts.whos[whoId]!;
      const reason = tail.trim().replace(/^\((.*)\)$/, '$1').trim() || null;
      const feature = checkouts.features[featureId]!;
      const kind = checkouts.kinds[featureId]!;
      denials.push({ event: evWord as 'DENIED' | 'UNSUPPORTED', feature, kind, userRaw, host, key, ts, line: no, reason: reason === null ? null : own(reason), merged: false });
    }
  };

  const eachLine = (ls: number, le: number, n: number) => {
    const no = lineBase + n;
    lastLine = n;
    let ts: number | null = null;
    const timed = parseLine(text, ls, le, exotic, p) && p.tod >= 0;
    if (timed) {
      if (prevTod !== null && prevTod - p.tod > MIDNIGHT_BACKSTEP_S && day !== null) day += 1;
      prevTod = p.tod;
      const a = anchors(p.msgStart, p.msgEnd);
      if (a !== null) day = a;
      if (day !== null) ts = day * 86_400 + p.tod;
    }
    if (ts !== null) liveHours.add(Math.floor(ts / 3600) * 3600);
    if (!timed || ts === null) {
      const raw = text.slice(ls, le);
      if (EVENT_WORD_RX.test(raw) && /"/.test(raw)) reject(no, ls, le, REASON_NO_PREFIX);
      return;
    }
    const ms = p.msgStart, me = p.msgEnd;
    const c0 = ms < me ? text.charCodeAt(ms) : -1;
    const lmgrd = p.daemonEnd - p.daemonStart === 5 && text.startsWith('lmgrd', p.daemonStart);
    // Only messages starting with S or F can be a restart; only lmgrd writes the banner box.
    if ((c0 === 83 || c0 === 70) && isRestart(text.slice(p.daemonStart, p.daemonEnd), text.slice(ms, me))) closeAll(lastTs, ENDED_BY.indexOf('server restart'));
    let preamble = false;
    if (lmgrd) {
      const msg = text.slice(ms, me);
      preamble = isBannerPreamble('lmgrd', msg, inBox);
      if (/^-{10,}\s*$/.test(msg.trim())) inBox = !inBox;
    }
    if (!preamble) lastTs = ts;

    // EVENT_RX is anchored: only a message that starts with an event word can be an event.
    let wordEnd = -1;
    if (c0 === 79) wordEnd = text.startsWith('OUT:', ms) ? ms + 4 : -1;
    else if (c0 === 73) wordEnd = text.startsWith('IN:', ms) ? ms + 3 : -1;
    else if ((c0 === 68 && text.startsWith('DENIED:', ms)) || (c0 === 85 && text.startsWith('UNSUPPORTED:', ms))) {
      eventByRegex(text.slice(ms, me), ts, no, ls, le);
      return;
    }
    if (wordEnd === -1) return;
    if (!parseEvent(text, wordEnd, me, ev)) {
      eventByRegex(text.slice(ms, me), ts, no, ls, le);
      return;
    }
    let featureId = featureSpans.find(text, ev.featureStart, ev.featureEnd, ev.featureHash);
    if (featureId === -1) {
      featureId = featureIdOf(text.slice(ev.featureStart, ev.featureEnd));
      featureSpans.add(ev.featureHash, checkouts.features[featureId]!, featureId);
    }
    let whoId = whoSpans.find(text, ev.userStart, ev.hostEnd, ev.whoHash);
    if (whoId === -1) {
      whoId = whoIdOf(text.slice(ev.userStart, ev.hostEnd), ev.at - ev.userStart);
      whoSpans.add(ev.whoHash, whoRawOf[whoId]!, whoId);
    }
    if (c0 === 79) checkOut(featureId, whoId, ts, no);
    else if (!checkIn(featureId, whoId, ts, ev.tailStart < me && /\(INACTIVE\)/i.test(text.slice(ev.tailStart, me)))) reject(no, ls, le, REASON_NO_OUT);
  };
  return {
    push(block, first) {
      text = block;
      exotic = hasLineSeparators(text);
      anchors = anchorFinder(text);
      lastLine = 0;
      forEachLineSpan(text, eachLine, first);
      lineBase += lastLine;
      // Nothing kept points into the block (own() copies), so it can go.
      text = '';
      anchors = anchorFinder(text);
    },
    end() {
      closeAll(lastTs, ENDED_BY.indexOf('end of log'));
      return { rejects, checkouts, denials, liveHours };
    },
  };
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

/** Check-out indexes in start order (ties: line order); usually the log order already. */
function startOrder(co: Checkouts): Int32Array {
  const order = new Int32Array(co.size);
  let sorted = true;
  for (let i = 0; i < co.size; i++) {
    order[i] = i;
    // Check-outs are added in line order, so index order is (start, line) order when starts never go back.
    if (i > 0 && co.start[i]! < co.start[i - 1]!) sorted = false;
  }
  return sorted ? order : order.sort((a, b) => co.start[a]! - co.start[b]! || co.line[a]! - co.line[b]!);
}

/**
 * Pairs package and version check-outs into sessions (in start order, which fixes the pairing and the
 * session-id rank) and returns them in line order; the rows themselves are built later by sessionRow.
 */
function planSessions(co: Checkouts, productOf: (feature: string) => string): SessionPlan[] {
  const order = startOrder(co);
  const featureProduct = co.features.map(productOf);
  const plans: SessionPlan[] = [];
  // Id bases (`key|FEATURE`) start with the start time and the list is in start order, so only bases of one
  // start can repeat. Each distinct base text gets a number once.
  const baseIds = new Map<string, number>();
  const pairBase = new Map<number, number>();
  const seen = new Map<number, number>();
  let seenStart = Number.NaN;
  for (let idx = 0; idx < order.length; idx++) {
    const c = order[idx]!;
    if (co.grouped[c]) continue;
    co.grouped[c] = 1;
    const partner = checkoutPartner(co, order, idx, featureProduct);
    if (partner !== -1) co.grouped[partner] = 1;
    const ver = co.kindOf(c) === 'version' ? c : partner;
    const main = ver !== -1 ? ver : c;
    const start = Math.min(co.start[c]!, partner !== -1 ? co.start[partner]! : co.start[c]!);
    if (start !== seenStart) {
      seen.clear();
      seenStart = start;
    }
    const pair = co.whoKey[co.who[c]!]! * PAIR + co.featureUpper[co.feature[main]!]!;
    let base = pairBase.get(pair);
    if (base === undefined) {
      const text = `${co.whoOf(c).key}|${co.featureOf(main).toUpperCase()}`;
      base = baseIds.get(text);
      if (base === undefined) baseIds.set(text, (base = baseIds.size));
      pairBase.set(pair, base);
    }
    const nth = (seen.get(base) ?? 0) + 1;
    seen.set(base, nth);
    plans.push({ line: Math.min(co.line[c]!, partner !== -1 ? co.line[partner]! : co.line[c]!), c, partner, nth });
  }
  // Stable: equal lines (none in practice) keep start order, as the former single sort did.
  return plans.sort((a, b) => a.line - b.line);
}

/** partnerOf for check-outs held as columns: `order` is the start-sorted index, `idx` a position in it. */
function checkoutPartner(co: Checkouts, order: Int32Array, idx: number, featureProduct: readonly string[]): number {
  const me = order[idx]!;
  const meKey = co.whoKey[co.who[me]!]!;
  const meKind = co.kindOf(me);
  const meStart = co.start[me]!;
  const meProduct = featureProduct[co.feature[me]!]!;
  let best = -1;
  let bestScore = Infinity;
  const consider = (o: number) => {
    if (co.whoKey[co.who[o]!]! !== meKey || co.kindOf(o) === meKind || co.grouped[o]) return;
    // Prefer the same product (64300ACD_F with an ACD release), then the nearest in time, then in the file.
    const score = (featureProduct[co.feature[o]!] === meProduct ? 0 : 1_000_000) + Math.abs(co.start[o]! - meStart) * 1000 + Math.abs(co.line[o]! - co.line[me]!);
    if (score < bestScore) { bestScore = score; best = o; }
  };
  for (let j = idx - 1; j >= 0 && meStart - co.start[order[j]!]! <= GROUP_WINDOW_S; j--) consider(order[j]!);
  for (let j = idx + 1; j < order.length && co.start[order[j]!]! - meStart <= GROUP_WINDOW_S; j++) consider(order[j]!);
  return best;
}

/** What a session row is made of, shared by the row builder and the column loader. */
export interface SessionParts {
  pkg: number; // -1: none
  ver: number; // -1: none
  main: number;
  start: number;
  end: number;
}

export function sessionParts(co: Checkouts, plan: SessionPlan): SessionParts {
  const { c, partner } = plan;
  const pkg = co.kindOf(c) === 'package' ? c : partner;
  const ver = co.kindOf(c) === 'version' ? c : partner;
  const main = ver !== -1 ? ver : pkg;
  const start = Math.min(co.start[c]!, partner !== -1 ? co.start[partner]! : co.start[c]!);
  // The version feature is the specific one; a package feature can be shared by two sessions of one user.
  const endRaw = co.end[main]!;
  return { pkg, ver, main, start, end: Number.isNaN(endRaw) ? start : endRaw };
}

function sessionRow(co: Checkouts, plan: SessionPlan, productOf: (feature: string) => string): CanonicalRow {
  const { c, nth, line } = plan;
  const { pkg, ver, main, start, end } = sessionParts(co, plan);
  const who = co.whoOf(main);
  const feature = co.featureOf(main);
  const product = productOf(feature);
  // Keep in step with the session id of flexnet-load.ts (made in SQL there).
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
    // The package refused is the pool that ran out (the renewal brief counts the denial for its line).
    const pkg = main.kind === 'package' ? main : other?.kind === 'package' ? other : null;
    if (pkg) extra.push(['package_offering', productOf(pkg.feature)]);
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
