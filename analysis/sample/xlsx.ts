// The subscriptions export as an XLSX workbook, written with ExcelJS (plain values only) and made byte-for-byte
// reproducible: the workbook dates are fixed and the zip entries' timestamps are rewritten to one fixed time.
import ExcelJS from 'exceljs';
import { writeFile } from 'node:fs/promises';

export type Cell = string | number | null;

/** DOS date/time of 1 January 2026 00:00 (zip timestamps carry no time zone). */
const DOS_TIME = 0;
const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1;

/** Rewrites the modification time of every entry (local headers and central directory) of a zip buffer. */
export function fixZipTimestamps(buf: Buffer): Buffer {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('xlsx: no zip end-of-central-directory record; the workbook writer produced an unexpected file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let k = 0; k < count; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`xlsx: bad central directory entry at byte ${p}`);
    buf.writeUInt16LE(DOS_TIME, p + 12);
    buf.writeUInt16LE(DOS_DATE, p + 14);
    const local = buf.readUInt32LE(p + 42);
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`xlsx: bad local header at byte ${local}`);
    buf.writeUInt16LE(DOS_TIME, local + 10);
    buf.writeUInt16LE(DOS_DATE, local + 12);
    p += 46 + buf.readUInt16LE(p + 28) + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return buf;
}

export async function writeSheetXlsx(path: string, sheet: string, header: string[], rows: Cell[][], fixedDate: Date): Promise<void> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Autodesk Account';
  wb.lastModifiedBy = 'Autodesk Account';
  wb.created = fixedDate;
  wb.modified = fixedDate;
  const ws = wb.addWorksheet(sheet);
  ws.addRow(header);
  for (const r of rows) ws.addRow(r);
  const data = await wb.xlsx.writeBuffer();
  await writeFile(path, fixZipTimestamps(Buffer.from(data as ArrayBuffer)));
}
