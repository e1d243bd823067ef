// Loads canonical rows into the engagement database with provenance and de-duplication.
// Rows are appended (DuckDB appender) as text into a temporary staging table per canonical table, then
// moved with one set-based INSERT ... SELECT per file that casts, skips keys already loaded (from an
// earlier file or earlier in this file) and counts the duplicates. The caller owns the transaction.
import type { DuckDBAppender } from '@duckdb/node-api';
import type { EngagementDb } from '../db/engine';
import { RefusalError, rowLimitReason, type CanonicalRow, type CanonicalTable, type CellValue, type ParsedItem } from './types';
import { cutRaw } from './normalise';

/** Longest reject reason kept: a reason quotes cells already cut (normalise.ts quoted); this bounds the rest. */
const MAX_REASON = 2000;

export interface LoadCounts {
  rows_read: number;
  rows_loaded: number;
  rows_rejected: number;
  rows_duplicate: number;
}

export interface LoadOptions {
  signal?: AbortSignal;
  /** Most rows (loaded + rejected + duplicate) one source may hold; more refuses the file. */
  maxRows?: number;
  /** Rows appended between appender flushes (the set-based insert runs once, at the end of the file). */
  batchRows?: number;
  /** Called about every 1,000 rows with the running count of rows read. */
  onRows?: (rowsRead: number) => void;
  /** Name of the file, for error messages. */
  file?: string;
}

export class CancelledError extends Error {
  constructor() {
    super('import cancelled');
  }
}

const TABLES: readonly CanonicalTable[] = ['sessions', 'usage_report', 'usage_daily', 'users', 'subscriptions', 'tokenflex', 'flexnet_events', 'identity_map'];
const PROVENANCE = new Set(['source_id', 'line', 'row_key', 'extra']);
const SQL_TYPE = /^[A-Z][A-Z0-9 ]*$/;

export interface TableColumns {
  names: string[];
  types: string[];
  position: Map<string, number>;
}

export async function columnsOf(db: EngagementDb, table: CanonicalTable): Promise<TableColumns> {
  const rows = await db.all<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  const cols = rows.filter((r) => !PROVENANCE.has(r.column_name));
  if (cols.length === 0) throw new Error(`table ${table} is missing from the engagement database`);
  for (const c of cols) if (!SQL_TYPE.test(c.data_type)) throw new Error(`unexpected column type ${c.data_type} in ${table}`);
  return { names: cols.map((c) => c.column_name), types: cols.map((c) => c.data_type), position: new Map(cols.map((c, i) => [c.column_name, i])) };
}

function text(v: CellValue | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    return String(v);
  }
  return v ? 'true' : 'false';
}

/** Unknown columns as a JSON object; a null-prototype object so header text stays data. */
export function extraJson(extra: Array<[string, string]> | null | undefined): string | null {
  if (!extra || extra.length === 0) return null;
  const o: Record<string, string> = Object.create(null);
  for (const [k, v] of extra) {
    let key = k;
    for (let n = 2; Object.prototype.hasOwnProperty.call(o, key); n++) key = `${k} (${n})`;
    o[key] = v;
  }
  return JSON.stringify(o);
}

/**
 * The de-duplication key of a canonical row, computed in SQL from its typed values so every import path
 * (JS reader or DuckDB's own CSV reader) keys the same row the same way: the session id when a session
 * has one, else an MD5 of the row's values as JSON text.
 */
export function rowKeySql(table: CanonicalTable, names: readonly string[], opts: { userCase?: boolean } = {}): string {
  // The address as written counts without its case: overlapping exports that spell one address Ann.Lee@ and ann.lee@
  // hold the same row, not two (the user column itself is lower-cased already). `userCase` is the key before schema 6.
  const cell = (n: string) => (n === 'user_raw' && !opts.userCase ? `lower(CAST("${n}" AS VARCHAR))` : `CAST("${n}" AS VARCHAR)`);
  const hash = `md5(to_json([${names.map(cell).join(', ')}]))`;
  // CASE, not coalesce: the hash is computed only for rows that lack a session id.
  return table === 'sessions' ? `CASE WHEN "session_id" IS NOT NULL THEN "session_id" ELSE ${hash} END` : hash;
}

