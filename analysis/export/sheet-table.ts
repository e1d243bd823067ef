// Streams one table (header row + data rows) into a worksheet of ExcelJS's streaming writer: rows are
// committed as they are written, so memory stays bounded however long the register is.
import type ExcelJS from 'exceljs';
import { columnLetter, displayWidth, inputFill, numFmtOf, putCell, styleHeaderRow, type CellInput, type CellKind, type Formats } from './sheet-style';

export interface TableColumn<T> {
  header: string;
  kind: CellKind;
  value: (row: T) => CellInput;
  /** Width limits in characters; long free text wraps at `max`. */
  min?: number;
  max?: number;
  /** Short categorical values (Yes/No, decision) read best centred. */
  center?: boolean;
  /**
   * A live formula for the cell on sheet row `row` of `item` (built from column letters and row numbers only,
   * never from client text), or null for a plain value; `value` is its cached result, which a spreadsheet shows
   * before recalculating.
   */
  formula?: (row: number, item: T) => string | null;
  /** A working column formulas read, kept out of sight (and out of print). */
  hidden?: boolean;
  /** A column finance fills in or changes (a target, a price, a decision): yellow, as the Assumptions inputs. */
  input?: boolean;
}

const NUMERIC: ReadonlySet<CellKind> = new Set(['money', 'money0', 'int', 'num', 'pct', 'rate', 'ratio']);

function alignmentOf<T>(c: TableColumn<T>, index: number): Partial<ExcelJS.Alignment> | undefined {
  if (c.center || c.kind === 'date' || c.kind === 'datetime') return { horizontal: 'center' };
  if (NUMERIC.has(c.kind)) return undefined;
  // A little air between a right-aligned number and the text after it.
  return index > 0 ? { horizontal: 'left', indent: 1 } : undefined;
}

const WIDTH_SAMPLE_ROWS = 2000;

export function columnWidths<T>(columns: readonly TableColumn<T>[], sample: readonly T[]): number[] {
  return columns.map((c) => {
    let w = c.header.length + 2;
    for (let i = 0; i < sample.length && i < WIDTH_SAMPLE_ROWS; i++) w = Math.max(w, displayWidth(c.kind, c.value(sample[i]!)) + 2);
    return Math.min(Math.max(w, c.min ?? 8), c.max ?? 60);
  });
}

/**
 * Writes a header-first table into an empty worksheet: widths from the header and the first page,
 * bold filled header, frozen by the sheet's view, autofilter over the header. Returns the data row count.
 */
export async function writeTable<T>(ws: ExcelJS.Worksheet, columns: readonly TableColumn<T>[], source: AsyncIterable<T[]> | T[][], f: Formats): Promise<number> {
  const it = (Symbol.asyncIterator in source ? (source as AsyncIterable<T[]>)[Symbol.asyncIterator]() : toAsync(source as T[][])) as AsyncIterator<T[]>;
  const first = await it.next();
  const firstPage = first.done ? [] : first.value;
  const widths = columnWidths(columns, firstPage);
  ws.columns = widths.map((w, i) => ({ width: w, hidden: columns[i]!.hidden === true }));
  const header = ws.addRow(columns.map((c) => c.header));
  styleHeaderRow(header, columns.length);
  columns.forEach((c, i) => {
    const a = alignmentOf(c, i);
    header.getCell(i + 1).alignment = { vertical: 'middle', horizontal: NUMERIC.has(c.kind) ? 'right' : (a?.horizontal ?? 'left'), indent: a?.indent };
  });
  header.commit();
  const aligns = columns.map((c, i) => alignmentOf(c, i));
  ws.autoFilter = `A1:${columnLetter(columns.length)}1`;
  let n = 0;
  const writePage = (page: T[]) => {
    for (const r of page) {
      const row = ws.addRow([]);
      columns.forEach((c, i) => {
        const cell = row.getCell(i + 1);
        putCell(cell, c.kind, c.value(r), f);
        // An empty number cell keeps its column's format, for a value finance enters there later.
        if (cell.value === null && NUMERIC.has(c.kind)) cell.numFmt = numFmtOf(c.kind, f) ?? 'General';
        // The header is row 1, so this data row is row n + 2.
        const formula = c.formula?.(n + 2, r) ?? null;
        if (formula !== null) {
          // The cached result is the value as written (text, date or number); a formula's text is no Text cell.
          const cached = cell.value;
          // A blank cached number stays blank (a formula that answers "" until an input is filled in).
          const blank = cached === null || cached === undefined;
          cell.value = { formula, result: NUMERIC.has(c.kind) ? (blank ? '' : Number(cached)) : cached instanceof Date || typeof cached === 'string' ? cached : '' };
          if (c.kind === 'text') cell.numFmt = 'General';
          // A date the formula finds later (a due date entered on another sheet) shows as a date, not a serial.
          else if (c.kind === 'date' || c.kind === 'datetime') cell.numFmt = numFmtOf(c.kind, f)!;
        }
        const a = aligns[i];
        if (a) cell.alignment = a;
        if (c.input) cell.fill = inputFill;
      });
      row.commit();
      n++;
    }
  };
  writePage(firstPage);
  for (let next = await it.next(); !next.done; next = await it.next()) writePage(next.value);
  return n;
}

async function* toAsync<T>(pages: T[][]): AsyncGenerator<T[]> {
  for (const p of pages) yield p;
}
