// CSV for the evidence pack (RFC 4180, UTF-8, CRLF). Text that a spreadsheet would run as a formula
// (starting with = + - @, tab or CR) is prefixed with an apostrophe, the usual CSV-injection guard;
// numbers are written in full precision, never rounded.
import { createWriteStream, type WriteStream } from 'node:fs';
import { neutraliseFormula } from '../findings-csv';

export type CsvValue = string | number | boolean | null | undefined;

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = neutraliseFormula(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Streams rows to a CSV file; resolves once the file is flushed and closed. */
export class CsvFile {
  private readonly out: WriteStream;
  constructor(readonly path: string, header: readonly string[]) {
    this.out = createWriteStream(path, { encoding: 'utf8' });
    this.out.write(csvLine(header));
  }
  async write(values: readonly CsvValue[]): Promise<void> {
    if (!this.out.write(csvLine(values))) await new Promise<void>((r) => this.out.once('drain', () => r()));
  }
  close(): Promise<void> {
    return new Promise((resolveClose, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolveClose());
    });
  }
}