/**
 * Wraps `inner` (columns rn, line, extra and the canonical columns, by name) into the SELECT that keeps
 * the first row (lowest rn) of each key not already in the table; $1 is the source id.
 * Set-based: one hash aggregate and one anti-join per file, nothing per row.
 */
export function dedupSelect(
  table: CanonicalTable,
  names: readonly string[],
  inner: string,
  opts: { sourceParam?: string; inFile?: boolean; existingKeys?: string | null } = {},
): string {
  const cols = `${opts.sourceParam ?? '$1'}, v.line, v.row_key, v.extra, ${names.map((n) => `v."${n}"`).join(', ')}`;
  const existing = opts.existingKeys === null ? '' : `ANTI JOIN ${opts.existingKeys ?? table} t ON t.row_key = v.row_key`;
  const keyed = `(SELECT *, ${rowKeySql(table, names)} AS row_key FROM (${inner}))`;
  const inFile = opts.inFile === false ? '' : `WHERE v.rn IN (SELECT min(rn) FROM ${keyed} GROUP BY row_key)`;
  // A hash aggregate on (key, rn) and one hash anti-join on the key: nothing per row, and every operator
  // can spill. (NOT EXISTS would plan as a delim join that buffers the whole input first.)
  return `SELECT ${cols} FROM ${keyed} v ${existing} ${inFile}`;
}

class Stage {
  private appender!: DuckDBAppender;
  private pending = 0;
  private seq = 0;
  readonly stageName: string;
  loaded = 0;
  staged = 0;

  constructor(
    private readonly db: EngagementDb,
    readonly table: CanonicalTable,
    private readonly cols: TableColumns,
    private readonly sourceId: number,
  ) {
    this.stageName = `stage_${table}`;
  }

  async open(): Promise<void> {
    const defs = this.cols.names.map((_, i) => `c${i} VARCHAR`).join(', ');
    // Table names come from the fixed CanonicalTable list, never from a file.
    await this.db.run(`CREATE OR REPLACE TEMP TABLE ${this.stageName} (seq INTEGER, line INTEGER, extra VARCHAR, ${defs})`);
    this.appender = await this.db.conn.createAppender(this.stageName, 'main', 'temp');
  }

  append(row: CanonicalRow): void {
    const vals: Array<string | null> = new Array(this.cols.names.length).fill(null);
    for (const k of Object.keys(row.values)) {
      const p = this.cols.position.get(k);
      if (p === undefined) throw new Error(`${this.table} has no column "${k}" (line ${row.line})`);
      vals[p] = text(row.values[k]);
    }
    const a = this.appender;
    // INTEGER in staging (no BigInt per row); a file holds far fewer than 2^31 rows or lines.
    // The de-duplication key is computed in SQL from the typed values (rowKeySql), not per row here.
    a.appendInteger(this.seq++);
    a.appendInteger(row.line);
    const ex = extraJson(row.extra);
    if (ex === null) a.appendNull();
    else a.appendVarchar(ex);
    for (const v of vals) {
      if (v === null) a.appendNull();
      else a.appendVarchar(v);
    }
    a.endRow();
    this.pending++;
    this.staged++;
  }

  /** Hands appended rows to DuckDB (which spills them to disk when large), bounding JS-side memory. */
  flushAppender(): void {
    if (this.pending === 0) return;
    this.appender.flushSync();
    this.pending = 0;
  }

  /**
   * Moves all staged rows into the canonical table, first occurrence of each new key only. Run once per
   * file, so the existing table is scanned for keys once rather than once per batch.
   */
  async finish(): Promise<void> {
    this.appender.flushSync();
    this.pending = 0;
    if (this.staged === 0) return;
    const names = this.cols.names.map((n) => `"${n}"`).join(', ');
    const casts = this.cols.names.map((n, i) => `${this.cols.types[i] === 'VARCHAR' ? `c${i}` : `CAST(c${i} AS ${this.cols.types[i]})`} AS "${n}"`).join(', ');
    const res = await this.db.conn.run(
      `INSERT INTO ${this.table} (source_id, line, row_key, extra, ${names})
       ${dedupSelect(this.table, this.cols.names, `SELECT seq AS rn, line, CAST(extra AS JSON) AS extra, ${casts} FROM temp.main.${this.stageName}`)}`,
      [this.sourceId],
    );
    this.loaded += res.rowsChanged;
  }

