// The finance workbook (DATA-CONTRACT §3.3), written with ExcelJS's streaming writer so a register of
// 100,000 lines stays in bounded memory. Client data goes in as plain values only (text as text);
// the only formulas are ours: Settlement totals over the Gap Register and the Assumptions cells, and
// Summary figures over the other sheets, each with its cached result equal to the engine's figure.
import { makeOutputDir } from './output-dir';
import ExcelJS from 'exceljs';
import { DecisionActionSchema } from '../api/contract';
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EngagementDb } from '../db/engine';
import type { Settings } from '../settings';
import { DECISION_LABELS, GAP_TYPES, LICENCE_MODEL_LABELS, RECOMMENDATION_LABELS, SIGNAL_TYPES, renewalMeasure, type Scenarios } from '../model';
import { loadCatalogue } from '../catalogue/catalogue';
import {
  allFindings, countFindings, savingsByTypeOf, decisionRows, findingPages, pricedRenewalRows, refusedRows, rejectCount, rejectPages, resolveAsOf, sourceRows,
  type FindingRow, type RejectRow, type SourceRow, type DecisionRow, type PricedRenewal, type RefusedRow,
} from './data';
import { workbookFileName } from './file-names';
import { ASSUMPTION_NAMES, SCENARIO_KEYS, SCENARIO_LABELS, gapLineOf, scenarioTotals, typeLabel, type GapLine } from './settlement';
import {
  currencySymbol, inputFill, moneyFormats, numFmtOf, putCell, sectionFill, sheetRef, styleHeaderRow, thinBottom, thinTop,
  type CellInput, type CellKind, type Formats,
} from './sheet-style';
import { reviewWarnings } from '../review-warnings';
import { renewalBrief, tokensByProduct } from '../rules/renewal';
import { needsAttention, sourceNotes } from '../ingest/normalise';
import { writeTable, type TableColumn } from './sheet-table';

/** Rejected rows the Data Quality sheet lists (the count above them stays exact). */
const MAX_REJECTS_LISTED = 10_000;

export const SHEETS = ['Summary', 'Reclamation', 'Gap Register', 'Optimisation', 'Renewal', 'Settlement', 'Assumptions', 'Data Quality', 'Decisions'] as const;

export const RECLAMATION_TYPES = ['dormant_user', 'unused_assignment'] as const;
export const OPTIMISATION_TYPES = ['duplicate_access', 'collection_single_product', 'low_frequency_user'] as const;

export interface WorkbookOptions {
  /** Protect every sheet (read-only) — the copy that goes into the evidence pack. */
  protect?: boolean;
  /** File name inside outDir; defaults to `<client>_<as_of>_quarterly-review.xlsx`. */
  fileName?: string;
  /** Cancels between sheets: the partial file is removed and nothing carries the workbook's name. */
  signal?: AbortSignal;
}

/** What a cancelled export throws (the API answers `cancelled`); the writer has removed what it wrote. */
export class ExportCancelled extends Error {
  constructor(what: string) {
    super(`Cancelled: the ${what} was not written, and nothing of it was left in the folder.`);
  }
}

const productName = (code: string | null): string | null => (code ? (loadCatalogue().get(code)?.name ?? null) : null);
const nameWithCode = (code: string | null): string | null => {
  if (!code) return null;
  const n = productName(code);
  return n && n !== code ? `${n} (${code})` : code;
};
const plural = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
const decisionLabel = (a: string | null): string | null => (a ? (DECISION_LABELS[a] ?? a) : null);
const DECISION_ACTIONS = DecisionActionSchema.options;

/** Decisions sheet columns the registers read (DECISION_COLUMNS below). */
const DEC_COL = { id: 'A', type: 'B', action: 'F', owner: 'G', due: 'H' } as const;
/** Each finding's row on the Decisions sheet as written (the cached results of the registers' lookups). */
type DecisionRowOf = ReadonlyMap<string, number>;

/**
 * A register's Decision, Owner and Due date columns, and a last hidden column finding the finding's row on the
 * Decisions sheet by its ID (MATCH, so sorting either sheet keeps each decision with its finding): a decision
 * finance enters there shows on the register too. `idCol` is the register's Finding ID column; `lookupCol`
 * the hidden column's letter.
 */
function decisionColumns<T>(of: (r: T) => FindingRow, decRow: DecisionRowOf | null, lookupCol: string): TableColumn<T>[] {
  const dec = sheetRef('Decisions');
  // The evidence pack's locked copy changes nothing: its decisions are plain values (null decRow), read by any tool.
  const pick = (col: string) =>
    decRow === null
      ? undefined
      : (row: number) => `IF($${lookupCol}${row}=0,"",IF(INDEX(${dec}!$${col}:$${col},$${lookupCol}${row})="","",INDEX(${dec}!$${col}:$${col},$${lookupCol}${row})))`;
  return [
    { header: 'Decision', kind: 'text', center: true, value: (r) => decisionLabel(of(r).action), formula: pick(DEC_COL.action) },
    { header: 'Owner', kind: 'text', value: (r) => of(r).owner, max: 28, formula: pick(DEC_COL.owner) },
    { header: 'Due date', kind: 'date', value: (r) => of(r).due_date, formula: pick(DEC_COL.due) },
  ];
}

/** The hidden last column of a register: the finding's row on the Decisions sheet (0 when it has none). */
function decisionLookup<T>(of: (r: T) => FindingRow, decRow: DecisionRowOf | null): TableColumn<T>[] {
  if (decRow === null) return [];
  return [{
    header: 'Decisions row',
    kind: 'int',
    hidden: true,
    value: (r) => decRow.get(of(r).finding_id) ?? 0,
    formula: (row) => `IFERROR(MATCH($A${row},${sheetRef('Decisions')}!$${DEC_COL.id}:$${DEC_COL.id},0),0)`,
  }];
}

/** Columns of the Reclamation and Optimisation sheets; letters are used by Summary formulas. */
const savingsColumns = (decRow: DecisionRowOf | null): TableColumn<FindingRow>[] => [
  { header: 'Finding ID', kind: 'text', value: (r) => r.finding_id, max: 28 },
  { header: 'Type', kind: 'text', value: (r) => typeLabel(r.type) },
  { header: 'User', kind: 'text', value: (r) => r.user, max: 40 },
  { header: 'Offering', kind: 'text', value: (r) => nameWithCode(r.offering), max: 44 },
  { header: 'Product', kind: 'text', value: (r) => nameWithCode(r.product), max: 36 },
  { header: 'Seats', kind: 'num', value: (r) => r.units },
  // What one seat saves a year (a dormant seat's price; a lever's saving per seat), so the value is live: finance
  // may correct a price or the seats and the Summary's savings follow.
  { header: 'Saving a seat (a year)', kind: 'money', value: (r) => (r.units > 0 ? r.annual_value / r.units : null), min: 12 },
  { header: 'Annual value', kind: 'money', value: (r) => r.annual_value, min: 14, formula: (n, r) => (r.units > 0 ? `${SAV.units}${n}*${SAV.unit}${n}` : null) },
  { header: 'Counted in savings', kind: 'text', center: true, value: (r) => (r.counted_in_savings ? 'Yes' : 'No') },
  { header: 'First seen', kind: 'date', value: (r) => r.first_seen },
  { header: 'Last seen', kind: 'date', value: (r) => r.last_seen },
  { header: 'Evidence rows', kind: 'int', value: (r) => r.evidence_count },
  ...decisionColumns((r: FindingRow) => r, decRow, 'Q'),
  { header: 'Detail', kind: 'text', value: (r) => r.detail, max: 70 },
  ...decisionLookup((r: FindingRow) => r, decRow),
];
const SAV = { type: 'B', units: 'F', unit: 'G', value: 'H', counted: 'I', decision: 'M' } as const;

