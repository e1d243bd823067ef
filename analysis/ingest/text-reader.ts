// Streaming CSV/TSV reader for untrusted client exports (DATA-CONTRACT §1.7).
// Chunked: the file is decoded 1 MB at a time and parsed with index scans and slices (no per-char
// string building), so millions of rows stream in bounded memory. A record longer than
// `maxLineChars` is rejected and skipped up to the next physical newline, so a 40 MB single line
// costs one pass, never a hang. Line numbers are the physical line where a record starts.
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { IngestLimits } from './limits';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export type TextRecord = { line: number; cells: string[]; raw?: undefined; reason?: undefined } | { line: number; raw: string; reason: string; cells?: undefined };

const QUOTE = 34;
const LF = 10;
const CR = 13;
const RAW_CAP = 2000;

/** Checks UTF-8 validity across chunk boundaries (a multi-byte character may straddle two chunks). */
export class Utf8Validator {
  private carry: Buffer = Buffer.alloc(0);
  private ok = true;

  push(chunk: Buffer): void {
    if (!this.ok) return;
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = incompleteTailStart(buf);
    this.carry = Buffer.from(buf.subarray(cut));
    if (!isUtf8(buf.subarray(0, cut))) this.ok = false;
  }

  /** True when every complete character seen so far was valid UTF-8 (a cut-off tail is allowed). */
  validSoFar(): boolean {
    return this.ok;
  }

  /** True when every byte seen was valid UTF-8. */
  end(): boolean {
    return this.ok && this.carry.length === 0;
  }
}

/** Start of a trailing, possibly incomplete, multi-byte sequence (buf.length when none). */
function incompleteTailStart(buf: Buffer): number {
  const n = buf.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const b = buf[n - k]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > k ? n - k : n;
  }
  return n;
}

/** Encoding from the byte-order mark, else UTF-8 when valid, else Windows-1252 (a superset of Latin-1). */
export function detectEncoding(head: Buffer, utf8Valid: boolean): TextEncoding {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  return utf8Valid ? 'utf-8' : 'windows-1252';
}

/** Decodes bytes (BOM dropped). */
export function decodeBytes(bytes: Buffer, encoding: TextEncoding): string {
  return new TextDecoder(encoding).decode(bytes);
}

/** Picks `,` `;` TAB or `|`: the candidate whose per-line count is most consistent over the first lines. */
export function sniffDelimiter(headText: string): string {
  const lines = headText
    .split(/\r\n|\n|\r/)
    .slice(0, 40)
    .map((l) => l.replace(/"(?:[^"]|"")*"/g, '""'))
    .filter((l) => l.trim() !== '');
  let best = ',';
  let bestFreq = 0;
  let bestCount = 0;
  for (const d of [',', ';', '\t', '|']) {
    const freq = new Map<number, number>();
    for (const l of lines) {
      const n = l.split(d).length - 1;
      if (n > 0) freq.set(n, (freq.get(n) ?? 0) + 1);
    }
    for (const [count, f] of freq) {
      if (f > bestFreq || (f === bestFreq && count > bestCount)) {
        best = d;
        bestFreq = f;
        bestCount = count;
      }
    }
  }
  return best;
}

type Parsed = { cells: string[]; next: number; newlines: number; error?: string } | null;

/** Incremental RFC 4180 parser: push decoded text, collect records. */
export class CsvParser {
  private buf = '';
  private line = 1;
  private skipping = false;
  private readonly delim: number;

  constructor(
    delimiter: string,
    private readonly limits: Pick<IngestLimits, 'maxLineChars' | 'maxColumns'>,
  ) {
    if (delimiter.length !== 1) throw new Error(`delimiter must be one character, got ${JSON.stringify(delimiter)}`);
    this.delim = delimiter.charCodeAt(0);
  }

  push(chunk: string, out: TextRecord[]): void {
    this.buf = this.buf.length ? this.buf + chunk : chunk;
    this.run(false, out);
  }

  end(out: TextRecord[]): void {
    this.run(true, out);
    this.buf = '';
  }

  private run(final: boolean, out: TextRecord[]): void {
    const s = this.buf;
    const len = s.length;
    const max = this.limits.maxLineChars;
    let pos = 0;
    while (pos < len) {
      if (this.skipping) {
        const nl = nextNewline(s, pos);
        if (nl < 0) {
          pos = len;
          break;
        }
        if (s.charCodeAt(nl) === CR && nl + 1 >= len && !final) {
          pos = nl; // keep the CR: it may be the first half of CRLF
          break;
        }
        pos = nl + (s.charCodeAt(nl) === CR && s.charCodeAt(nl + 1) === LF ? 2 : 1);
        this.line++;
        this.skipping = false;
        continue;
      }
      const r = this.parseRecord(s, pos, final);
      if (r === null) {
        if (len - pos > max) {
          this.rejectLong(s, pos, out);
          const nl = nextNewline(s, pos);
          this.skipping = true;
          if (nl < 0) {
            pos = len;
            break;
          }
          pos = nl;
          continue;
        }
        break;
      }
      const startLine = this.line;
      this.line += r.newlines;
      const recordLen = r.next - pos;
      if (recordLen > max) {
        out.push({ line: startLine, raw: cap(s.slice(pos, r.next)), reason: `line is longer than ${max} characters` });
      } else if (r.error) {
        out.push({ line: startLine, raw: cap(s.slice(pos, r.next)), reason: r.error });
      } else if (r.cells.length > this.limits.maxColumns) {
        out.push({ line: startLine, raw: cap(s.slice(pos, r.next)), reason: `row has more than ${this.limits.maxColumns} columns` });
      } else if (!(r.cells.length === 1 && r.cells[0] === '')) {
        out.push({ line: startLine, cells: r.cells });
      }
      pos = r.next;
    }
    this.buf = pos >= len ? '' : s.slice(pos);
  }

