// CSV for the evidence pack (RFC 4180, UTF-8, CRLF). Text that a spreadsheet would run as a formula
// (starting with = + - @, tab or CR) is prefixed with an apostrophe, the usual CSV-injection guard, after
// control and bidi-override characters are dropped;
// numbers are written in full precision, never rounded.
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { ColumnChunk } from './column-stream';

export type CsvValue = string | number | boolean | null | undefined;

/** A text cell starting with = + - @, TAB or CR gets a leading apostrophe so no spreadsheet runs it. */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/**
 * Characters no client value legitimately holds that still do harm in an output: C0 controls but TAB, CR and LF
 * (a NUL cuts a line short in many readers), DEL, and the bidi embeddings, overrides and isolates that make
 * "moc.osotnoc@nna" read as an innocent address. Dropped from every text the pack and the reports write.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;
/** The same set for DuckDB's regexp_replace (RE2 syntax, inside a SQL string literal). */
export const CONTROL_CHARS_RE2 = '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]';

export function withoutControls(text: string): string {
  return text.replace(CONTROL_CHARS, '');
}

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = neutraliseFormula(withoutControls(v));
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/**
 * The CSV lines of one column-major block (`columns[c][r]`), byte for byte what `csvLine` gives row by
 * row. Sorted exports repeat a value down a column (finding id, table, file, note), so each column
 * remembers its last value and reuses the formatted field.
 */
export function csvBlock(columns: readonly (readonly CsvValue[])[], rowCount: number): string {
  const nc = columns.length;
  const lastRaw: CsvValue[] = new Array<CsvValue>(nc).fill(undefined);
  const lastField: (string | null)[] = new Array<string | null>(nc).fill(null);
  let out = '';
  for (let r = 0; r < rowCount; r++) {
    let line = '';
    for (let c = 0; c < nc; c++) {
      const v = columns[c]![r];
      let f: string;
      if (lastField[c] !== null && v === lastRaw[c]) f = lastField[c]!;
      else {
        f = csvField(v);
        lastRaw[c] = v;
        lastField[c] = f;
      }
      line = c === 0 ? f : `${line},${f}`;
    }
    out += `${line}\r\n`;
  }
  return out;
}

/** Text gathered up to this size is written in one call. */
const FLUSH_BYTES = 4 * 1024 * 1024;

/**
 * Writes a CSV file in large blocks and hashes exactly the bytes written, so the bag manifest needs not
 * read the file back. `close` resolves with the SHA-256 and size once the file is flushed and closed.
 */
export class CsvFile {
  private pending = '';
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private readonly handle: Promise<FileHandle>;

  constructor(readonly path: string, header: readonly string[]) {
    this.handle = open(path, 'w');
    // Seen by close() if nothing is written; a failure to open surfaces on the first flush.
    this.handle.catch(() => undefined);
    this.pending = csvLine(header);
  }

  /** Adds a column-major block of rows (see `csvBlock`). */
  async writeBlock(columns: readonly (readonly CsvValue[])[], rowCount: number): Promise<void> {
    this.pending += csvBlock(columns, rowCount);
    if (this.pending.length >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.pending) return;
    const buf = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.hash.update(buf);
    this.bytes += buf.length;
    const fh = await this.handle;
    for (let at = 0; at < buf.length; ) at += (await fh.write(buf, at, buf.length - at)).bytesWritten;
  }

  async close(): Promise<{ sha256: string; bytes: number }> {
    const fh = await this.handle;
    try {
      await this.flush();
    } finally {
      await fh.close();
    }
    return { sha256: this.hash.digest('hex'), bytes: this.bytes };
  }
}

/** Writes a CSV file from column-major chunks; the SHA-256 and size of the bytes written, and the rows. */
export async function writeCsvFile(path: string, header: readonly string[], chunks: AsyncGenerator<ColumnChunk>): Promise<{ sha256: string; bytes: number; rows: number }> {
  const csv = new CsvFile(path, header);
  let rows = 0;
  try {
    for await (const c of chunks) {
      await csv.writeBlock(c.columns, c.rowCount);
      rows += c.rowCount;
    }
  } catch (e) {
    await csv.close().catch(() => undefined);
    throw e;
  }
  return { ...(await csv.close()), rows };
}