interface GapRow { f: FindingRow; line: GapLine }
const gapColumns = (decRow: DecisionRowOf | null): TableColumn<GapRow>[] => [
  { header: 'Finding ID', kind: 'text', value: (r) => r.f.finding_id, max: 28 },
  { header: 'Type', kind: 'text', value: (r) => typeLabel(r.f.type) },
  { header: 'Severity', kind: 'text', center: true, value: (r) => r.f.severity },
  { header: 'User', kind: 'text', value: (r) => r.f.user, max: 40 },
  { header: 'Product', kind: 'text', value: (r) => nameWithCode(r.f.product), max: 36 },
  { header: 'Offering', kind: 'text', value: (r) => nameWithCode(r.f.offering), max: 36 },
  { header: 'Units', kind: 'num', value: (r) => r.line.units },
  { header: 'Unit price (a year)', kind: 'money', value: (r) => r.line.price, min: 12 },
  { header: 'List price (a year)', kind: 'money', value: (r) => r.line.list_price, min: 12 },
  { header: 'Months exposed', kind: 'int', value: (r) => r.line.months },
  // Units × unit price, live: finance may correct a line's units or price and the totals follow.
  { header: 'Annual value', kind: 'money', value: (r) => r.f.annual_value, min: 14, formula: (n) => `${GAP_COL.units}${n}*${GAP_COL.price}${n}` },
  { header: 'First seen', kind: 'date', value: (r) => r.f.first_seen },
  { header: 'Last seen', kind: 'date', value: (r) => r.f.last_seen },
  { header: 'Evidence rows', kind: 'int', value: (r) => r.f.evidence_count },
  ...decisionColumns((r: GapRow) => r.f, decRow, 'S'),
  { header: 'Detail', kind: 'text', value: (r) => r.f.detail, max: 70 },
  ...decisionLookup((r: GapRow) => r.f, decRow),
];
/** Sheets that are one table under a header row: printed at a scale with the header repeated. */
const REGISTER_SHEETS: ReadonlySet<string> = new Set(['Reclamation', 'Gap Register', 'Optimisation', 'Renewal', 'Decisions']);

/** Gap Register column letters the Settlement and Summary formulas read. */
export const GAP_COL = { type: 'B', units: 'G', price: 'H', list: 'I', months: 'J', value: 'K', decision: 'O' } as const;

/** The Flex token price input on the Assumptions sheet: the row after the settlement assumptions. */
const FLEX_TOKEN_PRICE = 'Flex_token_price';
const FLEX_TOKEN_PRICE_CELL = `Assumptions!$B$${ASSUMPTION_NAMES.length + 2}`;

/** Renewal sheet column letters its cost formulas and the Summary read. */
const REN_COL = { seats: 'E', target: 'L', price: 'M', now: 'N', atTarget: 'O', change: 'P' } as const;
/** A line's annual cost at a quantity: blank when the line has no unit price. */
const costAt = (q: number | null, price: number | null) => (price === null ? null : Number(q ?? 0) * price);
/** Seats × unit price, live; blank until a line without a price has one entered. */
const costFormula = (qCol: string) => (n: number) => `IF(${REN_COL.price}${n}="","",${qCol}${n}*${REN_COL.price}${n})`;

const RENEWAL_COLUMNS: TableColumn<PricedRenewal>[] = [
  { header: 'Offering', kind: 'text', value: ({ r }) => r.offering },
  { header: 'Name', kind: 'text', value: ({ r }) => productName(r.offering), max: 44 },
  // An offering renewed under two licence models has a row for each (renewal.ts).
  { header: 'Licence model', kind: 'text', value: ({ r }) => (r.licence_model ? (LICENCE_MODEL_LABELS[r.licence_model] ?? r.licence_model) : null) },
  // A Flex token pool is sized in tokens: its Seats and Target are tokens a year (renewal.ts).
  { header: 'Counted in', kind: 'text', value: ({ r }) => (renewalMeasure(r.licence_model) === 'tokens' ? 'tokens a year' : 'seats') },
  { header: 'Seats', kind: 'num', value: ({ r }) => r.seats },
  // Only Named User seats are assigned, and only network seats are denied: elsewhere a 0 would read as a finding.
  { header: 'Active assignments', kind: 'int', value: ({ r }) => (renewalMeasure(r.licence_model) === 'users' ? r.active_assignments : null) },
  // A token pool's users are known only from user-level token rows: none loaded is no figure, not 0 users.
  { header: 'Active users', kind: 'int', value: ({ r }) => (renewalMeasure(r.licence_model) === 'tokens' && !r.active_users ? null : r.active_users) },
  // A network line is sized by sessions at once (renewal.ts), a Named User line by monthly active users.
  // A Flex pool's peak is its busiest month's tokens, beside Seats in tokens a year.
  { header: 'Peak monthly (users; network: at once; Flex: tokens in its busiest month)', kind: 'int', value: ({ r }) => r.peak_monthly_active },
  { header: 'Trend', kind: 'ratio', value: ({ r }) => r.trend },
  { header: 'True denials', kind: 'int', value: ({ r }) => (renewalMeasure(r.licence_model) === 'concurrent' ? r.true_denials : null) },
  { header: 'Recommendation', kind: 'text', center: true, value: ({ r }) => RECOMMENDATION_LABELS[r.recommendation] ?? r.recommendation },
  // Inputs: finance changes a target, or enters a price for a line the review had none for.
  { header: 'Target quantity', kind: 'num', value: ({ r }) => r.target_quantity, input: true },
  // A Flex pool's tokens at the Assumptions sheet's Flex token price, live (at the pool's own price when its line has one).
  { header: 'Unit price (a seat a year; Flex: a token)', kind: 'money', value: ({ price }) => price, min: 14, formula: (_n, x) => (x.tokenSetting ? FLEX_TOKEN_PRICE : null), input: true },
  // Live: finance edits a target or a price and the line's cost and the Summary's renewal totals follow.
  { header: 'Annual cost now', kind: 'money0', value: ({ r, price }) => costAt(r.seats, price), min: 14, formula: costFormula(REN_COL.seats) },
  { header: 'Annual cost at target', kind: 'money0', value: ({ r, price }) => costAt(r.target_quantity, price), min: 14, formula: costFormula(REN_COL.target) },
  {
    header: 'Change', kind: 'money0', min: 12,
    value: ({ r, price }) => (price === null ? null : (costAt(r.target_quantity, price) ?? 0) - (costAt(r.seats, price) ?? 0)),
    formula: (n) => `IF(${REN_COL.price}${n}="","",${REN_COL.atTarget}${n}-${REN_COL.now}${n})`,
  },
  { header: 'Reason', kind: 'text', value: ({ r }) => r.reason, max: 80 },
];

const DECISION_COLUMNS: TableColumn<DecisionRow>[] = [
  { header: 'Finding ID', kind: 'text', value: (r) => r.finding_id, max: 28 },
  { header: 'Type', kind: 'text', value: (r) => (r.type ? typeLabel(r.type) : null) },
  { header: 'User', kind: 'text', value: (r) => r.user, max: 40 },
  { header: 'Product', kind: 'text', value: (r) => nameWithCode(r.product), max: 36 },
  { header: 'Offering', kind: 'text', value: (r) => nameWithCode(r.offering), max: 36 },
  // Wide enough for the longest action ("Investigate") and a name, when finance fills them in.
  { header: 'Action', kind: 'text', center: true, value: (r) => decisionLabel(r.action), min: 13, input: true },
  { header: 'Owner', kind: 'text', value: (r) => r.owner, min: 16, max: 30, input: true },
  { header: 'Due date', kind: 'date', value: (r) => r.due_date, input: true },
  { header: 'Justification', kind: 'text', value: (r) => r.justification, max: 80, input: true },
  { header: 'Updated', kind: 'datetime', value: (r) => r.updated_at },
  { header: 'Carried from', kind: 'text', value: (r) => r.carried_from },
];

/** Ranges `'Sheet'!$X$2:$X$n` over a register's data rows (one empty row when the register is empty). */
function colRange(sheet: string, col: string, rows: number): string {
  return `${sheetRef(sheet)}!$${col}$2:$${col}$${Math.max(rows, 1) + 1}`;
}