  private rejectLong(s: string, pos: number, out: TextRecord[]): void {
    out.push({ line: this.line, raw: cap(s.slice(pos, pos + RAW_CAP)), reason: `line is longer than ${this.limits.maxLineChars} characters` });
  }

  /** One record from `pos`; null when the buffer ends before the record does (and more may come). */
  private parseRecord(s: string, pos: number, final: boolean): Parsed {
    const len = s.length;
    const delim = this.delim;
    const maxCols = this.limits.maxColumns;
    const cells: string[] = [];
    let i = pos;
    let newlines = 0;
    for (;;) {
      let value: string;
      if (i < len && s.charCodeAt(i) === QUOTE) {
        let j = i + 1;
        let start = j;
        let parts: string[] | null = null;
        let closed = -1;
        for (;;) {
          const q = s.indexOf('"', j);
          if (q < 0) break;
          if (q + 1 >= len && !final) return null; // cannot tell `"` from `""` yet
          if (s.charCodeAt(q + 1) === QUOTE) {
            (parts ??= []).push(s.slice(start, q + 1));
            j = q + 2;
            start = j;
            continue;
          }
          closed = q;
          break;
        }
        if (closed < 0) {
          if (!final) return null;
          return { cells, next: len, newlines: newlines + countNewlines(s, i, len), error: 'a quoted field is not closed before the end of the file' };
        }
        newlines += countNewlines(s, i, closed);
        value = parts ? parts.join('') + s.slice(start, closed) : s.slice(start, closed);
        i = closed + 1;
        // Lenient: text after the closing quote belongs to the same cell (`"a"b` -> `ab`).
        if (i < len) {
          const c = s.charCodeAt(i);
          if (c !== delim && c !== LF && c !== CR) {
            const k = scanField(s, i, delim);
            value += s.slice(i, k);
            i = k;
          }
        }
      } else {
        const k = scanField(s, i, delim);
        value = s.slice(i, k);
        i = k;
      }
      if (cells.length <= maxCols) cells.push(value);
      else cells.length = maxCols + 1; // keep counting past the limit without storing
      if (i >= len) {
        if (!final) return null;
        return { cells, next: len, newlines };
      }
      const c = s.charCodeAt(i);
      if (c === delim) {
        i++;
        if (i >= len && final) {
          cells.push('');
          return { cells, next: len, newlines };
        }
        continue;
      }
      if (c === CR) {
        if (i + 1 >= len && !final) return null;
        i += s.charCodeAt(i + 1) === LF ? 2 : 1;
        return { cells, next: i, newlines: newlines + 1 };
      }
      // LF
      return { cells, next: i + 1, newlines: newlines + 1 };
    }
  }
}

function scanField(s: string, from: number, delim: number): number {
  const len = s.length;
  let k = from;
  while (k < len) {
    const c = s.charCodeAt(k);
    if (c === delim || c === LF || c === CR) break;
    k++;
  }
  return k;
}

/** First LF or CR at or after `from`, or -1. Linear in the distance scanned (used when skipping). */
function nextNewline(s: string, from: number): number {
  const len = s.length;
  for (let k = from; k < len; k++) {
    const c = s.charCodeAt(k);
    if (c === LF || c === CR) return k;
  }
  return -1;
}

/** Physical line breaks in s[from, to): LF, CRLF (once) and a lone CR. Scans only the range. */
function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === LF) n++;
    else if (c === CR && s.charCodeAt(k + 1) !== LF) n++;
  }
  return n;
}

function cap(raw: string): string {
  const t = raw.replace(/\r?\n$|\r$/, '');
  return t.length > RAW_CAP ? t.slice(0, RAW_CAP) + '…' : t;
}

export interface TextReadOptions {
  encoding: TextEncoding;
  delimiter: string;
  limits: Pick<IngestLimits, 'maxLineChars' | 'maxColumns'>;
  chunkBytes?: number;
  signal?: AbortSignal;
}

/** Streams a text file's records in batches (one batch per decoded chunk). */
export async function* readTextRecords(path: string, opts: TextReadOptions): AsyncGenerator<TextRecord[]> {
  const decoder = new TextDecoder(opts.encoding);
  const parser = new CsvParser(opts.delimiter, opts.limits);
  const stream = createReadStream(path, { highWaterMark: opts.chunkBytes ?? 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) return;
      const out: TextRecord[] = [];
      parser.push(decoder.decode(chunk, { stream: true }), out);
      if (out.length) yield out;
    }
    const out: TextRecord[] = [];
    const tail = decoder.decode();
    if (tail) parser.push(tail, out);
    parser.end(out);
    if (out.length) yield out;
  } finally {
    stream.destroy();
  }
}

/** Parses a whole string (XLSX-free tests, small inputs). */
export function parseText(text: string, delimiter: string, limits: Pick<IngestLimits, 'maxLineChars' | 'maxColumns'>): TextRecord[] {
  const p = new CsvParser(delimiter, limits);
  const out: TextRecord[] = [];
  p.push(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, out);
  p.end(out);
  return out;
}
