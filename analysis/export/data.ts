// Reads what the exporters need from the engagement database, validated with zod at the boundary.
// Large tables (findings, rejects) are read in pages so a 100,000-row register never sits in memory twice.
import { z } from 'zod';
import type { EngagementDb, SqlParam } from '../db/engine';
import type { Settings } from '../settings';
import { renewalMeasure, SummarySchema, type Summary } from '../model';
import { columnChunks, type ColumnChunk } from './column-stream';
import { exportedBrief, hasTable } from '../rules/renewal';

const num = z.number();
const numOrNull = z.number();
const str = z.string();
const strOrNull = z.string().nullable();
const bool = z.union([z.boolean(), z.null()]).transform((b) => b === true);

export const FindingRowSchema = z.object({
  finding_id: str,
  type: str,
  family: str,
  severity: str,
  user: strOrNull,
  product: strOrNull,
  offering: strOrNull,
  units: num,
  annual_value: num,
  price: numOrNull.nullable(),
  list_price: numOrNull.nullable(),
  months: numOrNull.nullable(),
  first_seen: strOrNull,
  last_seen: strOrNull,
  evidence_count: num,
  detail: strOrNull,
  counted_in_savings: bool,
  action: strOrNull,
  owner: strOrNull,
  due_date: strOrNull,
  justification: strOrNull,
});
export type FindingRow = z.infer<typeof FindingRowSchema>;

export const RenewalRowSchema = z.object({
  line: str,
  offering: str,
  licence_model: strOrNull,
  seats: numOrNull.nullable(),
  active_assignments: numOrNull.nullable(),
  active_users: numOrNull.nullable(),
  peak_monthly_active: numOrNull.nullable(),
  trend: numOrNull.nullable(),
  true_denials: numOrNull.nullable(),
  recommendation: str,
  target_quantity: numOrNull.nullable(),
  reason: strOrNull,
});
export type RenewalRow = z.infer<typeof RenewalRowSchema>;

export const SourceRowSchema = z.object({
  source_id: num,
  file: str,
  original_path: strOrNull,
  stored_path: strOrNull,
  sha256: str,
  size_bytes: num,
  kind: str,
  rows_read: num,
  rows_loaded: num,
  rows_rejected: num,
  rows_duplicate: num,
  imported_at: strOrNull,
  /** The source's notes as stored (JSON list): how it was read (sourceNotes reads them). */
  notes: strOrNull.optional(),
});
export type SourceRow = z.infer<typeof SourceRowSchema>;

export const RejectRowSchema = z.object({ file: strOrNull, line: num, reason: str, raw: strOrNull });
export type RejectRow = z.infer<typeof RejectRowSchema>;

export const RefusedRowSchema = z.object({ file: str, sha256: strOrNull, reason: str });
export type RefusedRow = z.infer<typeof RefusedRowSchema>;

export const DecisionRowSchema = z.object({
  finding_id: str,
  type: strOrNull,
  user: strOrNull,
  product: strOrNull,
  offering: strOrNull,
  action: strOrNull,
  owner: strOrNull,
  due_date: strOrNull,
  justification: strOrNull,
  updated_at: strOrNull,
  carried_from: strOrNull,
});
export type DecisionRow = z.infer<typeof DecisionRowSchema>;

export const EvidenceRowSchema = z.object({
  finding_id: str,
  table_name: str,
  source_id: numOrNull.nullable(),
  file: strOrNull,
  line: numOrNull.nullable(),
  note: strOrNull,
});
export type EvidenceRow = z.infer<typeof EvidenceRowSchema>;

function parseRows<T>(schema: z.ZodType<T>, rows: unknown[], what: string): T[] {
  return rows.map((r, i) => {
    const p = schema.safeParse(r);
    if (!p.success) {
      const issue = p.error.issues[0];
      throw new Error(`Engagement database, ${what} row ${i + 1}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}. Re-run the review to rebuild the table.`);
    }
    return p.data;
  });
}

/** Results up to this many rows are paged with LIMIT/OFFSET; larger ones through a numbered copy. */
const SMALL_RESULT = 50_000;
let pageSeq = 0;

