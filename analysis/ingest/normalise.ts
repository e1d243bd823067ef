// Turns one source row (cells under a detected mapping) into canonical values, or a reject with a
// reason the analyst can act on. Dates become 'YYYY-MM-DD' / 'YYYY-MM-DD HH:MM:SS' in the engagement
// time zone, users are trimmed (e-mails lower-cased), products resolve through the catalogue and an
// unknown product is kept (upper-cased, with its raw text) so data quality can list it.
import type { Catalogue } from '../catalogue/catalogue';
import type { Claim } from '../model';
import { KIND_SPECS, NATIVE_KINDS, normHeader, type TabularKind } from './aliases';
import { UTC_HEADER_RE, type Detection } from './detect';
import type { CanonicalTable, CellValue, ParsedItem } from './types';
import { DateKind, serialToText } from './xlsx';
import { zoneNoteNeedsAttention } from './log-zone';

export interface NormaliseContext {
  catalogue: Catalogue;
  /** IANA time zone of the engagement; timestamps with an offset are converted into it. */
  timezone: string;
  /** How one file writes its slash dates, and what its dates showed (import.ts decides the order per file). */
  dates?: DateOrder;
  /** Optional descriptive values of one file that did not read and were loaded blank (import.ts notes them). */
  blanked?: BlankedValues;
  /** How one file writes its numbers, and what they showed (import.ts decides the decimal mark per file). */
  numbers?: NumberStyle;
  /** Rows holding more values than the header has columns, and the first of them (import.ts notes them). */
  overlong?: { rows: number; line: number };
  /** The file's delimiter (a comma for a workbook): a reject's text is written with it, as the file writes the line. */
  delimiter?: string;
}

/**
 * A file's decimal mark, learnt from its own numbers as its slash dates' order is: "2.985,00" or "1,5" can only be
 * written with a decimal comma, "2,985.00" or "1.5" only with a decimal point. "2.985" and "1,200" can be either:
 * they are read with the file's mark (a point, until the file shows a comma). Read with a point, a European price
 * list's "€2.985" was a price of 2.985.
 */
export interface NumberStyle {
  decimalComma: boolean;
  /** The first value only a decimal comma reads, as written. */
  commaExample?: string;
  /** The first value only a decimal point reads, as written. */
  pointExample?: string;
  /** Values either mark reads (2.985, 1,200), and the first of them. */
  ambiguous: number;
  ambiguousExample?: string;
}

export const newNumberStyle = (decimalComma = false): NumberStyle => ({ decimalComma, ambiguous: 0 });

/** What a source's notes say of its decimal mark (review-warnings.ts finds the unsettled ones by their start). */
export const NUMBER_NOTES = {
  comma: 'numbers read with a decimal comma',
  mixed: 'numbers are written with both decimal marks (a decimal comma and a decimal point): check them against the source',
  unsettled: 'nothing in the file settles its decimal mark:',
};

/** The mark a file's own numbers settle: only a comma reads some, only a point reads others; null when neither or both. */
export function settledMark(n: NumberStyle): 'comma' | 'point' | null {
  if (n.commaExample !== undefined && n.pointExample === undefined) return 'comma';
  if (n.pointExample !== undefined && n.commaExample === undefined) return 'point';
  return null;
}

/**
 * Per column header: how many rows had an optional descriptive value that did not read (a "Never" under Last
 * accessed), and the first of them. Such a row is still a fact (the assignment exists), so it loads with that
 * value blank and the text kept in the row's `extra`; rejecting it would drop the assignment and turn its user's
 * use into a gap.
 */
export type BlankedValues = Map<string, { rows: number; line: number; text: string }>;

/** How the notes of what a file's reading changed begin (import.ts writes them): the analyst sees them beside the loaded file. */
export const READING_NOTES = {
  mergedDown: 'merged cells read down:',
  notRead: 'not read:',
  overlong: 'more values than the header has columns',
  /** A FlexNet log's sessions replaced by the same sessions from a fuller log (flexnet-load.ts). */
  superseded: 'still open where this log ends',
} as const;

/**
 * A source note the analyst must see beside the loaded file, not only on the card before import: how its dates and
 * numbers were read, values loaded blank, merged cells filled down, sheets not read, rows with values beyond the header,
 * a log's clock moved or not known, a log's sessions replaced by a fuller log's.
 */
export function needsAttention(note: string): boolean {
  return (Object.values(DATE_NOTES) as string[]).some((n) => note.startsWith(n)) || BLANKED_NOTE.test(note)
    || Object.values(NUMBER_NOTES).some((n) => note.startsWith(n))
    || note.startsWith(READING_NOTES.mergedDown) || note.startsWith(READING_NOTES.notRead) || note.includes(READING_NOTES.overlong)
    || note.includes(READING_NOTES.superseded) || zoneNoteNeedsAttention(note);
}
const BLANKED_NOTE = /^\d+ rows? loaded with .+ blank: /;

/** A FlexNet log's note naming its licence server (from its banner): the server is a site (signals.ts telemetry gaps). */
export const SERVER_NOTE = 'server ';

/** A source's notes as stored (sources.notes, a JSON list of sentences); anything else reads as none. */
export function sourceNotes(stored: string | null): string[] {
  if (!stored) return [];
  try {
    const v = JSON.parse(stored) as unknown;
    return Array.isArray(v) ? v.filter((n): n is string => typeof n === 'string') : [];
  } catch {
    return [];
  }
}

