// The FlexNet line grammar as hand-written scanners over the log text, for the hot loop (a 100 MB log is
// over a million lines). Each scanner gives exactly what its regular expression gives, or says "not sure"
// so the caller asks the regular expression: the regexes below stay the definition.

/** `H:MM:SS (daemon) message`. */
export const LINE_RX = /^\s*(\d{1,2}):(\d{2}):(\d{2})\s+\(([^)\s]+)\)\s?(.*)$/;
const LINE_RX_INDICES = new RegExp(LINE_RX.source, 'd');
// UNSUPPORTED lines carry a transport note before the user: `"f" (PORT_AT_HOST_PLUS   ) user@host (reason)`.
export const EVENT_RX = /^(OUT|IN|DENIED|UNSUPPORTED):\s+"([^"]+)"\s+(?:\([A-Z_]+\s*\)\s+)?([^@"()]+?)@([^\s@()"]+)\s*(.*)$/;

/** The characters of the regex class `\s` (also what String.prototype.trim removes). */
export function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The parts of one line, as positions in the log text; one object reused for every line. */
export interface LineParts {
  /** Seconds since midnight, or -1 when the clock reads past 23:59:59 (the line is then untimed). */
  tod: number;
  daemonStart: number;
  daemonEnd: number;
  /** The message, trailing whitespace excluded. */
  msgStart: number;
  msgEnd: number;
}

/**
 * LINE_RX on text[ls, le). `exotic` is true when the text holds U+2028/U+2029 anywhere: `.` does not match
 * them, so the regex itself (with match indices) decides. Returns false when the line does not match.
 */
export function parseLine(text: string, ls: number, le: number, exotic: boolean, out: LineParts): boolean {
  if (exotic) return parseLineByRegex(text, ls, le, out);
  let i = ls;
  while (i < le && isSpace(text.charCodeAt(i))) i++;
  // (\d{1,2}): a third digit fails the match (the whitespace before cannot give way to a digit).
  if (i >= le || !isDigit(text.charCodeAt(i))) return false;
  let h = text.charCodeAt(i++) - 48;
  if (i < le && isDigit(text.charCodeAt(i))) h = h * 10 + text.charCodeAt(i++) - 48;
  if (i + 6 > le || text.charCodeAt(i) !== 58) return false;
  const m1 = text.charCodeAt(i + 1), m2 = text.charCodeAt(i + 2), s1 = text.charCodeAt(i + 4), s2 = text.charCodeAt(i + 5);
  if (!isDigit(m1) || !isDigit(m2) || text.charCodeAt(i + 3) !== 58 || !isDigit(s1) || !isDigit(s2)) return false;
  const mi = (m1 - 48) * 10 + m2 - 48, s = (s1 - 48) * 10 + s2 - 48;
  i += 6;
  // \s+\( : at least one whitespace, then the parenthesis.
  const ws = i;
  while (i < le && isSpace(text.charCodeAt(i))) i++;
  if (i === ws || i >= le || text.charCodeAt(i) !== 40) return false;
  // ([^)\s]+)\) : the daemon runs to the first ')' or whitespace, which must be ')'.
  const ds = ++i;
  while (i < le) {
    const c = text.charCodeAt(i);
    if (c === 41 || isSpace(c)) break;
    i++;
  }
  if (i === ds || i >= le || text.charCodeAt(i) !== 41) return false;
  out.daemonStart = ds;
  out.daemonEnd = i++;
  // \s? then (.*)$ : no line terminator can remain (the text holds none but the line breaks).
  if (i < le && isSpace(text.charCodeAt(i))) i++;
  out.msgStart = i;
  let e = le;
  while (e > i && isSpace(text.charCodeAt(e - 1))) e--;
  out.msgEnd = e;
  out.tod = h < 24 && mi < 60 && s < 60 ? h * 3600 + mi * 60 + s : -1;
  return true;
}

function parseLineByRegex(text: string, ls: number, le: number, out: LineParts): boolean {
  const m = LINE_RX_INDICES.exec(text.slice(ls, le));
  if (!m || !m.indices) return false;
  const h = +m[1]!, mi = +m[2]!, s = +m[3]!;
  const [ds, de] = m.indices[4]!;
  const [ms] = m.indices[5]!;
  out.daemonStart = ls + ds;
  out.daemonEnd = ls + de;
  out.msgStart = ls + ms;
  out.msgEnd = ls + ms + m[5]!.replace(/\s+$/, '').length;
  out.tod = h < 24 && mi < 60 && s < 60 ? h * 3600 + mi * 60 + s : -1;
  return true;
}

/** The parts of an OUT/IN event message, as positions in the log text. */
export interface EventParts {
  featureStart: number;
  featureEnd: number;
  /** user@host runs from userStart to hostEnd; `at` is the '@'. */
  userStart: number;
  at: number;
  hostEnd: number;
  tailStart: number;
  /** spanHash of the feature and of user@host, for SpanIds. */
  featureHash: number;
  whoHash: number;
}

/** The hash SpanIds files a piece of text under, built one character at a time. */
function step(h: number, c: number): number {
  return (Math.imul(h, 31) + c) | 0;
}

/**
 * EVENT_RX on the message text[ms, me) that starts with `OUT:` or `IN:` (wordEnd: just after the colon),
 * for the common shape only. True: `out` holds what the regex would capture. False: not sure (a transport
 * note, an empty user, a malformed line) - ask EVENT_RX. Only for a text without U+2028/U+2029 (see parseLine).
 */
export function parseEvent(text: string, wordEnd: number, me: number, out: EventParts): boolean {
  let i = wordEnd;
  // \s+"([^"]+)"
  while (i < me && isSpace(text.charCodeAt(i))) i++;
  if (i === wordEnd || i >= me || text.charCodeAt(i) !== 34) return false;
  const fs = i + 1;
  let fe = fs;
  let fh = 0;
  for (let c = 0; fe < me && (c = text.charCodeAt(fe)) !== 34; fe++) fh = step(fh, c);
  if (fe === fs || fe >= me) return false;
  // \s+ then the user (a '(' here could be the transport note: the regex decides).
  i = fe + 1;
  const ws = i;
  while (i < me && isSpace(text.charCodeAt(i))) i++;
  if (i === ws || i >= me) return false;
  const us = i;
  let c = text.charCodeAt(i);
  if (c === 40 || c === 64) return false;
  // ([^@"()]+?)@ : the user runs to the first of @ " ( ), which must be '@'.
  let wh = 0;
  while (i < me) {
    c = text.charCodeAt(i);
    if (c === 64 || c === 34 || c === 40 || c === 41) break;
    wh = step(wh, c);
    i++;
  }
  if (i >= me || c !== 64) return false;
  wh = step(wh, 64);
  const at = i++;
  // ([^\s@()"]+) : at least one host character.
  while (i < me) {
    c = text.charCodeAt(i);
    if (c === 64 || c === 34 || c === 40 || c === 41 || isSpace(c)) break;
    wh = step(wh, c);
    i++;
  }
  if (i === at + 1) return false;
  const he = i;
  // \s*(.*)$
  while (i < me && isSpace(text.charCodeAt(i))) i++;
  out.featureStart = fs;
  out.featureEnd = fe;
  out.userStart = us;
  out.at = at;
  out.hostEnd = he;
  out.tailStart = i;
  out.featureHash = fh;
  out.whoHash = wh;
  return true;
}

/**
 * Ids of pieces of the log text (features, user@host), found without cutting the piece out of the text:
 * filed under a hash computed while the piece was scanned, confirmed by comparing the characters.
 */
export class SpanIds {
  private readonly first = new Map<number, number>(); // hash -> newest slot
  private readonly next: number[] = []; // slot -> older slot of the same hash, or -1
  private readonly keys: string[] = [];
  private readonly ids: number[] = [];

  /** The id filed for exactly text[start, end), or -1. */
  find(text: string, start: number, end: number, hash: number): number {
    let slot = this.first.get(hash) ?? -1;
    while (slot !== -1) {
      const key = this.keys[slot]!;
      if (key.length === end - start && text.startsWith(key, start)) return this.ids[slot]!;
      slot = this.next[slot]!;
    }
    return -1;
  }

  add(hash: number, key: string, id: number): void {
    const slot = this.keys.push(key) - 1;
    this.ids.push(id);
    this.next.push(this.first.get(hash) ?? -1);
    this.first.set(hash, slot);
  }
}

/**
 * Calls `each(start, end, no)` for every line of `text` as `/\r\n|\r|\n/` splits it, one empty trailing line
 * dropped and a BOM skipped (`atStart`: the text starts the log), without making a string per line.
 */
export function forEachLineSpan(text: string, each: (start: number, end: number, no: number) => boolean | void, atStart = true): void {
  const len = text.length;
  // A BOM only at the start of the log (a block further on starts with a line's own first character).
  let pos = atStart && text.charCodeAt(0) === 0xfeff ? 1 : 0;
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
      if (pos < len) each(pos, len, ++no);
      return;
    }
    if (each(pos, at, ++no) === false) return;
    pos = at + sepLen;
  }
}

/** Whether `needle` occurs inside [from, to) of the text; remembers the next occurrence so a scan stays linear. */
export class Occurrences {
  private next = -2;
  constructor(
    private readonly text: string,
    private readonly needle: string,
  ) {}

  within(from: number, to: number): boolean {
    if (this.next !== -1 && this.next < from) this.next = this.text.indexOf(this.needle, from);
    return this.next !== -1 && this.next + this.needle.length <= to;
  }
}
