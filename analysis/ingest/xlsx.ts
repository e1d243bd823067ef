// Reads the cell text of an untrusted XLSX workbook (DATA-CONTRACT §1.7) with explicit limits.
// Why not `xlsx`/ExcelJS for reading: both have unpatched read-side CVEs (prototype pollution, ReDoS, zip bombs).
// Here: our own ZIP reader (zip.ts), a linear-time streaming XML scanner (no DTD, no DOM of the whole part,
// no object keyed by names from the file), and every size counted on actual bytes.
import { StringDecoder } from 'node:string_decoder';
import type { IngestLimits } from './limits';
import { RefusalError } from './types';
import { ZipArchive, formatBytes, type ZipEntry } from './zip';

export interface XlsxSheet {
  name: string;
  rows: Array<{ line: number; cells: string[] }>;
  /** Cells that took the value of a merged cell above them (mergeCells). */
  filledDown?: number;
  /** Hidden in Excel (an archive or lookup sheet kept out of sight): read only when no visible sheet holds a table. */
  hidden?: boolean;
}

/** Merged ranges read per sheet: Excel's own limit. */
const MAX_MERGES = 65_530;
/** Cells merged ranges may fill down, per sheet. */
const MAX_MERGE_VISITS = 5_000_000;

/**
 * "A5:A7" -> rows 5..7 of column 0, or null. Only a range over two or more rows matters: its value stands for each
 * row it covers (a contract number merged over the contract's lines).
 */