/** What a file's card says of the values it loaded blank. */
export function blankedNotes(b: BlankedValues | undefined): string[] {
  if (!b) return [];
  return [...b].map(
    ([header, v]) =>
      `${v.rows} row${v.rows === 1 ? '' : 's'} loaded with ${header} blank: ${quoted(v.text)}${v.rows === 1 ? '' : ' (the first)'} on line ${v.line} does not read; the text is kept with ${v.rows === 1 ? 'the row' : 'each row'}`,
  );
}

/**
 * The order of a file's slash dates (03/04/2026). Month first (M/D/YYYY, as Autodesk's US exports write them)
 * unless the file is read day first; every slash date parsed records whether its first or second number
 * exceeds 12, which settles the order: an Excel re-save in Europe writes 31/03/2026.
 */
export interface DateOrder {
  dayFirst: boolean;
  /** A slash date whose first number exceeds 12 (it can only be day first). */
  firstOver12: boolean;
  /** A slash date whose second number exceeds 12 (it can only be month first). */
  secondOver12: boolean;
  /** Slash dates seen. */
  seen: number;
  /** The first date that can only be day first, as the file writes it (the note quotes it). */
  dayFirstExample?: string;
  /** The first date either order reads as a different day (01/09/2026), as written and as its numbers (the note quotes it). */
  ambiguousExample?: { text: string; first: number; second: number; year: number };
}

/** What a source's notes say of its slash dates; review-warnings.ts reads the last two back. */
export const DATE_NOTES = {
  /** Followed by ": the file writes dates such as <one of its own>" (dayFirstNote). */
  dayFirst: 'dates read day first (D/M/YYYY)',
  mixed: 'dates are written both day first and month first: those that cannot be M/D/YYYY are rejected; check the export',
  /** Followed by the file's own example (unsettledDateNote). */
  unsettled: 'no date in the file settles whether its slash dates are month or day first; they were read month first (M/D/YYYY, as Autodesk writes them)',
} as const;

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const dayText = (year: number, month: number, day: number) => `${day} ${MONTH_NAMES[month - 1] ?? month} ${year}`;

/** What an unsettled file's card says, quoting one of its own dates and both its readings. */
export function unsettledDateNote(d: DateOrder): string {
  const x = d.ambiguousExample;
  if (!x) return `${DATE_NOTES.unsettled}; check one against the source`;
  return `${DATE_NOTES.unsettled}: "${x.text}" was read as ${dayText(x.year, x.first, x.second)}, which day first would be ${dayText(x.year, x.second, x.first)}; check one against the source`;
}

/** What a day-first file's card says, quoting one of its own dates. */
export const dayFirstNote = (d: DateOrder): string => `${DATE_NOTES.dayFirst}: the file writes dates such as ${d.dayFirstExample ?? '31/03/2026'}`;

export const newDateOrder = (dayFirst = false): DateOrder => ({ dayFirst, firstOver12: false, secondOver12: false, seen: 0 });

export class RowError extends Error {}

// ---------- dates ----------

export const TS_EXPECTED = 'expected ISO 8601, YYYY-MM-DD HH:MM[:SS], M/D/YYYY H:MM[:SS] [AM/PM] or 15-Feb-2026';
export const DATE_EXPECTED = 'expected YYYY-MM-DD, ISO 8601, M/D/YYYY or 15-Feb-2026';
/** What a reject says a date should look like, in the order the file's slash dates are read. */
export const tsExpected = (order?: DateOrder) => (order?.dayFirst ? TS_EXPECTED.replace('M/D/YYYY', 'D/M/YYYY') : TS_EXPECTED);
export const dateExpected = (order?: DateOrder) => (order?.dayFirst ? DATE_EXPECTED.replace('M/D/YYYY', 'D/M/YYYY') : DATE_EXPECTED);

const ISO_RE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;
/**
 * Dates with the day and month before the year, as Excel writes them: 3/31/2026 and 31/03/2026 (the order
 * settled per file, DateOrder), 31-03-2026 likewise, 31.03.2026 (always day first, as every locale writing dots
 * does), and a two-digit year (3/31/26: 2026).
 */
const US_RE = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*([AaPp][Mm])?)?$/;

/**
 * Dates with the month's English name, as Excel's and Autodesk's reports write them: 15-Feb-2026, 15 February 2026,
 * Feb 15, 2026 (each with an optional time and AM/PM); and ISO dates with AM/PM (2026-04-01 11:22 PM) or with no
 * separators at all (20260401).
 */
const DAY_NAME_RE = /^(\d{1,2})[-\s./]([A-Za-z]{3,9})\.?[-\s./,]+(\d{4}|\d{2})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/;
const NAME_DAY_RE = /^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/;
const ISO_AMPM_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])$/;
const COMPACT_RE = /^(\d{4})(\d{2})(\d{2})$/;
/**
 * An Excel day number in a date column (a workbook cell left in General format, or one pasted into a CSV): 20000
 * to 80000 is 1954 to 2119, and no other reading of such a number in a date column makes sense.
 */
const SERIAL_RE = /^[2-7]\d{4}(?:\.\d+)?$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const FULL_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function monthOf(name: string): number {
  const n = name.toLowerCase();
  const full = FULL_MONTHS.indexOf(n);
  if (full >= 0) return full + 1;
  return n === 'sept' ? 9 : MONTHS.indexOf(n) + 1;
}

/** 12-hour time to 24-hour, or -1 when the hour is no 12-hour hour. */
function hour24(h: number, ampm: string | undefined): number {
  if (!ampm) return h;
  if (h < 1 || h > 12) return -1;
  const pm = ampm.toUpperCase() === 'PM';
  return h === 12 ? (pm ? 12 : 0) : pm ? h + 12 : h;
}

