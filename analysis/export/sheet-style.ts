// Cell styles and typed cell writers for the workbook. Every value from client data goes through
// `putCell` as a plain value of its declared kind: text stays a string cell, never a formula.
import type ExcelJS from 'exceljs';

/** `ratio`: a multiple such as a trend, written ×1.01 as the app and the report write it. */
export type CellKind = 'text' | 'money' | 'money0' | 'int' | 'num' | 'date' | 'datetime' | 'pct' | 'rate' | 'ratio';
export type CellInput = string | number | boolean | null | undefined;

const NAVY = 'FF1F3864';
const BAND = 'FFE8EEF7';
const INPUT_FILL = 'FFFFF2CC';

export const headerFont: Partial<ExcelJS.Font> = { bold: true, color: { argb: 'FFFFFFFF' }, name: 'Calibri', size: 11 };
export const headerFill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: NAVY } };
export const sectionFill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: BAND } };
export const inputFill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: INPUT_FILL } };
export const thinBottom: Partial<ExcelJS.Borders> = { bottom: { style: 'thin', color: { argb: 'FF9FB1CF' } } };
export const thinTop: Partial<ExcelJS.Borders> = { top: { style: 'thin', color: { argb: 'FF1F3864' } } };

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', AUD: 'A$', CAD: 'C$', CHF: 'CHF ', NZD: 'NZ$', SEK: 'kr ', INR: '₹' };

/** The symbol money is shown with ("$", "€", or the code and a space). */
export function currencySymbol(currency: string): string {
  return SYMBOLS[currency] ?? `${currency} `;
}

/** Number formats for one currency (a 3-letter code, validated by the settings schema). */
export function moneyFormats(currency: string): { money: string; money0: string } {
  const sym = currencySymbol(currency);
  const q = `"${sym.replace(/"/g, '')}"`;
  return {
    money: `${q}#,##0.00;[Red]-${q}#,##0.00`,
    money0: `${q}#,##0;[Red]-${q}#,##0`,
  };
}

export interface Formats {
  money: string;
  money0: string;
}

const NUM_FMT: Record<Exclude<CellKind, 'money' | 'money0' | 'text'>, string> = {
  int: '#,##0',
  num: '#,##0.##',
  date: 'yyyy-mm-dd',
  datetime: 'yyyy-mm-dd hh:mm',
  pct: '0%',
  rate: '0.000',
  ratio: '"×"0.00',
};

export function numFmtOf(kind: CellKind, f: Formats): string | undefined {
  if (kind === 'text') return undefined;
  if (kind === 'money') return f.money;
  if (kind === 'money0') return f.money0;
  return NUM_FMT[kind];
}

/** YYYY-MM-DD (optionally with a time) as a UTC Date, which ExcelJS stores as that calendar day. */
export function isoToDate(s: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(s);
  if (!m) return null;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)));
}

/** Most characters an Excel cell holds: a longer text makes Excel call the file damaged and cut it itself. */
export const EXCEL_CELL_CHARS = 32_767;
/** Client text cut to what a cell holds, marked where it was cut. */
export const cellText = (t: string): string => (t.length > EXCEL_CELL_CHARS ? `${t.slice(0, EXCEL_CELL_CHARS - 1)}…` : t);

/** Writes one value as its kind. Text is always a string cell (the formula-injection guard), never longer than a cell holds. */
export function putCell(cell: ExcelJS.Cell, kind: CellKind, v: CellInput, f: Formats): void {
  if (v === null || v === undefined || v === '') {
    cell.value = null;
    return;
  }
  if (kind === 'text') {
    cell.value = cellText(String(v));
    cell.numFmt = '@';
    return;
  }
  if (kind === 'date' || kind === 'datetime') {
    const d = typeof v === 'string' ? isoToDate(v) : null;
    if (d) {
      cell.value = d;
      cell.numFmt = numFmtOf(kind, f)!;
    } else {
      cell.value = cellText(String(v));
    }
    return;
  }
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) {
    cell.value = cellText(String(v));
    return;
  }
  cell.value = n;
  // A whole number in a column that may hold fractions: Excel shows "#,##0.##" as "65." (a trailing point).
  cell.numFmt = kind === 'num' && Number.isInteger(n) ? NUM_FMT.int : numFmtOf(kind, f)!;
}

export function styleHeaderRow(row: ExcelJS.Row, columns: number): void {
  row.height = 22;
  for (let c = 1; c <= columns; c++) {
    const cell = row.getCell(c);
    cell.font = headerFont;
    cell.fill = headerFill;
    cell.alignment = { vertical: 'middle', horizontal: 'left', wrapText: false };
  }
}

/** Display width of a value in characters, for column widths that fit. */
export function displayWidth(kind: CellKind, v: CellInput): number {
  if (v === null || v === undefined) return 0;
  switch (kind) {
    case 'money':
    case 'money0':
      return Math.max(10, Math.round(Math.abs(Number(v))).toLocaleString('en-US').length + (kind === 'money' ? 6 : 3));
    case 'date':
      return 11;
    case 'datetime':
      return 17;
    case 'int':
    case 'num':
      return Math.max(6, Math.round(Math.abs(Number(v))).toLocaleString('en-US').length + 3);
    case 'pct':
      return 6;
    case 'rate':
    case 'ratio':
      return 7;
    default:
      return String(v).length;
  }
}

export function columnLetter(n: number): string {
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** A sheet name quoted for use in a formula reference. */
export function sheetRef(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`;
}