  async close(): Promise<void> {
    this.appender.closeSync();
    await this.db.run(`DROP TABLE IF EXISTS temp.main.${this.stageName}`);
  }
}

function isAsync<T>(x: Iterable<T> | AsyncIterable<T>): x is AsyncIterable<T> {
  return typeof (x as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

/**
 * Loads items (rows or rejects, singly or in batches) for one source. Must run inside the caller's
 * transaction so a failure or cancellation leaves nothing behind.
 */
export async function loadItems(
  db: EngagementDb,
  sourceId: number,
  items: Iterable<ParsedItem | ParsedItem[]> | AsyncIterable<ParsedItem | ParsedItem[]>,
  opts: LoadOptions = {},
): Promise<LoadCounts> {
  const batchRows = opts.batchRows ?? 100_000;
  const maxRows = opts.maxRows ?? Number.MAX_SAFE_INTEGER;
  const stages = new Map<CanonicalTable, Stage>();
  const rejects = await db.conn.createAppender('rejects');
  let read = 0;
  let rejected = 0;
  let sinceFlush = 0;
  let lastLine = 0;

  const stageFor = async (table: CanonicalTable): Promise<Stage> => {
    let s = stages.get(table);
    if (!s) {
      if (!TABLES.includes(table)) throw new Error(`unknown canonical table ${String(table)}`);
      s = new Stage(db, table, await columnsOf(db, table), sourceId);
      await s.open();
      stages.set(table, s);
    }
    return s;
  };

  // One await per batch, not per row: the per-row path below is synchronous unless a stage must be
  // created or a batch flushed.
  const batch = async (list: readonly ParsedItem[]): Promise<void> => {
    for (const item of list) {
      read++;
      if (read > maxRows) throw new RefusalError(rowLimitReason(maxRows));
      if (item.reject) {
        lastLine = item.reject.line;
        rejects.appendInteger(sourceId);
        rejects.appendBigInt(BigInt(item.reject.line));
        // Every reader's reject is kept cut (a hostile line of megabytes, a cell quoted whole in a reason).
        rejects.appendVarchar(cutRaw(item.reject.raw));
        rejects.appendVarchar(item.reject.reason.length > MAX_REASON ? `${item.reject.reason.slice(0, MAX_REASON)}…` : item.reject.reason);
        rejects.endRow();
        rejected++;
      } else {
        lastLine = item.row.line;
        (stages.get(item.row.table) ?? (await stageFor(item.row.table))).append(item.row);
        sinceFlush++;
      }
      if ((read & 1023) === 0) {
        if (opts.signal?.aborted) throw new CancelledError();
        opts.onRows?.(read);
      }
      if (sinceFlush >= batchRows) {
        sinceFlush = 0;
        for (const st of stages.values()) st.flushAppender();
      }
    }
  };

  try {
    if (isAsync(items)) {
      for await (const it of items) await batch(Array.isArray(it) ? it : [it]);
    } else {
      let pending: ParsedItem[] = [];
      for (const it of items) {
        if (Array.isArray(it)) {
          await batch(pending);
          pending = [];
          await batch(it);
        } else if (pending.push(it) >= 5000) {
          await batch(pending);
          pending = [];
        }
      }
      await batch(pending);
    }
    if (opts.signal?.aborted) throw new CancelledError();
    rejects.flushSync();
    for (const s of stages.values()) await s.finish();
  } catch (e) {
    if (e instanceof RefusalError || e instanceof CancelledError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new LoadError(`${opts.file ?? 'file'}, near line ${lastLine}: ${msg}`, lastLine);
  } finally {
    try {
      rejects.closeSync();
    } catch {
      /* already failing */
    }
    for (const s of stages.values()) await s.close().catch(() => undefined);
  }
  opts.onRows?.(read);
  let loaded = 0;
  let staged = 0;
  for (const s of stages.values()) {
    loaded += s.loaded;
    staged += s.staged;
  }
  return { rows_read: read, rows_loaded: loaded, rows_rejected: rejected, rows_duplicate: staged - loaded };
}

/** An unexpected failure while loading a file; names the file and the line. */
export class LoadError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}