interface Ctx {
  f: Formats;
  /** The read-only copy: even the assumption cells stay locked. */
  protect: boolean;
  settings: Settings;
  asOf: string | null;
}

/** A small helper for the hand-laid-out sheets (Summary, Settlement, Assumptions, Data Quality). */
class Layout {
  rowNo = 0;
  constructor(readonly ws: ExcelJS.Worksheet, readonly f: Formats) {}
  row(cells: { kind?: CellKind; v?: CellInput; formula?: string; result?: number | string; indent?: boolean }[], style?: (r: ExcelJS.Row) => void): number {
    const r = this.ws.addRow([]);
    cells.forEach((c, i) => {
      const cell = r.getCell(i + 1);
      if (c.formula !== undefined) {
        // Our own formula text only; never built from client strings.
        cell.value = { formula: c.formula, result: c.result ?? 0 } as ExcelJS.CellFormulaValue;
        if (c.kind && c.kind !== 'text') putFormat(cell, c.kind, this.f);
      } else {
        putCell(cell, c.kind ?? 'text', c.v, this.f);
      }
      if (c.indent) cell.alignment = { horizontal: 'left', indent: 1 };
    });
    style?.(r);
    r.commit();
    return ++this.rowNo;
  }
  blank(): number {
    return this.row([]);
  }
  title(text: string, sub?: string): void {
    this.row([{ v: text }], (r) => {
      r.height = 26;
      r.getCell(1).font = { name: 'Calibri', bold: true, size: 16, color: { argb: 'FF1F3864' } };
    });
    if (sub) this.row([{ v: sub }], (r) => (r.getCell(1).font = { name: 'Calibri', italic: true, color: { argb: 'FF595959' } }));
  }
  section(text: string, headers: string[] = [], span = 1): void {
    this.row([{ v: text }, ...headers.map((h) => ({ v: h }))], (r) => {
      r.height = 20;
      for (let c = 1; c <= Math.max(span, headers.length + 1); c++) {
        const cell = r.getCell(c);
        cell.font = { name: 'Calibri', bold: true, color: { argb: 'FF1F3864' } };
        cell.fill = sectionFill;
        cell.border = thinBottom;
        if (c > 1) cell.alignment = { horizontal: 'right' };
      }
    });
  }
}

function putFormat(cell: ExcelJS.Cell, kind: CellKind, f: Formats): void {
  const fmt = numFmtOf(kind, f);
  if (fmt) cell.numFmt = fmt;
}

const boldTotal = (cols: number) => (r: ExcelJS.Row) => {
  for (let c = 1; c <= cols; c++) {
    r.getCell(c).font = { name: 'Calibri', bold: true };
    r.getCell(c).border = thinTop;
  }
};

async function protectIfAsked(ws: ExcelJS.Worksheet, password: string | null): Promise<void> {
  if (!password) return;
  // A random password nobody keeps: the pack copy is read-only; the analyst edits the unprotected original.
  await ws.protect(password, { selectLockedCells: true, selectUnlockedCells: true, autoFilter: true, sort: true, formatColumns: true, spinCount: 1000 });
}

export async function writeWorkbook(db: EngagementDb, settings: Settings, outDir: string, opts: WorkbookOptions = {}): Promise<string> {
  const asOf = await resolveAsOf(db, settings);
  const dir = makeOutputDir(outDir);
  const path = join(dir, opts.fileName ?? workbookFileName(settings.client, asOf));
  const partial = `${path}.partial`;
  const f = moneyFormats(settings.currency);
  const ctx: Ctx = { f, settings, asOf, protect: opts.protect === true };
  const password = opts.protect ? randomBytes(18).toString('base64') : null;
  const cancelled = () => {
    if (opts.signal?.aborted) throw new ExportCancelled('workbook');
  };

  // Counts first: Summary is written first and its formulas address the other sheets' ranges.
  const nRecl = await countFindings(db, RECLAMATION_TYPES);
  const nOpt = await countFindings(db, OPTIMISATION_TYPES);
  const nGap = await countFindings(db, GAP_TYPES);
  const gapLines: GapLine[] = [];
  const keyed: { finding_id: string; line: GapLine }[] = [];
  const gapByType = new Map<string, { n: number; units: number; value: number }>();
  for await (const page of findingPages(db, GAP_TYPES)) {
    for (const g of page) {
      const line = gapLineOf(g);
      gapLines.push(line);
      keyed.push({ finding_id: g.finding_id, line });
      const t = gapByType.get(g.type) ?? { n: 0, units: 0, value: 0 };
      t.n++; t.units += g.units; t.value += g.annual_value;
      gapByType.set(g.type, t);
    }
  }
  const scenarios = scenarioTotals(keyed, settings.scenario);
  const savingsByType = await savingsByTypeOf(db);
  const renewal = await pricedRenewalRows(db, settings.flex_token_price);

  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: partial, useStyles: true, useSharedStrings: false });
  wb.creator = 'LRT Workbench';
  wb.created = asOf ? new Date(`${asOf}T00:00:00Z`) : new Date(0);
  wb.modified = wb.created;
  // A sheet with nothing to freeze (Summary) gets a plain view: a frozen pane without a split is malformed.
  const frozen = (ySplit: number): Partial<ExcelJS.AddWorksheetOptions> => ({
    views: [ySplit > 0 ? { state: 'frozen', xSplit: 0, ySplit, showGridLines: true } : { state: 'normal', showGridLines: true }],
  });
  const margins = { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 };
  const sheet = async (name: (typeof SHEETS)[number], ySplit: number, tab: string) => {
    // Printed or saved as PDF, landscape: a narrow sheet one page wide; a register (a header row over many wide
    // columns) at a readable scale, its header row and ID column repeated on every page (fitted to one page wide
    // it was 4 pt; without the ID, a page of decisions could not be told whose).
    const register = REGISTER_SHEETS.has(name);
    const ws = wb.addWorksheet(name, {
      ...frozen(ySplit),
      properties: { tabColor: { argb: tab } },
      pageSetup: register
        ? { paperSize: 9, orientation: 'landscape', fitToPage: false, scale: 65, printTitlesRow: '1:1', printTitlesColumn: 'A:A', margins }
        : { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, margins },
    });
    await protectIfAsked(ws, password);
    return ws;
  };
  for (const a of ASSUMPTION_NAMES) wb.definedNames.add(`Assumptions!$B$${ASSUMPTION_NAMES.indexOf(a) + 2}`, a.name);
  wb.definedNames.add(FLEX_TOKEN_PRICE_CELL, FLEX_TOKEN_PRICE);

  try {
    // ---------- Summary ----------
    const sum = await sheet('Summary', 0, 'FF1F3864');
    await writeSummary(db, sum, ctx, { nRecl, nOpt, nGap, savingsByType, gapByType, scenarios, gapUnits: gapLines.reduce((a, l) => a + l.units, 0), renewal });
    sum.commit();
    cancelled();

    // The Decisions sheet's rows are known first: the registers' decision columns refer to them.
    const decisions = await decisionRows(db);
    const decRow: DecisionRowOf | null = ctx.protect ? null : new Map(decisions.map((d, i) => [d.finding_id, i + 2]));

    // ---------- Reclamation ----------
    const recl = await sheet('Reclamation', 1, 'FF548235');
    await writeTable(recl, savingsColumns(decRow), findingPages(db, RECLAMATION_TYPES), f);
    recl.commit();
    cancelled();

    // ---------- Gap Register ----------
    const gap = await sheet('Gap Register', 1, 'FFC00000');
    const gapPages = async function* () {
      for await (const page of findingPages(db, GAP_TYPES)) yield page.map((g) => ({ f: g, line: gapLineOf(g) }));
    };
    await writeTable(gap, gapColumns(decRow), gapPages(), f);
    gap.commit();
    cancelled();

    // ---------- Optimisation ----------
    const opt = await sheet('Optimisation', 1, 'FF2E75B6');
    await writeTable(opt, savingsColumns(decRow), findingPages(db, OPTIMISATION_TYPES), f);
    opt.commit();
    cancelled();

    // ---------- Renewal ----------
    const ren = await sheet('Renewal', 1, 'FF7030A0');
    await writeTable(ren, RENEWAL_COLUMNS, [renewal], f);
    ren.commit();
    cancelled();

    // ---------- Settlement ----------
    const set = await sheet('Settlement', 1, 'FFBF8F00');
    writeSettlement(set, ctx, nGap, scenarios, gapLines);
    set.commit();
    cancelled();

    // ---------- Assumptions ----------
    const asm = await sheet('Assumptions', 1, 'FFBF8F00');
    writeAssumptions(asm, ctx);
    asm.commit();
    cancelled();

    // ---------- Data Quality ----------
    const dq = await sheet('Data Quality', 1, 'FF7F7F7F');
    await writeDataQuality(db, dq, ctx);
    dq.commit();
    cancelled();

    // ---------- Decisions ----------
    const dec = await sheet('Decisions', 1, 'FF7F7F7F');
    const nDec = await writeTable(dec, DECISION_COLUMNS, [decisions], f);
    // Finance fills in the open findings: the Action column offers the actions the app knows.
    if (nDec > 0) {
      // The streaming writer keeps a sheet's validations (its typings do not declare them).
      (dec as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }).dataValidations.add(`F2:F${nDec + 1}`, {
        type: 'list', allowBlank: true, showErrorMessage: true, errorTitle: 'Action',
        error: 'Choose one of the listed actions.', formulae: [`"${DECISION_ACTIONS.map(decisionLabel).join(',')}"`],
      });
    }
    dec.commit();
    cancelled();

    await wb.commit();
    renameSync(partial, path);
  } catch (e) {
    rmSync(partial, { force: true });
    if (e instanceof ExportCancelled) throw e;
    throw new Error(`Could not write the workbook ${path}: ${(e as Error).message}. Check the folder is writable and the file is not open in Excel.`);
  }
  return path;
}