/** The parts of a date written with a month name, AM/PM after an ISO date, or YYYYMMDD; null when it is none of them. */
function otherDateParts(s: string): { y: number; mo: number; d: number; h: number; mi: number; se: number } | null {
  let m = DAY_NAME_RE.exec(s);
  if (m) {
    const y = m[3]!.length === 2 ? 2000 + +m[3]! : +m[3]!;
    return { y, mo: monthOf(m[2]!), d: +m[1]!, h: m[4] === undefined ? 0 : hour24(+m[4], m[7]), mi: m[5] === undefined ? 0 : +m[5], se: m[6] === undefined ? 0 : +m[6] };
  }
  if ((m = NAME_DAY_RE.exec(s))) {
    return { y: +m[3]!, mo: monthOf(m[1]!), d: +m[2]!, h: m[4] === undefined ? 0 : hour24(+m[4], m[7]), mi: m[5] === undefined ? 0 : +m[5], se: m[6] === undefined ? 0 : +m[6] };
  }
  if ((m = ISO_AMPM_RE.exec(s))) return { y: +m[1]!, mo: +m[2]!, d: +m[3]!, h: hour24(+m[4]!, m[7]), mi: +m[5]!, se: m[6] === undefined ? 0 : +m[6] };
  if ((m = COMPACT_RE.exec(s))) return { y: +m[1]!, mo: +m[2]!, d: +m[3]!, h: 0, mi: 0, se: 0 };
  return null;
}

const pad2 = (n: number) => (n < 10 ? '0' + n : String(n));

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Validates an IANA zone name; throws a message naming the setting. */
export function checkTimezone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new Error(`engagement.json: timezone "${tz}" is not an IANA time zone (e.g. UTC, Europe/Berlin)`);
  }
}

/** Wall-clock text of an instant in a time zone. */
function wallClock(epochMs: number, tz: string): string {
  if (tz === 'UTC' || tz === 'Etc/UTC') {
    const d = new Date(epochMs);
    return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  }
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(tz, f);
  }
  const p: Record<string, string> = Object.create(null);
  for (const part of f.formatToParts(new Date(epochMs))) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/**
 * 'YYYY-MM-DD HH:MM:SS' in the engagement zone, or null when the text is not a possible date/time.
 * Text without an offset is taken as already being engagement-local wall-clock time.
 */
export function parseTimestamp(text: string, tz: string, order?: DateOrder): string | null {
  const s = text.trim();
  let y: number, mo: number, d: number, h = 0, mi = 0, se = 0;
  let offset: string | undefined;
  let m = ISO_RE.exec(s);
  if (m) {
    y = +m[1]!;
    mo = +m[2]!;
    d = +m[3]!;
    if (m[4] !== undefined) {
      h = +m[4];
      mi = +m[5]!;
      se = m[6] !== undefined ? +m[6] : 0;
    }
    offset = m[8];
  } else if ((m = US_RE.exec(s))) {
    const a = +m[1]!;
    const b = +m[3]!;
    const dots = m[2] === '.';
    if (order && !dots) {
      order.seen++;
      if (a > 12) {
        order.firstOver12 = true;
        order.dayFirstExample ??= `${m[1]}${m[2]}${m[3]}${m[2]}${m[4]}`;
      }
      if (b > 12) order.secondOver12 = true;
      if (a <= 12 && b <= 12 && a !== b) order.ambiguousExample ??= { text: `${m[1]}${m[2]}${m[3]}${m[2]}${m[4]}`, first: a, second: b, year: m[4]!.length === 2 ? 2000 + +m[4]! : +m[4]! };
    }
    [mo, d] = dots || order?.dayFirst ? [b, a] : [a, b];
    y = m[4]!.length === 2 ? 2000 + +m[4]! : +m[4]!;
    if (m[5] !== undefined) {
      h = +m[5];
      mi = +m[6]!;
      se = m[7] !== undefined ? +m[7] : 0;
      h = hour24(h, m[9]);
      if (h < 0) return null;
    }
  } else if (SERIAL_RE.test(s)) {
    // Excel's day number, converted as the workbook reader converts a date cell (1900 system).
    const text = serialToText(Number(s), false, DateKind.Date);
    return text === null ? null : parseTimestamp(text, tz);
  } else {
    const o = otherDateParts(s);
    if (o === null || o.mo < 1 || o.h < 0) return null;
    ({ y, mo, d, h, mi, se } = o);
  }
  if (y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || se > 59) return null;
  const local = `${y}-${pad2(mo)}-${pad2(d)} ${pad2(h)}:${pad2(mi)}:${pad2(se)}`;
  if (!offset) return local;
  let offMin = 0;
  if (!/^(z|utc)$/i.test(offset)) {
    const om = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset)!;
    offMin = (om[1] === '-' ? -1 : 1) * (+om[2]! * 60 + (om[3] ? +om[3] : 0));
  }
  return wallClock(Date.UTC(y, mo - 1, d, h, mi, se) - offMin * 60_000, tz);
}

/**
 * A calendar date ('YYYY-MM-DD'). Date columns (assigned, last accessed, contract dates) keep the date
 * as the export wrote it: `2025-01-10T00:00:00Z` is 10 January whatever the engagement zone, because
 * shifting a midnight-UTC date into an earlier zone would move it to the previous day.
 */
export function parseDate(text: string, tz: string, order?: DateOrder): string | null {
  const m = /^(.*\d(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?))\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)$/i.exec(text.trim());
  const ts = parseTimestamp(m ? m[1]! : text, tz, order);
  return ts ? ts.slice(0, 10) : null;
}