/**
 * Yields pages of validated rows; `sql` must start with SELECT and have a stable ORDER BY (last clause).
 * LIMIT/OFFSET re-sorts the whole result for every page, which is quadratic on millions of evidence
 * rows; a large result is therefore numbered once into a temporary table and read back by row range.
 */
export async function* pages<T>(db: EngagementDb, schema: z.ZodType<T>, sql: string, params: SqlParam[], what: string, pageSize = 5000): AsyncGenerator<T[]> {
  const n = params.length;
  const first = await db.all(`${sql} LIMIT $${n + 1} OFFSET 0`, [...params, Math.max(pageSize, SMALL_RESULT) + 1]);
  if (first.length <= Math.max(pageSize, SMALL_RESULT)) {
    for (let i = 0; i < first.length; i += pageSize) yield parseRows(schema, first.slice(i, i + pageSize), what);
    return;
  }
  const at = sql.lastIndexOf('ORDER BY');
  if (!/^\s*SELECT\s/i.test(sql) || at < 0) throw new Error(`pages(${what}): the query must start with SELECT and end with ORDER BY`);
  const table = `export_page_${++pageSeq}`;
  const numbered = sql.slice(0, at).replace(/^\s*SELECT\s/i, `SELECT row_number() OVER (ORDER BY ${sql.slice(at + 8)}) AS export_page_rn, `);
  await db.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${numbered}`, params);
  try {
    for (let from = 0; ; from += pageSize) {
      const rows = await db.all(`SELECT * EXCLUDE (export_page_rn) FROM temp.main.${table} WHERE export_page_rn > $1 AND export_page_rn <= $2 ORDER BY export_page_rn`, [from, from + pageSize]);
      if (rows.length === 0) return;
      yield parseRows(schema, rows, what);
      if (rows.length < pageSize) return;
    }
  } finally {
    await db.run(`DROP TABLE IF EXISTS temp.main.${table}`).catch(() => undefined);
  }
}

const FINDINGS_SELECT = `SELECT f.finding_id, f.type, f.family, f.severity, f."user", f.product, f.offering, f.units, f.annual_value,
  f.price, f.list_price, f.months, CAST(f.first_seen AS VARCHAR) AS first_seen, CAST(f.last_seen AS VARCHAR) AS last_seen,
  f.evidence_count, f.detail, f.counted_in_savings, d.action, d.owner, CAST(d.due_date AS VARCHAR) AS due_date, d.justification
  FROM findings f LEFT JOIN decisions d ON d.finding_id = f.finding_id`;

/** Findings of the given types (with the analyst's decision, if any), ordered for a register. */
export function findingPages(db: EngagementDb, types: readonly string[], pageSize?: number): AsyncGenerator<FindingRow[]> {
  return pages(db, FindingRowSchema, `${FINDINGS_SELECT} WHERE list_contains(string_split($1, ','), f.type) ORDER BY f.annual_value DESC, f.finding_id`, [types.join(',')], 'findings', pageSize);
}

/** The first `n` findings of `findingPages(db, types)`, read with one LIMIT query (the HTML report's tables). */
export async function topFindings(db: EngagementDb, types: readonly string[], n: number): Promise<FindingRow[]> {
  const rows = await db.all(`${FINDINGS_SELECT} WHERE list_contains(string_split($1, ','), f.type) ORDER BY f.annual_value DESC, f.finding_id LIMIT $2`, [types.join(','), n]);
  return parseRows(FindingRowSchema, rows, 'findings');
}

export async function allFindings(db: EngagementDb, types: readonly string[]): Promise<FindingRow[]> {
  const out: FindingRow[] = [];
  for await (const p of findingPages(db, types)) out.push(...p);
  return out;
}

export function allFindingPages(db: EngagementDb, pageSize?: number): AsyncGenerator<FindingRow[]> {
  return pages(db, FindingRowSchema, `${FINDINGS_SELECT} ORDER BY f.finding_id`, [], 'findings', pageSize);
}

export async function countFindings(db: EngagementDb, types: readonly string[]): Promise<number> {
  const r = await db.one<{ n: number }>(`SELECT count(*) AS n FROM findings WHERE list_contains(string_split($1, ','), type)`, [types.join(',')]);
  return Number(r?.n ?? 0);
}

/**
 * Savings findings per type: n counts every finding of the type (as summary.json does), seats (units) and
 * value only those counted in savings, so a (user, offering) an earlier lever reclaimed is not added twice.
 */
export async function savingsByTypeOf(db: EngagementDb): Promise<Map<string, { n: number; units: number; value: number }>> {
  const rows = await db.all<{ type: string; n: number; units: number | null; value: number | null }>(
    `SELECT type, count(*) AS n, sum(units) FILTER (WHERE counted_in_savings) AS units, sum(annual_value) FILTER (WHERE counted_in_savings) AS value
     FROM findings WHERE family = 'savings' GROUP BY type`,
  );
  return new Map(rows.map((r) => [r.type, { n: Number(r.n), units: Number(r.units ?? 0), value: Number(r.value ?? 0) }]));
}

export async function renewalRows(db: EngagementDb): Promise<RenewalRow[]> {
  return parseRows(RenewalRowSchema, await exportedBrief(db), 'renewal_brief');
}

/**
 * A renewal line with the unit price it is costed at (null: the review had no price for it); `tokenSetting` when it
 * is the Flex token price setting (the workbook links it to the Assumptions sheet).
 */
export interface PricedRenewal { r: RenewalRow; price: number | null; tokenSetting?: boolean }

/**
 * The renewal lines with the unit price each is costed at on the Renewal sheet: a seat a year as the review priced
 * the offering (a network line's own price when its subscription line priced it apart), a Flex pool's tokens at
 * the Flex token price.
 */
export async function pricedRenewalRows(db: EngagementDb, tokenPrice: number): Promise<PricedRenewal[]> {
  const rows = await renewalRows(db);
  // An engagement reviewed before review_prices (schema 5) has none: its lines are left unpriced.
  const prices = (await hasTable(db, 'review_prices')) ? await db.all<{ code: string; licence_model: string | null; annual_price: number | null; source: string }>('SELECT code, licence_model, annual_price, source FROM review_prices') : [];
  const priceOf = (code: string, model: string | null) => prices.find((p) => p.code === code && p.licence_model === model)?.annual_price ?? null;
  return rows.map((r) => {
    if (renewalMeasure(r.licence_model) === 'tokens') {
      // A Flex pool whose tokens bought the export does not give (0 tokens a year) is left uncosted, and said so, not
      // costed at 0. Its tokens are costed at the subscription line's own price when it has one, else the setting.
      if (!r.seats) return { r, price: null };
      const own = prices.find((p) => p.code === r.offering && p.licence_model === null && p.source === 'subscription line')?.annual_price ?? null;
      return own === null ? { r, price: tokenPrice, tokenSetting: true } : { r, price: Number(own) };
    }
    const price = r.licence_model === 'network' ? (priceOf(r.offering, 'network') ?? priceOf(r.offering, null)) : priceOf(r.offering, null);
    return { r, price: price === null ? null : Number(price) };
  });
}

export async function sourceRows(db: EngagementDb): Promise<SourceRow[]> {
  const rows = await db.all(`SELECT source_id, file, original_path, stored_path, sha256, size_bytes, kind, rows_read, rows_loaded,
    rows_rejected, rows_duplicate, CAST(imported_at AS VARCHAR) AS imported_at, CAST(notes AS VARCHAR) AS notes FROM sources ORDER BY source_id`);
  return parseRows(SourceRowSchema, rows, 'sources');
}

export async function refusedRows(db: EngagementDb): Promise<RefusedRow[]> {
  return parseRows(RefusedRowSchema, await db.all('SELECT file, sha256, reason FROM refused ORDER BY refused_at, file'), 'refused');
}

export function rejectPages(db: EngagementDb): AsyncGenerator<RejectRow[]> {
  return pages(db, RejectRowSchema, `SELECT s.file, r.line, r.reason, r.raw FROM rejects r LEFT JOIN sources s ON s.source_id = r.source_id ORDER BY r.source_id, r.line`, [], 'rejects');
}

export async function rejectCount(db: EngagementDb): Promise<number> {
  return Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM rejects'))?.n ?? 0);
}

/**
 * One row per finding with its decision, if any (finance fills in the rest), plus decisions whose finding the
 * latest review no longer reports: decided rows first by due date, then the open ones as the steps list them.
 */
export async function decisionRows(db: EngagementDb): Promise<DecisionRow[]> {
  const rows = await db.all(`SELECT coalesce(f.finding_id, d.finding_id) AS finding_id, f.type, f."user", f.product, f.offering, d.action, d.owner,
    CAST(d.due_date AS VARCHAR) AS due_date, d.justification, CAST(d.updated_at AS VARCHAR) AS updated_at, d.carried_from
    FROM findings f FULL OUTER JOIN decisions d ON d.finding_id = f.finding_id
    ORDER BY d.finding_id IS NULL, d.due_date NULLS LAST, CASE f.family WHEN 'savings' THEN 0 WHEN 'gap' THEN 1 ELSE 2 END, f.type,
      f.annual_value DESC, coalesce(f.finding_id, d.finding_id)`);
  return parseRows(DecisionRowSchema, rows, 'decisions');
}

const EVIDENCE_SELECT = `SELECT e.finding_id, e.table_name, e.source_id, s.file, e.line, e.note
    FROM finding_evidence e LEFT JOIN sources s ON s.source_id = e.source_id`;
// The note last, so rows tied on the rest still come out in one order whoever writes them (evidence-csv.ts).
const EVIDENCE_ORDER = ['finding_id', 'table_name', 'source_id', 'line', 'note'] as const;

export function evidencePages(db: EngagementDb): AsyncGenerator<EvidenceRow[]> {
  return pages(db, EvidenceRowSchema, `${EVIDENCE_SELECT} ORDER BY ${EVIDENCE_ORDER.map((c) => `e.${c}`).join(', ')}`, [], 'finding_evidence');
}

/**
 * Every finding in findings.csv column order (DATA-CONTRACT §3.2), ordered by id, streamed column-major;
 * the values are those `allFindingPages` gives for the same columns.
 */
export function findingsCsvColumnChunks(db: EngagementDb): AsyncGenerator<ColumnChunk> {
  const select = `SELECT f.finding_id, f.type, f.severity, f."user", f.product, f.offering, f.units, f.annual_value,
    CAST(f.first_seen AS VARCHAR) AS first_seen, CAST(f.last_seen AS VARCHAR) AS last_seen, f.evidence_count, f.detail FROM findings f`;
  return columnChunks(db, { select, orderBy: ['finding_id'], params: [] }, [
    { name: 'finding_id', kind: 'string', nullable: false },
    { name: 'type', kind: 'string', nullable: false },
    { name: 'severity', kind: 'string', nullable: false },
    { name: 'user', kind: 'string', nullable: true },
    { name: 'product', kind: 'string', nullable: true },
    { name: 'offering', kind: 'string', nullable: true },
    { name: 'units', kind: 'number', nullable: false },
    { name: 'annual_value', kind: 'number', nullable: false },
    { name: 'first_seen', kind: 'string', nullable: true },
    { name: 'last_seen', kind: 'string', nullable: true },
    { name: 'evidence_count', kind: 'number', nullable: false },
    { name: 'detail', kind: 'string', nullable: true },
  ], 'findings');
}

/** The summary stored with the latest review run, or null before the first review (or when it no longer validates). */
export async function latestSummary(db: EngagementDb): Promise<Summary | null> {
  const row = await db.one<{ summary: string | null }>('SELECT CAST(summary AS VARCHAR) AS summary FROM review_runs WHERE summary IS NOT NULL ORDER BY run_id DESC LIMIT 1');
  if (!row?.summary) return null;
  try {
    const r = SummarySchema.safeParse(JSON.parse(row.summary));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** The review date: settings, else the latest review run, else the last day any finding was seen. */
export async function resolveAsOf(db: EngagementDb, settings: Settings): Promise<string | null> {
  if (settings.as_of) return settings.as_of;
  const run = await db.one<{ d: string | null }>('SELECT CAST(as_of AS VARCHAR) AS d FROM review_runs ORDER BY run_id DESC LIMIT 1');
  if (run?.d) return run.d;
  const f = await db.one<{ d: string | null }>('SELECT CAST(max(last_seen) AS VARCHAR) AS d FROM findings');
  return f?.d ?? null;
}