interface SummaryFacts {
  nRecl: number;
  nOpt: number;
  nGap: number;
  savingsByType: Map<string, { n: number; units: number; value: number }>;
  gapByType: Map<string, { n: number; units: number; value: number }>;
  scenarios: Scenarios;
  gapUnits: number;
  /** The renewal lines with their unit prices, as the Renewal sheet lists them. */
  renewal: PricedRenewal[];
}

/** What the evidence pack's locked copy says of its inputs (the analyst's own workbook lets finance change them). */
const READ_ONLY_INPUTS = "The yellow cells hold the settlement assumptions this review used. This copy, in the evidence pack, is read-only: the analyst's workbook lets them be changed, and the figures recalculate there.";

async function writeSummary(db: EngagementDb, ws: ExcelJS.Worksheet, ctx: Ctx, x: SummaryFacts): Promise<void> {
  const { f, settings } = ctx;
  // Column A holds the longest labels beside a value in B ("Signals (telemetry gaps, spikes, new domains, denials)").
  ws.columns = [{ width: 62 }, { width: 14 }, { width: 14 }, { width: 20 }, { width: 64 }];
  const L = new Layout(ws, f);
  L.title('Quarterly licence review', 'Autodesk licences (Named User, network and Flex): what to reclaim, what to buy, what an audit would cost.');
  const fact = (r: ExcelJS.Row) => {
    r.getCell(1).font = { name: 'Calibri', bold: true };
    r.getCell(2).alignment = { horizontal: 'left' };
  };
  L.row([{ v: 'Client' }, { v: settings.client }], fact);
  L.row([{ v: 'As of' }, { kind: 'date', v: ctx.asOf }], fact);
  L.row([{ v: 'Currency' }, { v: settings.currency }], fact);
  // What to check before trusting the figures, above them (review-warnings.ts).
  for (const w of ctx.asOf ? await reviewWarnings(db, settings, ctx.asOf) : []) {
    const text = `Check first: ${w.message}`;
    L.row([{ v: text }], (r) => {
      // Wrapped across the sheet's width (a long note left to overflow made the printed page a third as wide).
      ws.mergeCells(r.number, 1, r.number, 5);
      r.getCell(1).font = { name: 'Calibri', bold: true, color: { argb: 'FF9C5700' } };
      r.getCell(1).alignment = { wrapText: true, vertical: 'top' };
      r.height = 15 * Math.ceil(text.length / 140);
    });
  }
  L.blank();

  // At a glance: four figures, linked to the totals further down (row numbers fixed by the layout below).
  const glance = L.rowNo + 1;
  const savingsTotalRow = glance + 6 + 1 + 5 + 1;
  const seatsTotalRow = savingsTotalRow + 2 + GAP_TYPES.length + 1;
  const savingsTotalValue = [...x.savingsByType.values()].reduce((a, s) => a + s.value, 0);
  const big = (color: string) => (r: ExcelJS.Row) => {
    r.height = 20;
    r.getCell(1).font = { name: 'Calibri', bold: true, size: 12 };
    r.getCell(4).font = { name: 'Calibri', bold: true, size: 14, color: { argb: color } };
    r.getCell(5).font = { name: 'Calibri', size: 9, color: { argb: 'FF595959' } };
  };
  L.section('At a glance', ['', '', '']);
  L.row([{ v: 'Savings to reclaim (annual)' }, {}, {}, { kind: 'money0', formula: `D${savingsTotalRow}`, result: savingsTotalValue }, { v: 'dormant users, unused assignments and optimisation levers', indent: true }], big('FF375623'));
  L.row([{ v: 'Seats to buy (compliance gaps)' }, {}, {}, { kind: 'int', formula: `C${seatsTotalRow}`, result: x.gapUnits }, { v: 'units across every gap line in the Gap Register', indent: true }], big('FF1F3864'));
  L.row([{ v: 'Cost to close the gaps now' }, {}, {}, { kind: 'money0', formula: 'Settlement!$C$2', result: x.scenarios.self_review_best }, { v: 'self-review, best case', indent: true }], big('FF1F3864'));
  L.row([{ v: 'If an audit finds them (negotiated, low)' }, {}, {}, { kind: 'money0', formula: 'Settlement!$C$4', result: x.scenarios.audit_negotiated_low }, { v: 'audit settled by negotiation', indent: true }], big('FFC00000'));
  L.row([{ v: 'If an audit finds them (no cooperation, high)' }, {}, {}, { kind: 'money0', formula: 'Settlement!$C$7', result: x.scenarios.audit_no_cooperation_high }, { v: 'audit without cooperation, high end', indent: true }], big('FFC00000'));
  L.blank();

  // Savings by lever: COUNTIFS/SUMIFS over the Reclamation and Optimisation sheets. Findings counts every
  // line of the type (as summary.json and findings.csv do); seats and value only the lines counted in savings,
  // so a (user, offering) an earlier lever already reclaimed is not added twice.
  L.section('Savings to reclaim this quarter (annual)', ['Findings', 'Seats', 'Annual value']);
  const lever = (t: string, sheet: 'Reclamation' | 'Optimisation', n: number) => {
    const ofType = `${colRange(sheet, SAV.type, n)},"${typeLabel(t)}"`;
    const crit = `${ofType},${colRange(sheet, SAV.counted, n)},"Yes"`;
    const a = x.savingsByType.get(t) ?? { n: 0, units: 0, value: 0 };
    return L.row([
      { v: typeLabel(t), indent: true },
      { kind: 'int', formula: `COUNTIFS(${ofType})`, result: a.n },
      { kind: 'num', formula: `SUMIFS(${colRange(sheet, SAV.units, n)},${crit})`, result: a.units },
      { kind: 'money0', formula: `SUMIFS(${colRange(sheet, SAV.value, n)},${crit})`, result: a.value },
    ]);
  };
  const first = lever('dormant_user', 'Reclamation', x.nRecl);
  const unusedRow = lever('unused_assignment', 'Reclamation', x.nRecl);
  const optFirst = lever('duplicate_access', 'Optimisation', x.nOpt);
  lever('collection_single_product', 'Optimisation', x.nOpt);
  const last = lever('low_frequency_user', 'Optimisation', x.nOpt);
  const tot = [...x.savingsByType.values()].reduce((a, s) => ({ n: a.n + s.n, units: a.units + s.units, value: a.value + s.value }), { n: 0, units: 0, value: 0 });
  const totalRow = L.row([
    { v: 'Total savings' },
    { kind: 'int', formula: `SUM(B${first}:B${last})`, result: tot.n },
    { kind: 'num', formula: `SUM(C${first}:C${last})`, result: tot.units },
    { kind: 'money0', formula: `SUM(D${first}:D${last})`, result: tot.value },
  ], boldTotal(4));
  if (totalRow !== savingsTotalRow) throw new Error(`Summary layout: total savings on row ${totalRow}, expected ${savingsTotalRow}`);
  L.blank();

  L.section('Compliance gaps: seats to buy', ['Lines', 'Units', 'Annual cost']);
  const G = 'Gap Register';
  let gFirst = 0, gLast = 0;
  for (const t of GAP_TYPES) {
    const a = x.gapByType.get(t) ?? { n: 0, units: 0, value: 0 };
    const crit = `${colRange(G, GAP_COL.type, x.nGap)},"${typeLabel(t)}"`;
    const r = L.row([
      { v: typeLabel(t), indent: true },
      { kind: 'int', formula: `COUNTIFS(${crit})`, result: a.n },
      { kind: 'num', formula: `SUMIFS(${colRange(G, GAP_COL.units, x.nGap)},${crit})`, result: a.units },
      { kind: 'money0', formula: `SUMIFS(${colRange(G, GAP_COL.value, x.nGap)},${crit})`, result: a.value },
    ]);
    if (!gFirst) gFirst = r;
    gLast = r;
  }
  const gapValue = [...x.gapByType.values()].reduce((a, s) => a + s.value, 0);
  const seatsRow = L.row([
    { v: 'Seats to buy (gap units)' },
    { kind: 'int', formula: `SUM(B${gFirst}:B${gLast})`, result: x.nGap },
    { kind: 'num', formula: `SUM(C${gFirst}:C${gLast})`, result: x.gapUnits },
    { kind: 'money0', formula: `SUM(D${gFirst}:D${gLast})`, result: gapValue },
  ], boldTotal(4));
  if (seatsRow !== seatsTotalRow) throw new Error(`Summary layout: seats to buy on row ${seatsRow}, expected ${seatsTotalRow}`);
  L.blank();

  L.section('Closing the gaps now vs. an audit', ['', '', 'Cost']);
  SCENARIO_KEYS.forEach((k, i) => {
    L.row([{ v: SCENARIO_LABELS[k].label, indent: true }, {}, {}, { kind: 'money0', formula: `Settlement!$C$${i + 2}`, result: x.scenarios[k] }, { v: SCENARIO_LABELS[k].means, indent: true }], (r) => {
      r.getCell(5).font = { name: 'Calibri', color: { argb: 'FF595959' }, size: 9 };
      if (i === 0) r.getCell(4).font = { name: 'Calibri', bold: true, color: { argb: 'FF375623' } };
      if (i === 5) r.getCell(4).font = { name: 'Calibri', bold: true, color: { argb: 'FFC00000' } };
    });
  });
  L.row([{ v: ctx.protect ? READ_ONLY_INPUTS : 'Change the yellow cells on the Assumptions sheet to test other settlement terms; these figures recalculate.' }], (r) => (r.getCell(1).font = { name: 'Calibri', italic: true, size: 9, color: { argb: 'FF595959' } }));
  L.blank();
  if (x.renewal.length) writeRenewalCost(L, x.renewal);
  // Where a Flex pool's tokens went (the Renewal step's card and the report's table): what finance asks of its cost.
  if (x.renewal.some((p) => renewalMeasure(p.r.licence_model) === 'tokens')) await writeTokensByProduct(db, L);

  // Headline counts: plain values from the engagement.
  const sources = await sourceRows(db);
  const refused = await refusedRows(db);
  const rejects = await rejectCount(db);
  const nSignals = await countFindings(db, SIGNAL_TYPES);
  const renewal = x.renewal.map((p) => p.r);
  const rec = (k: string) => renewal.filter((r) => r.recommendation === k).length;
  L.section('Headline counts', ['Count']);
  const count = (label: string, n: number) => L.row([{ v: label, indent: true }, { kind: 'int', v: n }]);
  count('Source files loaded', sources.length);
  count('Rows loaded', sources.reduce((a, s) => a + s.rows_loaded, 0));
  count('Rows rejected (see Data Quality)', rejects);
  count('Files refused', refused.length);
  count('Reclamation findings', x.nRecl);
  count('Optimisation candidates', x.nOpt);
  count('Compliance gap lines', x.nGap);
  count('Signals (telemetry gaps, spikes, new domains, denials)', nSignals);
  const offerings = new Set(renewal.map((r) => r.offering)).size;
  count(offerings === renewal.length ? 'Offerings under contract' : `Offerings under contract (in ${renewal.length} lines, one per licence model)`, offerings);
  L.blank();

  // The first three lines are formulas over the figures above, so an edited line or assumption moves them too.
  // Formula text is built from our own words, cell references and the currency symbol, never from client data.
  L.section('What to do this quarter');
  const sym = currencySymbol(settings.currency).replace(/"/g, '');
  const amount = (ref: string) => `"${sym}"&TEXT(${ref},"#,##0")`;
  // The cached text, as the formula computes it (TEXT rounds half away from zero).
  const money = (n: number) => `${sym}${Math.round(n).toLocaleString('en-US')}`;
  const counted = (ref: string, one: string, many: string) => `TEXT(${ref},"#,##0")&IF(${ref}=1," ${one}"," ${many}")`;
  const recl = (x.savingsByType.get('dormant_user')?.value ?? 0) + (x.savingsByType.get('unused_assignment')?.value ?? 0);
  const reclSeats = (x.savingsByType.get('dormant_user')?.units ?? 0) + (x.savingsByType.get('unused_assignment')?.units ?? 0);
  const optV = OPTIMISATION_TYPES.reduce((a, t) => a + (x.savingsByType.get(t)?.value ?? 0), 0);
  const reclSeatsRef = `(C${first}+C${unusedRow})`;
  const reclValueRef = `(D${first}+D${unusedRow})`;
  // Each line is written once, as pieces: the formula and its cached text are both made from them.
  type Piece = string | { count: string; value: number; one: string; many: string } | { money: string; value: number };
  const live = (when: { ref: string; value: number }, pieces: Piece[], otherwise: string) => {
    const formula = pieces.map((p) => (typeof p === 'string' ? `"${p}"` : 'count' in p ? counted(p.count, p.one, p.many) : amount(p.money))).join('&');
    const text = pieces.map((p) => (typeof p === 'string' ? p : 'count' in p ? `${p.value.toLocaleString('en-US')} ${p.value === 1 ? p.one : p.many}` : money(p.value))).join('');
    L.row([{ formula: `IF(${when.ref}>0,${formula},"${otherwise}")`, result: when.value > 0 ? text : otherwise }]);
  };
  const seats = (ref: string, value: number) => ({ count: ref, value, one: 'seat', many: 'seats' });
  live(
    { ref: reclSeatsRef, value: reclSeats },
    ['•  Reclaim ', seats(reclSeatsRef, reclSeats), ' from dormant users and unused assignments: ', { money: reclValueRef, value: recl }, ' a year (Reclamation sheet).'],
    '•  Nothing to reclaim: every assigned licence was used within the dormancy window.',
  );
  live(
    { ref: `SUM(D${optFirst}:D${last})`, value: optV },
    [
      '•  Review ', { count: `SUM(B${optFirst}:B${last})`, value: x.nOpt, one: 'optimisation candidate', many: 'optimisation candidates' },
      ' (duplicates, collection downgrades, Flex): ', { money: `SUM(D${optFirst}:D${last})`, value: optV }, ' a year (Optimisation sheet).',
    ],
    '•  No optimisation saving to review.',
  );
  live(
    { ref: `C${seatsTotalRow}`, value: x.gapUnits },
    [
      '•  Buy or remediate ', seats(`C${seatsTotalRow}`, x.gapUnits), ' across ', { count: `B${seatsTotalRow}`, value: x.nGap, one: 'gap line', many: 'gap lines' },
      ' now: ', { money: 'Settlement!$C$2', value: x.scenarios.self_review_best }, ', against ', { money: 'Settlement!$C$4', value: x.scenarios.audit_negotiated_low },
      '–', { money: 'Settlement!$C$7', value: x.scenarios.audit_no_cooperation_high }, ' if an audit finds them.',
    ],
    '•  No compliance gaps were found in the lookback: keep the quarterly review going.',
  );
  const todo: string[] = [];
  const analystTargets = (await renewalBrief(db)).filter((b) => b.analyst_target !== null && b.analyst_target !== undefined).length;
  // Gap units the renewal lines cannot raise: products no offering under contract covers (bought new, not renewed).
  // A Flex pool's increase is tokens, not seats.
  const increases = renewal.filter((r) => r.recommendation === 'increase' && renewalMeasure(r.licence_model) !== 'tokens').reduce((a, r) => a + Math.max(0, Number(r.target_quantity ?? 0) - Number(r.seats ?? 0)), 0);
  const unplaced = Math.max(0, x.gapUnits - increases);
  if (renewal.length) {
    todo.push(
      `Renewal (Renewal sheet): ${plural(rec('reduce'), 'contract line')} to reduce, ${rec('increase')} to increase, ${rec('convert_to_flex')} to consider for Flex, ${rec('keep')} to keep` +
        `${analystTargets ? `; the analyst set the target on ${plural(analystTargets, 'line')}` : ''}` +
        `${unplaced > 0 && analystTargets === 0 ? `; ${plural(unplaced, 'gap unit')} ${unplaced === 1 ? 'is' : 'are'} for products under no contract, to buy new` : ''}.`,
    );
  }
  if (rejects > 0 || refused.length > 0) todo.push(`Check data quality: ${plural(rejects, 'rejected row')} and ${plural(refused.length, 'refused file')} (Data Quality sheet).`);
  for (const t of todo) L.row([{ v: `•  ${t}` }]);
  L.blank();
  await writeDecisionTally(db, L, x);
}

/**
 * "Decisions so far": per action, the register findings that carry it, their seats or units and annual value,
 * as live formulas over the registers' Decision columns (themselves read from the Decisions sheet), so what
 * finance decides there is counted here too. Savings count only what is counted in savings, as the app does.
 */
/**
 * What the renewal costs a year at the current seats and at the targets: sums over the Renewal sheet's live cost
 * columns, so a target finance edits there moves these.
 */
function writeRenewalCost(L: Layout, rows: readonly PricedRenewal[]): void {
  const n = rows.length;
  const sumOf = (col: string, v: (p: PricedRenewal) => number | null) => ({
    kind: 'money0' as const, formula: `SUM(${colRange('Renewal', col, n)})`, result: rows.reduce((a, p) => a + (v(p) ?? 0), 0),
  });
  const now = (p: PricedRenewal) => costAt(p.r.seats, p.price);
  const at = (p: PricedRenewal) => costAt(p.r.target_quantity, p.price);
  const note = (text: string) => (r: ExcelJS.Row) => {
    r.getCell(5).font = { name: 'Calibri', color: { argb: 'FF595959' }, size: 9 };
    if (text) r.getCell(5).value = text;
  };
  L.section('Renewal: annual cost of the contract lines', ['', '', 'Cost']);
  L.row([{ v: 'At the current seats', indent: true }, {}, {}, sumOf(REN_COL.now, now)], note('seats (Flex: tokens a year) × unit price, per line on the Renewal sheet'));
  L.row([{ v: 'At the renewal targets', indent: true }, {}, {}, sumOf(REN_COL.atTarget, at)], note('edit a line\'s target quantity (yellow) on the Renewal sheet and this follows'));
  L.row([{ v: 'Change at renewal', indent: true }, {}, {}, sumOf(REN_COL.change, (p) => (p.price === null ? null : (at(p) ?? 0) - (now(p) ?? 0)))], boldTotal(4));
  // Live too: a price entered on the Renewal sheet takes its line off this note.
  const unpriced = rows.filter((p) => p.price === null).length;
  const blank = `COUNTBLANK(${colRange('Renewal', REN_COL.price, n)})`;
  const text = (k: number) => (k === 0 ? '' : `${plural(k, 'line')} without a unit price ${k === 1 ? 'is' : 'are'} left out: enter a price on the Renewal sheet to cost ${k === 1 ? 'it' : 'them'}.`);
  L.row([{
    formula: `IF(${blank}=0,"",IF(${blank}=1,"${text(1)}",${blank}&" lines without a unit price are left out: enter a price on the Renewal sheet to cost them."))`,
    result: text(unpriced),
  }], (r) => (r.getCell(1).font = { name: 'Calibri', italic: true, size: 9, color: { argb: 'FF595959' } }));
  // The savings above and these targets overlap: said, so finance does not add the two.
  L.row([{ v: "The targets follow the review's rule: a seat bought for every gap unit, idle seats kept. The Reclamation savings above are not netted off them; each Renewal line's reason names the smaller target its free seats would allow." }],
    (r) => (r.getCell(1).font = { name: 'Calibri', italic: true, size: 9, color: { argb: 'FF595959' } }));
  L.blank();
}

/** The Flex pool's tokens used per product in the 12 months to the review date, most first; the smallest summed. */
async function writeTokensByProduct(db: EngagementDb, L: Layout): Promise<void> {
  const items = await tokensByProduct(db, (c) => productName(c) ?? c);
  if (!items.length) return;
  const TOP = 10;
  const total = items.reduce((a, t) => a + t.tokens, 0);
  const rest = items.slice(TOP);
  L.section('Flex tokens used, 12 months to the review date', ['Tokens', 'Share']);
  const line = (label: string, tokens: number) => L.row([{ v: label, indent: true }, { kind: 'int', v: tokens }, { kind: 'pct', v: total > 0 ? tokens / total : 0 }]);
  for (const t of items.slice(0, TOP)) line(t.name === t.product ? t.product : `${t.name} (${t.product})`, t.tokens);
  if (rest.length) line(plural(rest.length, 'more product'), rest.reduce((a, t) => a + t.tokens, 0));
  L.row([{ v: 'Total', indent: true }, { kind: 'int', v: total }, { kind: 'pct', v: 1 }], boldTotal(3));
  L.blank();
}

async function writeDecisionTally(db: EngagementDb, L: Layout, x: SummaryFacts): Promise<void> {
  const cached = await db.all<{ action: string; n: number; units: number; value: number }>(
    `SELECT d.action, count(*) AS n, sum(f.units) AS units,
       sum(CASE WHEN f.family = 'gap' OR f.counted_in_savings THEN f.annual_value ELSE 0 END) AS value
     FROM decisions d JOIN findings f USING (finding_id) WHERE f.family IN ('savings', 'gap') GROUP BY d.action`,
  );
  L.section('Decisions so far', ['Findings', 'Seats or units', 'Annual value']);
  const R = (sheet: string) => sheetRef(sheet);
  const savings = [R('Reclamation'), R('Optimisation')];
  const gap = R('Gap Register');
  const dec = (sheetName: string, col: string) => `${sheetName}!$${col}:$${col}`;
  let decided = 0;
  for (const [action, label] of Object.entries(DECISION_LABELS)) {
    const c = cached.find((r) => r.action === action);
    const q = `"${label}"`;
    const n = [...savings.map((w) => `COUNTIF(${dec(w, SAV.decision)},${q})`), `COUNTIF(${dec(gap, GAP_COL.decision)},${q})`].join('+');
    const units = [...savings.map((w) => `SUMIF(${dec(w, SAV.decision)},${q},${dec(w, SAV.units)})`), `SUMIF(${dec(gap, GAP_COL.decision)},${q},${dec(gap, GAP_COL.units)})`].join('+');
    const value = [
      ...savings.map((w) => `SUMIFS(${dec(w, SAV.value)},${dec(w, SAV.decision)},${q},${dec(w, SAV.counted)},"Yes")`),
      `SUMIF(${dec(gap, GAP_COL.decision)},${q},${dec(gap, GAP_COL.value)})`,
    ].join('+');
    decided += Number(c?.n ?? 0);
    L.row([{ v: label, indent: true }, { kind: 'int', formula: n, result: Number(c?.n ?? 0) }, { kind: 'num', formula: units, result: Number(c?.units ?? 0) }, { kind: 'money0', formula: value, result: Number(c?.value ?? 0) }]);
  }
  const total = x.nRecl + x.nOpt + x.nGap;
  const last = L.rowNo;
  const first = last - Object.keys(DECISION_LABELS).length + 1;
  // The registers' findings counted live (their ID column less the header), not the count written today.
  const findings = [...savings, gap].map((w) => `(COUNTA(${w}!$A:$A)-1)`).join('+');
  L.row([{ v: 'Undecided', indent: true }, { kind: 'int', formula: `${findings}-SUM(B${first}:B${last})`, result: total - decided }]);
  // Signals carry no money and sit on no register, only on the Decisions sheet: their decisions are counted there.
  const signalsDecided = Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM decisions d JOIN findings f USING (finding_id) WHERE f.family = 'signal'`))?.n ?? 0);
  const byType = SIGNAL_TYPES.map((t) => `COUNTIFS(${dec(R('Decisions'), DEC_COL.type)},"${typeLabel(t)}",${dec(R('Decisions'), DEC_COL.action)},"<>")`).join('+');
  L.row([{ v: 'Signals with a decision (Decisions sheet; no money)', indent: true }, { kind: 'int', formula: byType, result: signalsDecided }]);
}

function writeSettlement(ws: ExcelJS.Worksheet, ctx: Ctx, nGap: number, s: Scenarios, lines: GapLine[]): void {
  const { f } = ctx;
  ws.columns = [{ width: 32 }, { width: 92 }, { width: 18 }, { width: 20 }];
  const L = new Layout(ws, f);
  const G = 'Gap Register';
  const U = colRange(G, GAP_COL.units, nGap);
  const P = colRange(G, GAP_COL.price, nGap);
  const Li = colRange(G, GAP_COL.list, nGap);
  const M = colRange(G, GAP_COL.months, nGap);
  const gc = `SUMPRODUCT(${U},${P})`;
  const gl = `SUMPRODUCT(${U},${Li})`;
  const gcm = `SUMPRODUCT(${U},${P},${M})/12`;
  const glm = `SUMPRODUCT(${U},${Li},${M})/12`;
  const formulas: Record<keyof Scenarios, string> = {
    self_review_best: gc,
    self_review_typical: `${gc}+${gcm}*Negotiated_back_period_rate`,
    audit_negotiated_low: `${gc}+${glm}*Audit_settlement_rate_low`,
    audit_negotiated_high: `${gc}+${glm}*Audit_settlement_rate_high`,
    audit_no_cooperation_low: `${gl}+${glm}*(1+No_cooperation_loading_low)`,
    audit_no_cooperation_high: `${gl}+${glm}*(1+No_cooperation_loading_high)`,
  };
  const header = ws.addRow(['Scenario', 'What it assumes', 'Total cost', 'Above closing now']);
  styleHeaderRow(header, 4);
  header.commit();
  L.rowNo = 1;
  SCENARIO_KEYS.forEach((k, i) => {
    L.row([
      { v: SCENARIO_LABELS[k].label },
      { v: SCENARIO_LABELS[k].means },
      { kind: 'money0', formula: formulas[k], result: s[k] },
      { kind: 'money0', formula: `C${i + 2}-$C$2`, result: s[k] - s.self_review_best },
    ], (r) => {
      r.getCell(1).font = { name: 'Calibri', bold: true };
      r.getCell(2).alignment = { wrapText: true, vertical: 'top' };
    });
  });
  L.blank();
  const sum = (fn: (l: GapLine) => number) => lines.reduce((a, l) => a + fn(l), 0);
  L.section('Inputs from the Gap Register', ['', 'Value']);
  L.row([{ v: 'Gap lines' }, { v: 'Lines in the Gap Register' }, { kind: 'int', formula: `COUNT(${U})`, result: lines.length }]);
  L.row([{ v: 'Units short' }, { v: 'Σ units (seats to buy)' }, { kind: 'num', formula: `SUM(${U})`, result: sum((l) => l.units) }]);
  L.row([{ v: 'Annual cost at your prices' }, { v: 'Σ units × unit price' }, { kind: 'money0', formula: gc, result: s.self_review_best }]);
  L.row([{ v: 'Annual cost at list prices' }, { v: 'Σ units × list price' }, { kind: 'money0', formula: gl, result: sum((l) => l.units * l.list_price) }]);
  // The typical scenario's back period is at your prices: shown, so a price edited on the Gap Register can be followed.
  L.row([{ v: 'Back period at your prices' }, { v: 'Σ units × unit price × months exposed ÷ 12' }, { kind: 'money0', formula: gcm, result: sum((l) => l.units * l.price * (l.months / 12)) }]);
  L.row([{ v: 'Back period at list prices' }, { v: 'Σ units × list price × months exposed ÷ 12' }, { kind: 'money0', formula: glm, result: sum((l) => l.units * l.list_price * (l.months / 12)) }]);
  L.blank();
  // A low rate typed above its high one turns a range upside down: said live, beside the totals it distorts.
  const pairs = `OR(Audit_settlement_rate_low>Audit_settlement_rate_high,No_cooperation_loading_low>No_cooperation_loading_high)`;
  L.row([{ formula: `IF(${pairs},"Check the Assumptions sheet: a low rate is above its high one, so a scenario's low total may exceed its high total.","")`, result: '' }],
    (r) => (r.getCell(1).font = { name: 'Calibri', bold: true, size: 10, color: { argb: 'FFC00000' } }));
  L.row([{ v: 'Each total is a year of the licences short (at your prices, or at list price for an audit without cooperation) plus, except in the best case, a one-off back period for the months exposed.' }], (r) => (r.getCell(1).font = { name: 'Calibri', italic: true, size: 9, color: { argb: 'FF595959' } }));
  L.row([{ v: 'The totals are live formulas over the Gap Register (units, unit price, list price, months exposed) and the named cells on the Assumptions sheet.' }], (r) => (r.getCell(1).font = { name: 'Calibri', italic: true, size: 9, color: { argb: 'FF595959' } }));
}

function writeAssumptions(ws: ExcelJS.Worksheet, ctx: Ctx): void {
  const { f, settings } = ctx;
  ws.columns = [{ width: 36 }, { width: 16 }, { width: 96 }];
  const header = ws.addRow(['Assumption', 'Value', 'What it means']);
  styleHeaderRow(header, 3);
  header.commit();
  const L = new Layout(ws, f);
  L.rowNo = 1;
  // A yellow input cell, unlocked in the analyst's copy.
  const input = (r: ExcelJS.Row) => {
    const c = r.getCell(2);
    c.fill = inputFill;
    c.font = { name: 'Calibri', bold: true, color: { argb: 'FF0000FF' } };
    if (!ctx.protect) c.protection = { locked: false };
    c.border = { top: { style: 'thin', color: { argb: 'FFBF8F00' } }, bottom: { style: 'thin', color: { argb: 'FFBF8F00' } }, left: { style: 'thin', color: { argb: 'FFBF8F00' } }, right: { style: 'thin', color: { argb: 'FFBF8F00' } } };
  };
  for (const a of ASSUMPTION_NAMES) L.row([{ v: a.label }, { kind: 'rate', v: settings.scenario[a.key] }, { v: `${a.means} (name: ${a.name})`, indent: true }], input);
  // On the row FLEX_TOKEN_PRICE_CELL names.
  L.row([
    { v: 'Flex token price (a token)' }, { kind: 'money', v: settings.flex_token_price },
    { v: `Costs the Flex pool's tokens on the Renewal sheet, which follows a change; the Optimisation sheet's Flex estimates were computed at the review's price and do not. (name: ${FLEX_TOKEN_PRICE})`, indent: true },
  ], input);
  L.row([{ v: ctx.protect ? READ_ONLY_INPUTS : 'Yellow cells are inputs: change them and the Settlement, Renewal and Summary figures recalculate.' }], (r) => (r.getCell(1).font = { name: 'Calibri', italic: true, size: 9, color: { argb: 'FF595959' } }));
  L.blank();
  L.section('Review settings used (for reference)', ['Value'], 3);
  const t = settings.thresholds;
  const ref = (label: string, kind: CellKind, v: CellInput, means = '') => L.row([{ v: label }, { kind, v }, { v: means, indent: true }], (r) => (r.getCell(2).alignment = { horizontal: 'right' }));
  ref('Client', 'text', settings.client);
  ref('As of', 'date', ctx.asOf, 'Review date D; every rule counts back from it.');
  ref('Currency', 'text', settings.currency);
  ref('Lookback (months)', 'int', t.lookback_months, 'Gap rules look only inside it; months of exposure are capped at it.');
  ref('Dormant after (days)', 'int', t.dormant_days);
  ref('Low frequency (usage days / month)', 'num', t.low_frequency_days_per_month);
  ref('Frequency window (days)', 'int', t.frequency_window_days);
  ref('Shared account overlap (minutes)', 'num', t.shared_overlap_minutes);
  ref('Shared account minimum days', 'int', t.shared_min_days);
  ref('Sustained over-use (months)', 'int', t.sustained_months);
  ref('Telemetry gap (days)', 'int', t.telemetry_gap_days);
  ref('Usage spike ratio', 'num', t.spike_ratio, 'A month with at least this multiple of the previous three months\' mean users is a spike.');
  ref('Usage spike minimum (users)', 'int', t.spike_min_users, 'A spike also adds at least this many users.');
  ref('New domain minimum (users)', 'int', t.new_domain_min_users);
  ref('Renewal buffer', 'pct', t.renewal_buffer);
  const prices = Object.entries(settings.prices);
  if (prices.length) {
    L.blank();
    L.section('Price overrides', ['Annual', 'List annual']);
    for (const [code, p] of prices) L.row([{ v: code }, { kind: 'money', v: p.annual ?? null }, { kind: 'money', v: p.list_annual ?? null }]);
  }
}