// ---------- numbers, users, claims ----------

/** Numbers as exports write them: `1,234.50`, `1.234,50`, `$ 2,985`, `(120)`, `12 %`. */
export function parseNumber(text: string, style?: NumberStyle): number | null {
  let s = text.trim().replace(/[\s\u00a0\u202f'$€£¥%]|USD|EUR|GBP|CHF/g, '');
  let neg = false;
  if (/^\(.*\)$/.test(s)) {
    neg = true;
    s = s.slice(1, -1);
  }
  if (s === '') return null;
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  const comma = () => { if (style && style.commaExample === undefined) style.commaExample = text.trim(); };
  const point = () => { if (style && style.pointExample === undefined) style.pointExample = text.trim(); };
  if (lastComma >= 0 && lastDot >= 0) {
    if (lastComma > lastDot) comma();
    else point();
    s = lastComma > lastDot ? s.replace(/\./g, '').replace(',', '.') : s.replace(/,/g, '');
  } else if (/^-?[1-9]\d{0,2}[.,]\d{3}$/.test(s)) {
    // One group of three after one mark: a thousands separator or a decimal mark, as the file writes numbers.
    if (style) {
      style.ambiguous++;
      style.ambiguousExample ??= text.trim();
    }
    const thousands = (lastComma >= 0) !== (style?.decimalComma === true);
    s = thousands ? s.replace(/[.,]/, '') : s.replace(',', '.');
  } else if (lastComma >= 0) {
    if (/^-?[1-9]\d{0,2}(,\d{3})+$/.test(s)) {
      point();
      s = s.replace(/,/g, '');
    } else {
      comma();
      s = s.replace(',', '.');
    }
  } else if (/^-?[1-9]\d{0,2}(\.\d{3}){2,}$/.test(s)) {
    comma();
    s = s.replace(/\./g, '');
  } else if (lastDot >= 0) {
    point();
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return null;
  const n = Number(s);
  if (!Number.isFinite(n)) return null;
  return neg ? -n : n;
}

/**
 * A duration in minutes: a number, or a time of day's form as a spreadsheet shows a duration (2:38 is 158 minutes,
 * 1:02:30 is 62.5).
 */
export function parseDuration(text: string, style?: NumberStyle): number | null {
  const m = /^\s*(\d{1,4}):([0-5]\d)(?::([0-5]\d))?\s*$/.exec(text);
  if (m) return +m[1]! * 60 + +m[2]! + (m[3] === undefined ? 0 : +m[3] / 60);
  return parseNumber(text, style);
}

export function isMasked(v: string): boolean {
  return /^\*{3,}$/.test(v);
}

/**
 * A totals line under a table ("Total", "Grand total: 26 users", "Totals 33"): a spreadsheet's sum, not a record.
 * Read as one it became a subscription of offering TOTAL, or a user.
 */
// As the exports of an English, German, French or Italian Excel write it: Total, Summe, Gesamtsumme, Somme, Totale.
export const TOTALS_PATTERN = '^(?:(?:grand\\s+|sub-?\\s*)?totals?|total\\s+g[ée]n[ée]ral|(?:zwischen|gesamt)?summe|gesamt(?:ergebnis)?|somme|totale)\\b\\s*(?::|$|\\d)';
const TOTALS_RE = new RegExp(TOTALS_PATTERN, 'i');
/**
 * A cell quoted in a reject's reason, cut at MAX_QUOTED characters (marked): a hostile cell of a megabyte would otherwise
 * be written out again in every reason. native-csv.ts quotes the same way in SQL (quotedSql).
 */
export const MAX_QUOTED = 200;
export const quoted = (v: unknown): string => {
  const t = String(v);
  return `"${t.length > MAX_QUOTED ? `${t.slice(0, MAX_QUOTED)}…` : t}"`;
};
/** SQL for quoted(x), x a VARCHAR expression (our own column names only). */
export const quotedSql = (x: string): string => `'"' || CASE WHEN length(${x}) > ${MAX_QUOTED} THEN left(${x}, ${MAX_QUOTED}) || '…' ELSE ${x} END || '"'`;
/** Longest reject text kept, the line as written: a hostile line of megabytes is kept cut, marked (loader.ts, native-csv.ts). */
export const MAX_REJECT_RAW = 2000;
export const cutRaw = (t: string): string => (t.length > MAX_REJECT_RAW ? `${t.slice(0, MAX_REJECT_RAW)}…` : t);

/** What a totals line is rejected as (native-csv.ts writes the same in SQL). */
export const totalsReason = (text: string, what: string) => `a totals line (${quoted(text)}), not ${what}: left out`;
function rejectTotals(text: string | null, what: string): void {
  if (text !== null && !text.includes('@') && TOTALS_RE.test(text.trim())) throw new RowError(totalsReason(text.trim(), what));
}

/** Characters no address holds that a pasted one can carry invisibly: zero-width spaces and joiners, the BOM. */
const INVISIBLE_RE = /[\u200B-\u200D\u2060\uFEFF]/g;

/** Trimmed; e-mail addresses lower-cased; masked (`*****`) -> null. */
export function normaliseUser(v: string | null): string | null {
  if (v === null) return null;
  const t = v.replace(INVISIBLE_RE, '').trim();
  if (t === '' || isMasked(t)) return null;
  return t.includes('@') ? emailAddress(t).toLowerCase() : t;
}

/**
 * The address in an e-mail cell as mail clients and spreadsheets write it: `Ann Lee <ann@x.com>`, `mailto:ann@x.com`,
 * `[mailto:ann@x.com]`, `ann@x.com (Ann Lee)`, quoted, or with a list separator after it. Read as written, each became a user of its own beside the address.
 */
function emailAddress(t: string): string {
  const angled = /<\s*([^<>\s]+@[^<>\s]+?)\s*>/.exec(t);
  if (angled) return angled[1]!;
  // `ann@x.com (Ann Lee)`, `[mailto:ann@x.com]` (an Outlook paste), then the prefix and quotes.
  return t.replace(/\s*\([^()]*\)\s*$/, '').replace(/^\[|\]$/g, '').replace(/^mailto:/i, '').replace(/^["']+|["';,]+$/g, '').trim();
}

/** Licence claim wording -> named_user | flex | network | serial | unknown. */
const claimCache = new Map<string, Claim>();

export function claimOf(text: string | null): Claim {
  if (!text) return 'unknown';
  const hit = claimCache.get(text);
  if (hit) return hit;
  const c = claimOfUncached(text);
  if (claimCache.size < 10_000) claimCache.set(text, c);
  return c;
}

function claimOfUncached(text: string): Claim {
  const t = text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  if (t === '') return 'unknown';
  if (/\b(multi ?user|network|concurrent|floating|nlm)\b/.test(t)) return 'network';
  if (/\b(token|tokens|flex)\b/.test(t)) return 'flex';
  if (/\b(serial|perpetual|stand ?alone|standalone|maintenance)\b/.test(t)) return 'serial';
  if (/\b(named|user|single ?user|subscription|nu|su)\b/.test(t)) return 'named_user';
  return 'unknown';
}

// ---------- rows ----------

/**
 * A rejected record's text as the file writes it: its cells joined with the file's own delimiter (a comma for a
 * workbook), quoted only where they must be. A plain line comes back exactly as written, which is what DuckDB's
 * reader stores for the same line.
 */
function rawLine(cells: string[], delimiter: string): string {
  const needs = (c: string) => c.includes('"') || c.includes(delimiter) || c.includes('\r') || c.includes('\n');
  // Built only as far as it is kept (cutRaw): cells of a megabyte each are not joined whole first.
  let out = '';
  for (let i = 0; i < cells.length && out.length <= MAX_REJECT_RAW; i++) {
    const c = cells[i]!.length > MAX_REJECT_RAW ? cells[i]!.slice(0, MAX_REJECT_RAW + 1) : cells[i]!;
    out += (i > 0 ? delimiter : '') + (needs(c) ? `"${c.replace(/"/g, '""')}"` : c);
  }
  return cutRaw(out);
}

/** Resolutions per catalogue: exports repeat a handful of product names millions of times. */
const resolveCache = new WeakMap<Catalogue, Map<string, string | null>>();

function resolveCached(cat: Catalogue, raw: string): string | null {
  let m = resolveCache.get(cat);
  if (!m) resolveCache.set(cat, (m = new Map()));
  let v = m.get(raw);
  if (v === undefined) {
    v = cat.resolve(raw);
    if (m.size > 100_000) m.clear();
    m.set(raw, v);
  }
  return v;
}

/**
 * What the sessions normaliser derives from a raw product name: the catalogue code (or UPPER(raw)), the
 * release year when the name carries one, and the FlexNet feature code when the name is one. Shared
 * with the native reader, which computes it once per distinct product name.
 */
export function productFacts(cat: Catalogue, raw: string): { code: string; year: string | null; featureCode: string | null } {
  return { code: resolveCached(cat, raw) ?? raw.toUpperCase(), year: yearOf(raw), featureCode: featureCodeOf(raw) };
}

const yearOf = (prodRaw: string): string | null => /\b((?:19|20)\d{2})\b/.exec(prodRaw)?.[1] ?? null;
const featureCodeOf = (prodRaw: string): string | null => (/^\d{5}[A-Z0-9]+_/i.test(prodRaw) ? prodRaw.toUpperCase() : null);

/**
 * A Token Flex row's tokens: Autodesk charges tokens, it does not credit them here, so a negative count (a hand
 * edit, or a correction line) is rejected rather than silently lowering the pool's use.
 */
function tokensConsumed(n: number | null, text: string | null): number {
  const tokens = need(n, 'tokensConsumed is empty');
  if (tokens < 0) throw new RowError(`tokensConsumed ${quoted(text ?? tokens)} is negative: Token Flex usage charges tokens; correct the row or remove it and load the file again`);
  return tokens;
}

/** A product or offering name -> [catalogue code or UPPER(raw), raw]. */
function product(cat: Catalogue, raw: string | null): [string | null, string | null] {
  if (raw === null) return [null, null];
  return [resolveCached(cat, raw) ?? raw.toUpperCase(), raw];
}

export interface RowNormaliser {
  table: CanonicalTable;
  (cells: string[], line: number): ParsedItem;
}

/**
 * Rejects the header repeated after a page break (read as data it was a user "email" holding offering OFFERING_NAME)
 * and a page footer ("Page 1 of 2", read as a user).
 */
function checkPageFurniture(cells: string[], headerKeys: string[]): void {
  const filled = cells.filter((c) => c.trim() !== '');
  if (filled.length >= 2 && cells.every((c, i) => c.trim() === '' || normHeader(c) === headerKeys[i])) {
    throw new RowError('the header row again (a page break in the export), not data: left out');
  }
  if (filled.length === 1 && /^page\s+\d+(\s*(of|\/)\s*\d+)?$/i.test(filled[0]!.trim())) throw new RowError(`a page footer (${quoted(filled[0]!.trim())}), not data: left out`);
}

/** The reason an empty line is a reject (the JS reader and DuckDB's alike). */
export const EMPTY_ROW = 'the row is empty (only separators)';

/** Builds the per-row function for one detected file. Header texts are only ever data here. */
export function makeRowNormaliser(det: Detection, headers: string[], ctx: NormaliseContext): RowNormaliser {
  const spec = KIND_SPECS[det.kind];
  const types = new Map(spec.columns.map((c) => [c.name, c.type] as const));
  const idx = det.index;
  const used = new Set(idx.values());
  const extraIdx: Array<[number, string]> = [];
  headers.forEach((h, i) => {
    if (!used.has(i)) extraIdx.push([i, h.trim() === '' ? `column_${i + 1}` : h]);
  });
  const build = ROW_BUILDERS[det.kind];
  // Page furniture of a report printed to CSV (the header again after a page break, "Page 1 of 2"), in the small
  // kinds only: DuckDB's reader, which takes the large ones, gives its own reason for such a line.
  const pageFurniture = !NATIVE_KINDS.includes(det.kind);
  const delimiter = ctx.delimiter ?? ',';
  const headerKeys = headers.map(normHeader);

  // One reader object per file, re-pointed at each row: no closures allocated per row on the hot path.
  const reader = new CellReader(idx, types, ctx.timezone, ctx.catalogue, ctx.dates, headers, ctx.blanked ?? new Map(), ctx.numbers);
  const fn = ((cells: string[], line: number): ParsedItem => {
    reader.cells = cells;
    reader.line = line;
    reader.kept = null;
    try {
      // A line of separators only (",,,,," under a table) is said to be empty, not blamed on its first missing value.
      if (cells.every((c) => c.trim() === '')) throw new RowError(EMPTY_ROW);
      if (pageFurniture) checkPageFurniture(cells, headerKeys);
      const values = build(reader);
      let extra: Array<[string, string]> | null = reader.kept;
      for (const [i, h] of extraIdx) {
        const v = cells[i];
        if (v !== undefined && v.trim() !== '') (extra ??= []).push([h, v]);
      }
      if (cells.length > headers.length) {
        let beyond = false;
        for (let i = headers.length; i < cells.length; i++) {
          const v = cells[i]!;
          if (v.trim() !== '') {
            (extra ??= []).push([`column_${i + 1}`, v]);
            beyond = true;
          }
        }
        // A value holding an unquoted separator shifts every value after it: loaded as read, and said on the file.
        if (beyond && ctx.overlong) {
          if (ctx.overlong.rows === 0) ctx.overlong.line = line;
          ctx.overlong.rows++;
        }
      }
      return { row: { table: spec.table, line, values, extra } };
    } catch (e) {
      if (e instanceof RowError) return { reject: { line, raw: rawLine(cells, delimiter), reason: e.message } };
      throw e;
    }
  }) as RowNormaliser;
  fn.table = spec.table;
  return fn;
}

/** Typed access to the mapped cells of the current row; a bad value throws a RowError naming the column. */
class CellReader {
  cells: string[] = [];
  line = 0;
  /** This row's optional values that did not read, by header: they go to the row's extra. */
  kept: Array<[string, string]> | null = null;
  constructor(
    private readonly idx: Map<string, number>,
    private readonly types: Map<string, string>,
    private readonly tz: string,
    readonly cat: Catalogue,
    private readonly order: DateOrder | undefined,
    private readonly headers: string[],
    private readonly blanked: BlankedValues,
    private readonly numbers: NumberStyle | undefined,
  ) {}

  /** Whether the file has this column at all (a blank cell and no column are told apart). */
  has = (col: string): boolean => this.idx.has(col);

  get = (col: string): string | null => {
    const i = this.idx.get(col);
    if (i === undefined) return null;
    const v = this.cells[i];
    if (v === undefined) return null;
    const t = v.trim();
    return t === '' ? null : t;
  };

  ts = (col: string): string | null => {
    const v = this.get(col);
    if (v === null) return null;
    // A column headed as UTC ("Session Start (UTC)") is UTC wall-clock time, moved into the engagement's zone.
    const utc = this.tz !== 'UTC' && UTC_HEADER_RE.test(this.headers[this.idx.get(col) ?? -1] ?? '');
    const read = parseTimestamp(v, utc ? 'UTC' : this.tz, this.order);
    if (read === null) throw new RowError(`${col} ${quoted(v)} is not a date (${tsExpected(this.order)})`);
    return utc ? wallClock(Date.parse(`${read.replace(' ', 'T')}Z`), this.tz) : read;
  };

  date = (col: string): string | null => {
    const v = this.get(col);
    if (v === null) return null;
    const out = parseDate(v, this.tz, this.order);
    if (out === null) throw new RowError(`${col} ${quoted(v)} is not a date (${dateExpected(this.order)})`);
    return out;
  };

  num = (col: string): number | null => {
    const v = this.get(col);
    if (v === null) return null;
    let n = parseNumber(v, this.numbers);
    if (n === null) throw new RowError(`${col} ${quoted(v)} is not a number`);
    if (this.types.get(col) === 'integer') {
      // A count holds no fraction: "1.200" seats, read with a decimal point in a file nothing settles, is 1,200.
      const grouped = /^(-?[1-9]\d{0,2})[.,](\d{3})$/.exec(v.trim());
      if (!Number.isInteger(n) && grouped) n = Number(grouped[1]! + grouped[2]!);
      if (!Number.isInteger(n)) throw new RowError(`${col} ${quoted(v)} is not a whole number`);
      if (Math.abs(n) > 2_000_000_000) throw new RowError(`${col} ${quoted(v)} is out of range`);
    }
    return n;
  };

  /** A duration in minutes (parseDuration): a number, or H:MM[:SS]. */
  minutes = (col: string): number | null => {
    const v = this.get(col);
    if (v === null) return null;
    const n = parseDuration(v, this.numbers);
    if (n === null) throw new RowError(`${col} ${quoted(v)} is not a number of minutes (or H:MM)`);
    return n;
  };

  /** An optional descriptive date: one that does not read loads blank (noted), instead of rejecting the row. */
  optDate = (col: string): string | null => this.lenient(col, this.date);
  /** An optional descriptive number, likewise. */
  optNum = (col: string): number | null => this.lenient(col, this.num);

  private lenient<T>(col: string, read: (col: string) => T | null): T | null {
    try {
      return read(col);
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      const text = this.get(col)!;
      const header = this.headers[this.idx.get(col)!]?.trim() || col;
      (this.kept ??= []).push([header, text]);
      const seen = this.blanked.get(header);
      if (seen) seen.rows++;
      else this.blanked.set(header, { rows: 1, line: this.line, text });
      return null;
    }
  }
}

type Helpers = CellReader;

type Values = Record<string, CellValue>;

function need<T>(v: T | null, message: string): T {
  if (v === null) throw new RowError(message);
  return v;
}

const lower = (v: string | null) => (v === null ? null : v.toLowerCase());

const ROW_BUILDERS: Record<TabularKind, (h: Helpers) => Values> = {
  sessions({ get, ts, num, minutes, cat }) {
    // A totals line under the export has no product; its word stands in the first columns.
    if (get('product') === null) for (const col of ['session_id', 'user'] as const) rejectTotals(get(col), 'a session');
    const userRaw = get('user');
    const user = normaliseUser(userRaw);
    const device = get('device_name');
    if (user === null && device === null) throw new RowError(userRaw ? `user ${quoted(userRaw)} is masked and device_name is empty` : 'user and device_name are both empty');
    const [prod, prodRaw] = product(cat, need(get('product'), 'product is empty'));
    const start = need(ts('start_time'), 'start_time is empty');
    let end = ts('end_time');
    let duration = minutes('duration_minutes');
    if (duration !== null && duration < 0) throw new RowError(`duration_minutes ${quoted(get('duration_minutes'))} is negative`);
    const startMs = wallMs(start);
    if (end !== null) {
      const endMs = wallMs(end);
      if (endMs < startMs) throw new RowError(`end_time ${quoted(get('end_time'))} is before start_time ${quoted(get('start_time'))}`);
      if (duration === null) duration = (endMs - startMs) / 60_000;
    } else if (duration !== null) {
      end = new Date(startMs + Math.round(duration * 60_000)).toISOString().slice(0, 19).replace('T', ' ');
    }
    let version = get('version');
    if (version === null && prodRaw) version = yearOf(prodRaw);
    const offeringRaw = get('licence_offering');
    return {
      session_id: get('session_id'),
      user,
      user_raw: userRaw,
      product: prod,
      product_raw: prodRaw,
      version,
      device_name: device,
      device_id: get('device_id'),
      os: get('os'),
      start_time: start,
      end_time: end,
      duration_minutes: duration,
      licence_type: claimOf(get('licence_type')),
      features: get('features'),
      ip_address: get('ip_address'),
      network_domain: lower(get('network_domain')),
      tokens: num('tokens'),
      feature_code: prodRaw ? featureCodeOf(prodRaw) : null,
      licence_offering: offeringRaw === null ? null : product(cat, offeringRaw)[0],
    };
  },

  usage_report({ get, optDate, optNum, cat }) {
    const userRaw = get('user');
    rejectTotals(userRaw ?? get('offering'), 'a user');
    const hashed = get('hashed_autodesk_id');
    const user = normaliseUser(userRaw) ?? (hashed !== null && !isMasked(hashed) ? hashed : null);
    if (user === null) throw new RowError('row has no user: email and hashed_autodesk_id are empty or masked');
    const [offering, offeringRaw] = product(cat, need(get('offering'), 'offering_name is empty'));
    const access = get('access_option');
    const claim = claimOf(access);
    return {
      user,
      user_raw: userRaw,
      hashed_autodesk_id: hashed,
      first_name: unmask(get('first_name')),
      last_name: unmask(get('last_name')),
      autodesk_id: unmask(get('autodesk_id')),
      team_alias: get('team_alias'),
      group_name: get('group_name'),
      offering,
      offering_raw: offeringRaw,
      version: get('version'),
      seat_assignment: lower(get('seat_assignment')),
      assigned_date: optDate('assigned_date'),
      unassigned_date: optDate('unassigned_date'),
      user_activity: lower(get('user_activity')),
      days_inactive: optNum('days_inactive'),
      access_option: access,
      licence_type: claim === 'unknown' && access === null ? 'named_user' : claim,
      days_used: optNum('days_used'),
      monthly_average: optNum('monthly_average'),
      tokens_used: optNum('tokens_used'),
      last_accessed: optDate('last_accessed'),
    };
  },

  usage_daily({ get, date, num, cat }) {
    if (get('product') === null) rejectTotals(get('user'), 'a usage row');
    const userRaw = get('user');
    const hashed = get('hashed_autodesk_id');
    const user = normaliseUser(userRaw) ?? (hashed !== null && !isMasked(hashed) ? hashed : null);
    if (user === null) throw new RowError('row has no user: email and hashed_autodesk_id are empty or masked');
    const [prod, prodRaw] = product(cat, need(get('product'), 'product is empty'));
    const access = get('licence_type');
    const tokens = num('tokens');
    let claim = claimOf(access);
    // Autodesk Account usage is Named User unless tokens were charged.
    if (claim === 'unknown' && access === null) claim = tokens !== null && tokens > 0 ? 'flex' : 'named_user';
    return {
      user,
      user_raw: userRaw,
      hashed_autodesk_id: hashed,
      day: need(date('day'), 'day_used is empty'),
      product: prod,
      product_raw: prodRaw,
      version: get('version'),
      licence_type: claim,
      feature: get('feature'),
      tokens,
      team: get('team'),
    };
  },

  users({ get, optDate, cat }) {
    const userRaw = get('user');
    rejectTotals(userRaw ?? get('offering'), 'a user');
    const user = normaliseUser(userRaw) ?? unmask(get('autodesk_id'));
    if (user === null) throw new RowError('row has no user: email is empty or masked and autodesk_id is empty');
    const [prod, prodRaw] = product(cat, get('product'));
    let [offering, offeringRaw] = product(cat, get('offering'));
    if (offering === null) [offering, offeringRaw] = [prod, prodRaw];
    return {
      user,
      user_raw: userRaw,
      autodesk_id: unmask(get('autodesk_id')),
      first_name: unmask(get('first_name')),
      last_name: unmask(get('last_name')),
      role: get('role'),
      account_status: lower(get('account_status')),
      group_name: get('group_name'),
      offering,
      offering_raw: offeringRaw,
      product: prod,
      product_raw: prodRaw,
      team: get('team'),
      seat_assignment: lower(get('seat_assignment')) ?? 'assigned',
      assigned_date: optDate('assigned_date'),
      unassigned_date: optDate('unassigned_date'),
      user_type: lower(get('user_type')),
      cost_centre: get('cost_centre'),
    };
  },

  subscriptions({ get, has, date, optDate, num, optNum, cat }) {
    for (const col of ['contract_number', 'offering'] as const) rejectTotals(get(col), 'a subscription line');
    const [offering, offeringRaw] = product(cat, need(get('offering'), 'offering_name is empty'));
    const seats = need(num('seat_quantity'), 'seat_quantity is empty');
    if (seats < 0) throw new RowError(`seat_quantity ${quoted(get('seat_quantity'))} is negative`);
    const modelText = get('licence_model');
    let model = claimOf(modelText);
    if (model === 'unknown') model = claimOf(get('plan'));
    // Autodesk's Subscriptions export has no licence model column: a line whose offering is Flex tokens is a
    // Flex pool all the same (read as Named User seats, its tokens became 150,000 seats to reduce to 0, and the
    // pool's use gaps).
    if (model === 'unknown' && offering !== null && cat.get(offering)?.function_group === 'flex') model = 'flex';
    if (model === 'unknown') model = 'named_user';
    const tokens = num('tokens');
    return {
      contract_number: get('contract_number'),
      offering,
      offering_raw: offeringRaw,
      seat_quantity: seats,
      start_date: date('start_date'),
      end_date: date('end_date'),
      autorenew_date: optDate('autorenew_date'),
      subscription_id: get('subscription_id'),
      subscription_status: lower(get('subscription_status')),
      term: get('term'),
      reseller_name: get('reseller_name'),
      reseller_email: lower(get('reseller_email')),
      team: get('team'),
      plan: get('plan'),
      contract_manager_email: lower(get('contract_manager_email')),
      licence_model: model,
      // Prices are descriptive here (the price book has its own): one that does not read (Excel's "€ -") loads blank, noted.
      unit_price: optNum('unit_price'),
      list_price: optNum('list_price'),
      // A Flex line in a file without a tokens column gives its tokens as the line's quantity (as Autodesk's export
      // does); in a file with one, a blank cell is tokens unknown (renewal.ts says so), not one token.
      tokens: tokens ?? (model === 'flex' && !has('tokens') ? seats : null),
    };
  },

  tokenflex({ get, ts, date, num, cat }) {
    const code = get('product');
    const name = get('product_name');
    const resolved = (code && resolveCached(cat, code)) || (name && resolveCached(cat, name)) || null;
    const raw = code ?? name;
    if (raw === null) throw new RowError('productLineCode and productName are empty');
    const sessionStart = ts('session_start');
    const day = date('usage_date') ?? (sessionStart ? sessionStart.slice(0, 10) : null);
    const userRaw = get('user');
    return {
      contract_year: get('contract_year'),
      token_pool: get('token_pool'),
      usage_category: get('usage_category'),
      usage_date: need(day, 'usageDate is empty'),
      product: resolved ?? raw.toUpperCase(),
      product_raw: raw,
      product_name: name,
      tokens: tokensConsumed(num('tokens'), get('tokens')),
      user: normaliseUser(userRaw),
      user_raw: userRaw,
      machine: get('machine'),
      session_start: sessionStart,
      charged_item_id: get('charged_item_id'),
    };
  },

  identity_map({ get }) {
    const alias = need(get('alias'), 'alias is empty');
    const user = need(normaliseUser(get('user')), 'user is empty');
    return { alias: alias.includes('@') ? alias.toLowerCase() : alias, user };
  },
};

/** 'YYYY-MM-DD HH:MM:SS' -> milliseconds on a UTC scale (for differences only). */
function wallMs(t: string): number {
  return Date.UTC(+t.slice(0, 4), +t.slice(5, 7) - 1, +t.slice(8, 10), +t.slice(11, 13), +t.slice(14, 16), +t.slice(17, 19));
}

function unmask(v: string | null): string | null {
  return v === null || isMasked(v) ? null : v;
}