export function mergeRange(ref: string): { r1: number; r2: number; c: number } | null {
  const m = /^\s*([A-Za-z]{1,3})([0-9]{1,7}):([A-Za-z]{1,3})([0-9]{1,7})\s*$/.exec(ref);
  if (!m) return null;
  const col = (letters: string) => [...letters.toUpperCase()].reduce((a, ch) => a * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  const r1 = Number(m[2]);
  const r2 = Number(m[4]);
  if (r1 < 1 || r2 <= r1 || r2 > MAX_EXCEL_ROW) return null;
  return { r1, r2, c: Math.min(col(m[1]!), col(m[3]!)) };
}

/**
 * Fills each merged range's value down the rows it covers (in its first column), as a reader of the sheet sees it:
 * read as written, a contract's second and third lines had no contract number or dates (and a line without dates is
 * in term for ever). Only rows the sheet holds and empty cells are filled. Returns how many cells were.
 */
export function fillMergedDown(rows: Array<{ line: number; cells: string[] }>, merges: ReadonlyArray<{ r1: number; r2: number; c: number }>, maxColumns: number): number {
  if (merges.length === 0) return 0;
  // Rows come in ascending order (OOXML requires it); sorted again in case, for the binary search.
  const sorted = [...rows].sort((a, b) => a.line - b.line);
  const first = (line: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.line < line) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Rows visited, bounded: overlapping merges over a whole sheet would otherwise cost merges x rows.
  let budget = MAX_MERGE_VISITS;
  let filled = 0;
  for (const m of merges) {
    if (m.c >= maxColumns) continue;
    const top = sorted[first(m.r1)];
    const value = top?.line === m.r1 ? (top.cells[m.c] ?? '') : '';
    if (value.trim() === '') continue;
    for (let i = first(m.r1 + 1); i < sorted.length && sorted[i]!.line <= m.r2; i++) {
      if (--budget < 0) throw new RefusalError(`This workbook's merged cells cover more than ${MAX_MERGE_VISITS.toLocaleString('en-US')} cells. ${RESAVE}`);
      const r = sorted[i]!;
      if ((r.cells[m.c] ?? '').trim() !== '') continue;
      while (r.cells.length < m.c) r.cells.push('');
      r.cells[m.c] = value;
      filled++;
    }
  }
  return filled;
}

const RESAVE = 'Open it in Excel and save it again as .xlsx, or export the sheet as CSV.';
/** workbook.xml, the .rels files and styles.xml are small in every real workbook. */
const MAX_META_PART_BYTES = 32 * 1024 ** 2;
/** Shared strings and materialised cells (gaps included) are bounded so a small file cannot fill memory. */
const MAX_SHARED_STRINGS = 32_000_000;
/** Every value is held in memory (about 200 bytes a cell): 12 million fit well inside the engine's heap. */
const MAX_TOTAL_CELLS = 12_000_000;
/**
 * Most characters of text all cells of a workbook may hold. One shared string may be used by any number of cells, so a
 * workbook of a few KB can stand for gigabytes of text: the uncompressed-size limit does not bound what its rows hold.
 */
const MAX_TOTAL_CHARS = 512 * 1024 ** 2;
/** Excel's own sheet bounds. */
const MAX_EXCEL_ROW = 1_048_576;
/** Rows across the workbook's sheets (about 500 bytes each held): one full sheet and a half. A 2 MB file of bare rows inflates to tens of millions. */
const MAX_WORKBOOK_ROWS = 1_572_864;
const MAX_EXCEL_COL = 16_384;
/** Bytes decoded per step; keeps every JS string far below V8's maximum string length. */
const DECODE_CHUNK_BYTES = 16 * 1024 ** 2;

function damaged(detail: string): RefusalError {
  return new RefusalError(`This XLSX file is damaged or is not a real workbook (${detail}). ${RESAVE}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Public entry point

export function readXlsx(bytes: Buffer, limits: IngestLimits): XlsxSheet[] {
  if (bytes.length > limits.maxFileBytes) {
    throw new RefusalError(
      `This XLSX file is ${formatBytes(bytes.length)}, larger than the limit of ${formatBytes(limits.maxFileBytes)}. Split the workbook or export the sheet as CSV.`,
    );
  }
  if (bytes.length === 0) throw new RefusalError('This file is empty (0 bytes). Export it again from the source system.');
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0xd0cf11e0 && bytes.readUInt32BE(4) === 0xa1b11ae1) {
    throw new RefusalError(
      'This file is an old-format .xls workbook or a password-protected .xlsx. Remove any password, save it in Excel as .xlsx (Excel Workbook), and import it again.',
    );
  }
  if (bytes.length < 4 || bytes.readUInt32LE(0) !== 0x04034b50) {
    throw new RefusalError(`This file is not an Excel workbook (it is not an .xlsx archive). ${RESAVE}`);
  }
  const zip = ZipArchive.open(bytes, limits);
  const cellCap = Math.max(1, limits.maxLineChars);
  const tokenCap = cellCap * 6 + 65_536; // raw XML of one cell text, entities included

  // The package root names the main part; xl/workbook.xml is the conventional place.
  let workbookPath = 'xl/workbook.xml';
  const rootRels = zip.find('_rels/.rels');
  if (rootRels) {
    const rels = readRels(zip, rootRels, '', tokenCap);
    const main = rels.find((r) => r.type.endsWith('/officeDocument'));
    if (main) workbookPath = main.target;
  }
  const workbookEntry = zip.find(workbookPath) ?? zip.find('xl/workbook.xml');
  if (!workbookEntry) {
    throw new RefusalError(`This file is a ZIP archive but not an Excel workbook (it has no xl/workbook.xml). ${RESAVE}`);
  }
  const workbook = new WorkbookSink();
  scanPart(zip.read(workbookEntry, MAX_META_PART_BYTES), workbook, tokenCap);
  if (!workbook.isWorkbook) {
    throw new RefusalError(`This file is a ZIP archive but not an Excel workbook (its main part is not a workbook). ${RESAVE}`);
  }

  const baseDir = dirOf(workbookEntry.name);
  const relsEntry = zip.find(`${baseDir}_rels/${baseName(workbookEntry.name)}.rels`);
  const rels = relsEntry ? readRels(zip, relsEntry, baseDir, tokenCap) : [];
  const relById = new Map<string, Rel>();
  for (const r of rels) relById.set(r.id, r);

  const stylesRel = rels.find((r) => r.type.endsWith('/styles'));
  const stylesEntry = zip.find(stylesRel?.target ?? `${baseDir}styles.xml`);
  const styles = new StylesSink();
  if (stylesEntry) scanPart(zip.read(stylesEntry, MAX_META_PART_BYTES), styles, tokenCap);
  const dateKinds = styles.dateKinds();

  const sstRel = rels.find((r) => r.type.endsWith('/sharedStrings'));
  const sstEntry = zip.find(sstRel?.target ?? `${baseDir}sharedStrings.xml`);
  let shared: string[] = [];
  if (sstEntry) {
    const sink = new SharedStringsSink(cellCap);
    scanPart(zip.read(sstEntry), sink, tokenCap);
    shared = sink.strings;
  }

  const budget: SheetBudget = { rows: 0, cells: 0, chars: 0 };
  const sheets: XlsxSheet[] = [];
  for (const s of workbook.sheets) {
    const rel = s.relId === null ? undefined : relById.get(s.relId);
    if (!rel) throw damaged(`the sheet "${s.name}" has no data part`);
    if (!rel.type.endsWith('/worksheet')) {
      // Chart sheets and dialog sheets hold no cells; listed so the sheet order stays as in Excel.
      sheets.push({ name: s.name, rows: [], ...(s.hidden ? { hidden: true } : {}) });
      continue;
    }
    const entry = zip.find(rel.target);
    if (!entry) throw damaged(`the data of sheet "${s.name}" is missing`);
    const sink = new SheetSink(s.name, shared, dateKinds, workbook.date1904, limits, cellCap, budget);
    scanPart(zip.read(entry), sink, tokenCap);
    if (!sink.isSheet) throw damaged(`the part for sheet "${s.name}" is empty`);
    const filledDown = fillMergedDown(sink.rows, sink.merges, limits.maxColumns);
    sheets.push({ name: s.name, rows: sink.rows, ...(filledDown > 0 ? { filledDown } : {}), ...(s.hidden ? { hidden: true } : {}) });
  }
  if (sheets.length === 0) throw new RefusalError(`This workbook has no sheets. ${RESAVE}`);
  return sheets;
}

// ---------------------------------------------------------------------------------------------------------------
// Package relationships

interface Rel {
  id: string;
  type: string;
  target: string;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Resolves a relationship target inside the package; a target that climbs out of it is refused. */
function resolveTarget(baseDir: string, target: string): string {
  const raw = target.startsWith('/') ? target.slice(1) : baseDir + target;
  const out: string[] = [];
  for (const seg of raw.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw new RefusalError(`This XLSX file was refused because a part points outside the archive ("${target.slice(0, 80)}"). ${RESAVE}`);
      out.pop();
    } else out.push(seg);
  }
  return out.join('/');
}

function readRels(zip: ZipArchive, entry: ZipEntry, baseDir: string, tokenCap: number): Rel[] {
  const sink = new RelsSink();
  scanPart(zip.read(entry, MAX_META_PART_BYTES), sink, tokenCap);
  const rels: Rel[] = [];
  for (const r of sink.rels) {
    if (r.external) continue; // external links are never followed
    rels.push({ id: r.id, type: r.type, target: resolveTarget(baseDir, r.target) });
  }
  return rels;
}

// ---------------------------------------------------------------------------------------------------------------
// Streaming XML scanner. Linear time: every search is an indexOf forward from the current position, and an
// unfinished token is carried into the next chunk (its length capped). DTDs are refused, so entities are never
// expanded; only the five predefined entities and numeric character references are decoded.

/**
 * Attributes of the element being opened, valid only during the open() call. Kept as offsets into the chunk and
 * sliced only when asked for (most attributes of a sheet are never read). Looked up by local name, never keyed.
 */
class Attrs {
  src = '';
  n = 0;
  private readonly nameStart: number[] = [];
  private readonly nameEnd: number[] = [];
  private readonly valueStart: number[] = [];
  private readonly valueEnd: number[] = [];

  add(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    // Local name: whatever follows a namespace prefix (r:id -> id).
    for (let k = nameStart; k < nameEnd; k++) if (this.src.charCodeAt(k) === 58 /* : */) nameStart = k + 1;
    this.nameStart[this.n] = nameStart;
    this.nameEnd[this.n] = nameEnd;
    this.valueStart[this.n] = valueStart;
    this.valueEnd[this.n] = valueEnd;
    this.n++;
  }

  private find(local: string): number {
    for (let i = 0; i < this.n; i++) {
      const a = this.nameStart[i]!;
      if (this.nameEnd[i]! - a === local.length && this.src.startsWith(local, a)) return i;
    }
    return -1;
  }

  get(local: string): string | undefined {
    const i = this.find(local);
    return i < 0 ? undefined : decodeEntities(this.src.slice(this.valueStart[i], this.valueEnd[i]));
  }

  /** A small non-negative integer attribute (a style index) without allocating; `fallback` when absent or not one. */
  int(local: string, fallback: number): number {
    const i = this.find(local);
    if (i < 0) return fallback;
    const a = this.valueStart[i]!;
    const b = this.valueEnd[i]!;
    if (b === a || b - a > 9) return fallback;
    let v = 0;
    for (let k = a; k < b; k++) {
      const c = this.src.charCodeAt(k);
      if (c < 48 || c > 57) return fallback;
      v = v * 10 + (c - 48);
    }
    return v;
  }

  /** Column (0-based) of a cell reference attribute such as r="AB12": -2 when absent, -1 when not a reference. */
  column(local: string): number {
    const i = this.find(local);
    if (i < 0) return -2;
    let k = this.valueStart[i]!;
    const b = this.valueEnd[i]!;
    while (k < b && isSpace(this.src.charCodeAt(k))) k++;
    let col = 0;
    let letters = 0;
    for (; k < b; k++, letters++) {
      let c = this.src.charCodeAt(k);
      if (c >= 97 && c <= 122) c -= 32;
      if (c < 65 || c > 90) break;
      if (letters >= 3) return -1;
      col = col * 26 + (c - 64);
    }
    for (; k < b; k++) {
      const c = this.src.charCodeAt(k);
      if ((c < 48 || c > 57) && c !== 36 /* $ */ && !isSpace(c)) return -1;
    }
    if (letters === 0 || col > MAX_EXCEL_COL) return -1;
    return col - 1;
  }
}

interface XmlSink {
  /** When false, text between tags is skipped without being decoded. */
  wantText: boolean;
  open(name: string, attrs: Attrs): void;
  close(name: string): void;
  text(s: string): void;
}

function localName(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

class XmlScanner {
  private carry = '';
  private readonly attrs = new Attrs();

  constructor(
    private readonly sink: XmlSink,
    private readonly tokenCap: number,
  ) {}

  feed(chunk: string, final: boolean): void {
    const s = this.carry.length > 0 ? this.carry + chunk : chunk;
    const used = this.scan(s, final);
    this.carry = used < s.length ? s.slice(used) : '';
    if (this.carry.length > this.tokenCap) {
      throw new RefusalError(`This XLSX file holds a single XML item longer than ${this.tokenCap} characters, far more than any cell. ${RESAVE}`);
    }
    if (final && this.carry.length > 0) throw damaged('its XML ends in the middle of an element');
  }

  /** Returns how many characters were consumed; the rest is an incomplete token. */
  private scan(s: string, final: boolean): number {
    const n = s.length;
    const sink = this.sink;
    let i = 0;
    while (i < n) {
      const lt = s.indexOf('<', i);
      if (lt < 0) {
        if (!final) return i;
        if (sink.wantText) sink.text(decodeEntities(s.slice(i)));
        return n;
      }
      if (lt > i && sink.wantText) sink.text(decodeEntities(s.slice(i, lt)));
      i = lt;
      if (lt + 1 >= n) return lt;
      const c1 = s.charCodeAt(lt + 1);
      if (c1 === 33 /* ! */) {
        if (s.startsWith('<!--', lt)) {
          const e = s.indexOf('-->', lt + 4);
          if (e < 0) return lt;
          i = e + 3;
        } else if (s.startsWith('<![CDATA[', lt)) {
          const e = s.indexOf(']]>', lt + 9);
          if (e < 0) return lt;
          if (sink.wantText) sink.text(s.slice(lt + 9, e));
          i = e + 3;
        } else if (n - lt < 9 && !final) {
          return lt;
        } else if (s.slice(lt + 2, lt + 9).toUpperCase() === 'DOCTYPE' || s.startsWith('<!ENTITY', lt)) {
          throw new RefusalError(
            `This XLSX file was refused because its XML declares a DOCTYPE (entity definitions), which Excel never writes and which can be used to attack readers. ${RESAVE}`,
          );
        } else {
          throw damaged('its XML contains an unknown declaration');
        }
      } else if (c1 === 63 /* ? */) {
        const e = s.indexOf('?>', lt + 2);
        if (e < 0) return lt;
        i = e + 2;
      } else if (c1 === 47 /* / */) {
        const e = s.indexOf('>', lt + 2);
        if (e < 0) return lt;
        sink.close(localName(s.slice(lt + 2, e).trim()));
        i = e + 1;
      } else {
        const end = this.openTag(s, lt);
        if (end < 0) return lt;
        i = end;
      }
    }
    return n;
  }

  /** Parses `<name a="v" ...>` or `<name .../>` at lt; returns the index after it, or -1 when incomplete. */
  private openTag(s: string, lt: number): number {
    const n = s.length;
    let j = lt + 1;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (isSpace(c) || c === 47 || c === 62) break;
      j++;
    }
    if (j >= n) return -1;
    if (j === lt + 1) throw damaged('its XML has an element without a name');
    const name = localName(s.slice(lt + 1, j));
    const attrs = this.attrs;
    attrs.src = s;
    attrs.n = 0;
    for (;;) {
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      const c = s.charCodeAt(j);
      if (c === 62 /* > */) {
        this.sink.open(name, attrs);
        return j + 1;
      }
      if (c === 47 /* / */) {
        if (j + 1 >= n) return -1;
        if (s.charCodeAt(j + 1) !== 62) throw damaged('its XML has a malformed element');
        this.sink.open(name, attrs);
        this.sink.close(name);
        return j + 2;
      }
      const nameStart = j;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (d === 61 /* = */ || isSpace(d) || d === 62 || d === 47) break;
        j++;
      }
      const nameEnd = j;
      if (nameEnd === nameStart) throw damaged('its XML has a malformed attribute');
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      if (s.charCodeAt(j) !== 61) throw damaged('its XML has an attribute without a value');
      j++;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      const q = s.charCodeAt(j);
      if (q !== 34 && q !== 39) throw damaged('its XML has an unquoted attribute');
      const close = s.indexOf(q === 34 ? '"' : "'", j + 1);
      if (close < 0) return -1;
      attrs.add(nameStart, nameEnd, j + 1, close);
      j = close + 1;
    }
  }
}

/** Decodes one XML part in chunks (UTF-8, or UTF-16 with a BOM) through the scanner. */
function scanPart(buf: Buffer, sink: XmlSink, tokenCap: number): void {
  let encoding = 'utf-8';
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) encoding = 'utf-16le';
  else if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) encoding = 'utf-16be';
  const decoder = new StringDecoder(encoding === 'utf-8' ? 'utf8' : 'utf16le');
  if (encoding === 'utf-16be') buf = swapUtf16(buf);
  const scanner = new XmlScanner(sink, tokenCap);
  if (buf.length === 0) {
    scanner.feed('', true);
    return;
  }
  for (let off = 0; off < buf.length; off += DECODE_CHUNK_BYTES) {
    const end = Math.min(buf.length, off + DECODE_CHUNK_BYTES);
    const last = end >= buf.length;
    let text = decoder.write(buf.subarray(off, end));
    if (last) text += decoder.end();
    if (off === 0) text = stripBom(text);
    scanner.feed(text, last);
  }
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** UTF-16BE to UTF-16LE (node decodes only the latter); a copy, so the archive's bytes stay untouched. */
function swapUtf16(buf: Buffer): Buffer {
  const out = Buffer.from(buf.subarray(0, buf.length - (buf.length % 2)));
  return out.swap16();
}

const NAMED_ENTITIES = new Map<string, string>([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);

/** Predefined and numeric entities only; anything else is kept literally (never looked up, never expanded). */
export function decodeEntities(s: string): string {
  let amp = s.indexOf('&');
  if (amp < 0) return s;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    // Look for the ';' only a few characters ahead, so text full of bare '&' stays linear.
    let semi = -1;
    for (let k = amp + 1, stop = Math.min(s.length, amp + 12); k < stop; k++) {
      if (s.charCodeAt(k) === 59) {
        semi = k;
        break;
      }
    }
    if (semi < 0) {
      amp = s.indexOf('&', amp + 1);
      continue;
    }
    const body = s.slice(amp + 1, semi);
    let rep: string | undefined;
    if (body.charCodeAt(0) === 35 /* # */) {
      const hex = body.charCodeAt(1) === 120 || body.charCodeAt(1) === 88;
      const digits = hex ? body.slice(2) : body.slice(1);
      const valid = hex ? /^[0-9a-fA-F]{1,6}$/.test(digits) : /^[0-9]{1,7}$/.test(digits);
      if (valid) {
        const cp = parseInt(digits, hex ? 16 : 10);
        rep = cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
      }
    } else {
      rep = NAMED_ENTITIES.get(body);
    }
    if (rep !== undefined) {
      out += s.slice(from, amp) + rep;
      from = semi + 1;
      amp = s.indexOf('&', from);
    } else {
      amp = s.indexOf('&', amp + 1);
    }
  }
  return out + s.slice(from);
}

/** Excel escapes characters XML cannot carry as _xHHHH_ (e.g. _x000D_ for CR, _x005F_ for a literal underscore). */
export function decodeXEscapes(s: string): string {
  let at = s.indexOf('_x');
  if (at < 0) return s;
  let out = '';
  let from = 0;
  while (at >= 0) {
    if (at + 7 <= s.length && s.charCodeAt(at + 6) === 95 && isHex4(s, at + 2)) {
      out += s.slice(from, at) + String.fromCharCode(parseInt(s.slice(at + 2, at + 6), 16));
      from = at + 7;
      at = s.indexOf('_x', from);
    } else {
      at = s.indexOf('_x', at + 1);
    }
  }
  return out + s.slice(from);
}

function isHex4(s: string, at: number): boolean {
  for (let k = at; k < at + 4; k++) {
    const c = s.charCodeAt(k);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Parts

class RelsSink implements XmlSink {
  wantText = false;
  rels: Array<{ id: string; type: string; target: string; external: boolean }> = [];
  open(name: string, a: Attrs): void {
    if (name !== 'Relationship') return;
    const id = a.get('Id');
    const target = a.get('Target');
    if (id === undefined || target === undefined) return;
    this.rels.push({ id, type: a.get('Type') ?? '', target, external: (a.get('TargetMode') ?? '').toLowerCase() === 'external' });
  }
  close(): void {}
  text(): void {}
}

class WorkbookSink implements XmlSink {
  wantText = false;
  isWorkbook = false;
  date1904 = false;
  sheets: Array<{ name: string; relId: string | null; hidden: boolean }> = [];
  private depth = 0;
  private inSheets = false;
  open(name: string, a: Attrs): void {
    if (this.depth === 0 && name === 'workbook') this.isWorkbook = true;
    this.depth++;
    if (!this.isWorkbook) return;
    if (name === 'workbookPr') {
      const v = (a.get('date1904') ?? '').toLowerCase();
      this.date1904 = v === '1' || v === 'true';
    } else if (name === 'sheets') {
      this.inSheets = true;
    } else if (name === 'sheet' && this.inSheets) {
      if (this.sheets.length >= 10_000) throw damaged('it lists more sheets than Excel allows');
      const sheetName = a.get('name') ?? `Sheet${this.sheets.length + 1}`;
      const state = (a.get('state') ?? '').toLowerCase();
      this.sheets.push({ name: sheetName, relId: a.get('id') ?? null, hidden: state === 'hidden' || state === 'veryhidden' });
    }
  }
  close(name: string): void {
    this.depth--;
    if (name === 'sheets') this.inSheets = false;
  }
  text(): void {}
}

/** How a number format shows a serial: not a date, a date (maybe with time), a time of day, elapsed time. */
export const DateKind = { None: 0, Date: 1, TimeOnly: 2, Elapsed: 3 } as const;
export type DateKind = (typeof DateKind)[keyof typeof DateKind];

function builtinDateKind(id: number): DateKind {
  if ((id >= 14 && id <= 17) || id === 22) return DateKind.Date;
  if ((id >= 18 && id <= 21) || id === 45 || id === 47) return DateKind.TimeOnly;
  if (id === 46) return DateKind.Elapsed;
  return DateKind.None;
}

/** A custom number format is a date when it holds d/m/y/h/s outside quotes, escapes and [brackets]. */
export function classifyFormatCode(code: string): DateKind {
  let date = false;
  let time = false;
  let month = false;
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    if (c === '"') {
      const e = code.indexOf('"', i + 1);
      if (e < 0) break;
      i = e;
    } else if (c === '\\' || c === '_' || c === '*') {
      i++;
    } else if (c === '[') {
      const e = code.indexOf(']', i + 1);
      if (e < 0) break;
      if (/^(h+|m+|s+)$/i.test(code.slice(i + 1, e))) return DateKind.Elapsed;
      i = e;
    } else if (c === ';') {
      break; // the first section decides
    } else {
      const l = c.toLowerCase();
      if (l === 'd' || l === 'y') date = true;
      else if (l === 'h' || l === 's') time = true;
      else if (l === 'm') month = true;
    }
  }
  if (date) return DateKind.Date;
  if (time) return DateKind.TimeOnly;
  if (month) return DateKind.Date;
  return DateKind.None;
}

class StylesSink implements XmlSink {
  wantText = false;
  private readonly codes = new Map<number, string>();
  private readonly xfFormats: number[] = [];
  private inCellXfs = false;
  open(name: string, a: Attrs): void {
    if (name === 'numFmt') {
      const id = Number(a.get('numFmtId'));
      const code = a.get('formatCode');
      if (Number.isInteger(id) && code !== undefined) this.codes.set(id, code);
    } else if (name === 'cellXfs') {
      this.inCellXfs = true;
    } else if (name === 'xf' && this.inCellXfs) {
      if (this.xfFormats.length >= 1_000_000) throw damaged('its styles list is larger than Excel allows');
      const id = Number(a.get('numFmtId') ?? '0');
      this.xfFormats.push(Number.isInteger(id) ? id : 0);
    }
  }
  close(name: string): void {
    if (name === 'cellXfs') this.inCellXfs = false;
  }
  text(): void {}
  dateKinds(): Uint8Array {
    const out = new Uint8Array(this.xfFormats.length);
    this.xfFormats.forEach((id, i) => {
      const code = this.codes.get(id);
      out[i] = code !== undefined ? classifyFormatCode(code) : builtinDateKind(id);
    });
    return out;
  }
}

class SharedStringsSink implements XmlSink {
  wantText = false;
  strings: string[] = [];
  private inSi = false;
  private phonetic = 0;
  private cur = '';
  constructor(private readonly cellCap: number) {}
  open(name: string): void {
    if (name === 'si') {
      this.inSi = true;
      this.cur = '';
    } else if (name === 'rPh') {
      this.phonetic++; // phonetic guides (furigana) are not part of the value
    } else if (name === 't' && this.inSi && this.phonetic === 0) {
      this.wantText = true;
    }
  }
  close(name: string): void {
    if (name === 't') this.wantText = false;
    else if (name === 'rPh') this.phonetic = Math.max(0, this.phonetic - 1);
    else if (name === 'si') {
      if (this.strings.length >= MAX_SHARED_STRINGS) {
        throw new RefusalError(`This workbook holds more than ${MAX_SHARED_STRINGS} distinct texts. Split the workbook or export the sheet as CSV.`);
      }
      this.strings.push(decodeXEscapes(this.cur));
      this.inSi = false;
      this.cur = '';
    }
  }
  text(s: string): void {
    this.cur += s;
    if (this.cur.length > this.cellCap) {
      throw new RefusalError(`This workbook holds a text longer than ${this.cellCap} characters, more than a cell can hold. ${RESAVE}`);
    }
  }
}

interface SheetBudget {
  rows: number;
  cells: number;
  /** Characters of text in all cells read, a shared string counted each time a cell uses it. */
  chars: number;
}

class SheetSink implements XmlSink {
  wantText = false;
  rows: Array<{ line: number; cells: string[] }> = [];
  /** Merged ranges over two or more rows (mergeCells, after the sheet's data). */
  merges: Array<{ r1: number; r2: number; c: number }> = [];
  isSheet = false;
  private depth = 0;
  private inSheetData = false;
  private cells: string[] | null = null;
  private line = 0;
  private lastLine = 0;
  private nextCol = 0;
  // current cell
  private inCell = false;
  private col = 0;
  private type = 'n';
  private style = 0;
  private v = '';
  private inV = false;
  private inIs = false;
  private inT = false;
  private phonetic = 0;
  private inline = '';

  constructor(
    private readonly sheetName: string,
    private readonly shared: readonly string[],
    private readonly dateKinds: Uint8Array,
    private readonly date1904: boolean,
    private readonly limits: IngestLimits,
    private readonly cellCap: number,
    private readonly budget: SheetBudget,
  ) {}

  open(name: string, a: Attrs): void {
    if (this.depth === 0) {
      if (name !== 'worksheet') throw damaged(`the part for sheet "${this.sheetName}" is not a worksheet`);
      this.isSheet = true;
    }
    this.depth++;
    switch (name) {
      case 'sheetData':
        this.inSheetData = true;
        break;
      case 'mergeCell': {
        if (this.inSheetData || this.merges.length >= MAX_MERGES) break;
        const range = mergeRange(a.get('ref') ?? '');
        if (range) this.merges.push(range);
        break;
      }
      case 'row': {
        if (!this.inSheetData) break;
        let num = a.int('r', -1);
        if (num === -1) {
          const r = a.get('r');
          if (r !== undefined) num = /^\s*[0-9]{1,8}\s*$/.test(r) ? Number(r) : 0;
        }
        if (num === -1) {
          this.line = this.lastLine + 1; // rows without r follow the previous one
          if (this.line > MAX_EXCEL_ROW) {
            throw new RefusalError(`Sheet "${this.sheetName}" holds more than Excel's ${MAX_EXCEL_ROW.toLocaleString('en-US')} rows, so no spreadsheet program wrote it. Export the data as CSV instead.`);
          }
        } else if (num >= 1 && num <= MAX_EXCEL_ROW) this.line = num;
        else throw damaged(`sheet "${this.sheetName}" has an invalid row number "${(a.get('r') ?? '').slice(0, 20)}"`);
        this.lastLine = this.line;
        this.cells = [];
        this.nextCol = 0;
        break;
      }
      case 'c': {
        if (this.cells === null) break;
        const col = a.column('r');
        if (col === -2) this.col = this.nextCol;
        else if (col < 0) {
          throw damaged(`sheet "${this.sheetName}" row ${this.line} has an invalid cell reference "${(a.get('r') ?? '').slice(0, 20)}"`);
        } else this.col = col;
        this.inCell = true;
        this.type = a.get('t') ?? 'n';
        this.style = a.int('s', 0);
        this.v = '';
        this.inline = '';
        this.phonetic = 0;
        break;
      }
      case 'v':
        if (this.inCell) {
          this.inV = true;
          this.wantText = true;
        }
        break;
      case 'is':
        if (this.inCell) this.inIs = true;
        break;
      case 'rPh':
        this.phonetic++;
        break;
      case 't':
        if (this.inIs && this.phonetic === 0) {
          this.inT = true;
          this.wantText = true;
        }
        break;
    }
  }

  close(name: string): void {
    this.depth--;
    switch (name) {
      case 'v':
        this.inV = false;
        this.wantText = false;
        break;
      case 't':
        this.inT = false;
        this.wantText = false;
        break;
      case 'rPh':
        this.phonetic = Math.max(0, this.phonetic - 1);
        break;
      case 'is':
        this.inIs = false;
        break;
      case 'c':
        if (this.inCell) this.endCell();
        break;
      case 'row':
        if (this.cells !== null) this.endRow();
        break;
      case 'sheetData':
        this.inSheetData = false;
        break;
    }
  }

  text(s: string): void {
    if (this.inV) {
      this.v += s;
      if (this.v.length > this.cellCap) this.tooLong();
    } else if (this.inT) {
      this.inline += s;
      if (this.inline.length > this.cellCap) this.tooLong();
    }
  }

  private tooLong(): never {
    throw new RefusalError(
      `Sheet "${this.sheetName}" row ${this.line} holds a cell longer than ${this.cellCap} characters, more than a cell can hold. ${RESAVE}`,
    );
  }

  private endCell(): void {
    this.inCell = false;
    const cells = this.cells!;
    const value = this.cellText();
    this.nextCol = this.col + 1;
    if (value === '') return; // an empty (e.g. only styled) cell does not widen the row
    this.budget.chars += value.length;
    if (this.budget.chars > MAX_TOTAL_CHARS) {
      throw new RefusalError(`This workbook's cells hold more than ${MAX_TOTAL_CHARS.toLocaleString('en-US')} characters of text in all (one text used by many cells counts each time). ${RESAVE}`);
    }
    if (this.col >= this.limits.maxColumns) {
      throw new RefusalError(
        `Sheet "${this.sheetName}" row ${this.line} has a value in column ${this.col + 1}, beyond the limit of ${this.limits.maxColumns} columns. Delete the unused columns or export the sheet as CSV.`,
      );
    }
    if (this.col >= cells.length) {
      this.budget.cells += this.col + 1 - cells.length;
      if (this.budget.cells > MAX_TOTAL_CELLS) {
        throw new RefusalError(`This workbook holds more than ${MAX_TOTAL_CELLS} cells. Split it or export each sheet as CSV.`);
      }
      while (cells.length < this.col) cells.push('');
      cells.push(value);
    } else {
      cells[this.col] = value;
    }
  }

  private endRow(): void {
    const cells = this.cells!;
    this.cells = null;
    if (cells.length === 0) return; // a row with no values holds no data
    this.budget.rows++;
    if (this.budget.rows > Math.min(this.limits.maxRows, MAX_WORKBOOK_ROWS)) {
      throw new RefusalError(`This workbook holds more than ${Math.min(this.limits.maxRows, MAX_WORKBOOK_ROWS).toLocaleString('en-US')} rows, the limit for one workbook. Split it into smaller files or export each sheet as CSV.`);
    }
    this.rows.push({ line: this.line, cells });
  }

  private cellText(): string {
    switch (this.type) {
      case 's': {
        const raw = this.v.trim();
        if (raw === '') return '';
        const idx = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : -1;
        const str = idx >= 0 ? this.shared[idx] : undefined;
        if (str === undefined) throw damaged(`sheet "${this.sheetName}" row ${this.line} refers to a text that does not exist`);
        return str;
      }
      case 'inlineStr':
        return decodeXEscapes(this.inline !== '' ? this.inline : this.v);
      case 'str':
        return decodeXEscapes(this.v);
      case 'b':
        return this.v.trim() === '1' ? 'TRUE' : this.v.trim() === '0' ? 'FALSE' : this.v;
      case 'e':
        return this.v;
      case 'd':
        return isoDateText(this.v);
      default: {
        const raw = this.v.trim();
        if (raw === '') return '';
        const kind = (this.dateKinds[this.style] ?? DateKind.None) as DateKind;
        if (kind !== DateKind.None) {
          const d = serialToText(Number(raw), this.date1904, kind);
          if (d !== null) return d;
        }
        return plainNumber(raw);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Value formatting

/** Decimal text without exponent for normal magnitudes, rounded to Excel's 15 significant digits. */
export function plainNumber(raw: string): string {
  if (isPlainDecimal(raw)) return raw; // what Excel writes almost always: nothing to convert
  const t = raw.trim();
  const parsed = Number(t);
  if (t === '' || !Number.isFinite(parsed)) return raw;
  if (parsed === 0) return '0';
  const s = String(Number(parsed.toPrecision(15)));
  const e = s.indexOf('e');
  if (e < 0) return s;
  const exp = Number(s.slice(e + 1));
  if (exp < -30 || exp > 30) return s;
  let mant = s.slice(0, e);
  let sign = '';
  if (mant.startsWith('-')) {
    sign = '-';
    mant = mant.slice(1);
  }
  const dot = mant.indexOf('.');
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  const point = (dot < 0 ? mant.length : dot) + exp;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** True for text such as 42, -3.25 or 0.001: at most 15 significant digits, no exponent, no redundant zeros. */
function isPlainDecimal(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 17) return false;
  const i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (i >= n) return false;
  let digits = 0;
  let dot = -1;
  for (let k = i; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c === 46) {
      if (dot >= 0) return false;
      dot = k;
    } else if (c >= 48 && c <= 57) digits++;
    else return false;
  }
  if (digits === 0 || digits > 15) return false;
  const first = s.charCodeAt(i);
  if (first === 48 && i + 1 < n && s.charCodeAt(i + 1) !== 46) return false; // leading zero
  if (first === 46) return false;
  if (dot >= 0 && (dot === n - 1 || s.charCodeAt(n - 1) === 48)) return false; // "1." or "1.50"
  if (i === 1 && /^-0(\.0*)?$/.test(s)) return false; // negative zero
  return true;
}

const DAY_MS = 86_400_000;
/** Dates repeat a lot in usage exports; remember the last day formatted. */
let lastDayKey = NaN;
let lastDayText = '';
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

function hms(secs: number): string {
  return `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor((secs % 3600) / 60))}:${pad2(secs % 60)}`;
}

/**
 * Excel serial -> 'YYYY-MM-DD' (whole days) or 'YYYY-MM-DD HH:MM:SS'. 1900 system: serial 1 is 1900-01-01 and
 * Excel counts a 29 Feb 1900 that never existed (serial 60), so serials from 61 on are one day ahead.
 * Time-only formats give 'HH:MM:SS' below one day; elapsed formats ([h]:mm:ss) give hours past 24.
 */
export function serialToText(serial: number, date1904: boolean, kind: DateKind): string | null {
  if (!Number.isFinite(serial) || serial < 0 || serial >= 2_958_466) return null;
  const total = Math.round(serial * 86_400);
  const days = Math.floor(total / 86_400);
  const secs = total - days * 86_400;
  if (kind === DateKind.Elapsed) {
    return `${Math.floor(total / 3600)}:${pad2(Math.floor((total % 3600) / 60))}:${pad2(total % 60)}`;
  }
  if (kind === DateKind.TimeOnly && days === 0) return hms(secs);
  const key = date1904 ? -1 - days : days;
  if (key === lastDayKey) return secs === 0 ? lastDayText : `${lastDayText} ${hms(secs)}`;
  let ms: number;
  if (date1904) ms = Date.UTC(1904, 0, 1) + days * DAY_MS;
  else if (days >= 61) ms = Date.UTC(1899, 11, 30) + days * DAY_MS;
  else ms = Date.UTC(1899, 11, 31) + days * DAY_MS; // serial 60 (the phantom 29 Feb 1900) lands on 1 Mar
  const d = new Date(ms);
  const date = `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  lastDayKey = key;
  lastDayText = date;
  return secs === 0 ? date : `${date} ${hms(secs)}`;
}

/** t="d" cells hold ISO 8601 text; normalise to the canonical date or timestamp form, else keep the text. */
function isoDateText(raw: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/.exec(raw.trim());
  if (!m) return raw;
  const [, date, hh, mm, ss] = m;
  if (hh === undefined || (hh === '00' && mm === '00' && (ss ?? '00') === '00')) return date!;
  return `${date} ${hh}:${mm}:${ss ?? '00'}`;
}