async function writeDataQuality(db: EngagementDb, ws: ExcelJS.Worksheet, ctx: Ctx): Promise<void> {
  const { f } = ctx;
  ws.columns = [{ width: 40 }, { width: 16 }, { width: 12 }, { width: 12 }, { width: 12 }, { width: 12 }, { width: 13 }, { width: 70 }];
  const header = ws.addRow(['Data quality: sources, refused files, signals and rejected rows']);
  styleHeaderRow(header, 8);
  header.commit();
  const L = new Layout(ws, f);
  L.rowNo = 1;
  // Each block has its own column headings: the sections hold different things.
  const block = (title: string, headings: string[], right: number[]) => {
    L.section(title, [], 8);
    L.row(headings.map((h) => ({ v: h })), (r) => {
      headings.forEach((h, i) => {
        const c = r.getCell(i + 1);
        c.font = { name: 'Calibri', bold: true, size: 10, color: { argb: 'FF595959' } };
        c.border = thinBottom;
        c.alignment = right.includes(i + 1) ? { horizontal: 'right' } : { horizontal: 'left', indent: i > 0 ? 1 : 0 };
      });
    });
  };
  const sources: SourceRow[] = await sourceRows(db);
  block(`Sources (${sources.length})`, ['File', 'Kind', 'Rows read', 'Loaded', 'Rejected', 'Duplicate', 'Size (bytes)', 'SHA-256'], [3, 4, 5, 6, 7]);
  const firstSource = L.rowNo + 1;
  for (const s of sources) {
    L.row([{ v: s.file }, { v: s.kind, indent: true }, { kind: 'int', v: s.rows_read }, { kind: 'int', v: s.rows_loaded }, { kind: 'int', v: s.rows_rejected }, { kind: 'int', v: s.rows_duplicate }, { kind: 'int', v: s.size_bytes }, { v: s.sha256, indent: true }], (r) => (r.getCell(8).font = { name: 'Consolas', size: 9 }));
  }
  if (sources.length) {
    const last = L.rowNo;
    L.row([
      { v: 'Total' }, {},
      { kind: 'int', formula: `SUM(C${firstSource}:C${last})`, result: sources.reduce((a, s) => a + s.rows_read, 0) },
      { kind: 'int', formula: `SUM(D${firstSource}:D${last})`, result: sources.reduce((a, s) => a + s.rows_loaded, 0) },
      { kind: 'int', formula: `SUM(E${firstSource}:E${last})`, result: sources.reduce((a, s) => a + s.rows_rejected, 0) },
      { kind: 'int', formula: `SUM(F${firstSource}:F${last})`, result: sources.reduce((a, s) => a + s.rows_duplicate, 0) },
      { kind: 'int', formula: `SUM(G${firstSource}:G${last})`, result: sources.reduce((a, s) => a + s.size_bytes, 0) },
    ], boldTotal(8));
  }
  L.blank();
  // How files were read where it matters to the figures (dates' order, decimal mark, blanked values, sheets not
  // read): what the app shows beside each loaded file, so finance and the auditor can check it against the source.
  const reading = (await db.all<{ file: string; notes: string | null }>('SELECT file, notes FROM sources ORDER BY source_id')).flatMap((x) =>
    sourceNotes(x.notes).filter(needsAttention).map((note) => ({ file: x.file, note })),
  );
  if (reading.length) {
    block(`How files were read: check these against the source (${reading.length})`, ['File', 'Note'], []);
    for (const r of reading) L.row([{ v: r.file }, { v: r.note, indent: true }]);
    L.blank();
  }
  const refused: RefusedRow[] = await refusedRows(db);
  block(`Files refused (${refused.length})`, ['File', 'Reason'], []);
  for (const r of refused) L.row([{ v: r.file }, { v: r.reason, indent: true }]);
  if (!refused.length) L.row([{ v: 'None.' }]);
  L.blank();
  const signals = await allFindings(db, SIGNAL_TYPES);
  // The detail runs on from column F over the empty cells to its right.
  block(`Signals (${signals.length}): telemetry gaps, usage spikes, new domains, denials`, ['Signal', 'Product / user', 'Units', 'From', 'To', 'Detail'], [3, 4, 5]);
  for (const s of signals) {
    L.row([{ v: typeLabel(s.type) }, { v: s.product ? nameWithCode(s.product) : (s.user ?? ''), indent: true }, { kind: 'num', v: s.units }, { kind: 'date', v: s.first_seen }, { kind: 'date', v: s.last_seen }, { v: s.detail, indent: true }]);
  }
  if (!signals.length) L.row([{ v: 'None.' }]);
  L.blank();
  const nRejects = await rejectCount(db);
  // A sheet holds 1,048,576 rows: a file of a million bad lines would make Excel call the workbook damaged. The first
  // MAX_REJECTS_LISTED show what went wrong; the count stays exact.
  const listed = Math.min(nRejects, MAX_REJECTS_LISTED);
  block(`Rejected rows (${nRejects.toLocaleString('en-US')}${listed < nRejects ? `; the first ${listed.toLocaleString('en-US')} by file and line are listed` : ''})`, ['File', 'Line', 'Reason', '', '', '', '', 'Raw text'], [2]);
  let written = 0;
  pages: for await (const page of rejectPages(db)) {
    for (const r of page as RejectRow[]) {
      if (written++ >= listed) break pages;
      L.row([{ v: r.file }, { kind: 'int', v: r.line }, { v: r.reason, indent: true }, {}, {}, {}, {}, { v: r.raw, indent: true }], (x) => (x.getCell(8).font = { name: 'Consolas', size: 9 }));
    }
  }
  if (!nRejects) L.row([{ v: 'None.' }]);
}
