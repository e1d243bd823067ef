// Streams a query's result chunk by chunk (DuckDB's own ~2,048-row vectors), column-major, for exports of
// millions of rows: no row objects, no temporary table, no per-row schema parse. Validation stays at the
// boundary but is per column: the result's column names and SQL types are checked once, then each value
// only for null where the column may not be null (and for NaN).
import { DuckDBTypeId, type DuckDBValue } from '@duckdb/node-api';
import type { EngagementDb, SqlParam } from '../db/engine';
import { profileLog } from '../db/profile';

export type ColumnKind = 'string' | 'number' | 'boolean';

export interface ColumnSpec {
  /** The column's name in the query's result (a plain lower-case identifier), checked against it. */
  name: string;
  kind: ColumnKind;
  nullable: boolean;
  /**
   * The column repeats down the sorted result (a finding id, a file name): DuckDB sends it only where it
   * changes, so each distinct run is decoded into a JavaScript string once instead of once per row.
   */
  runs?: boolean;
}

/** A query to stream: `select` without ORDER BY, sorted by `orderBy`, result column names of `select`. */
export interface StreamQuery {
  select: string;
  orderBy: readonly string[];
  params: SqlParam[];
}

export type ColumnValue = string | number | boolean | null;

/** One chunk of validated values: `columns[c][r]`, every column `rowCount` long. */
export interface ColumnChunk {
  rowCount: number;
  columns: ColumnValue[][];
}

const NUMBER_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE,
]);

function kindAccepts(kind: ColumnKind, typeId: DuckDBTypeId): boolean {
  if (kind === 'string') return typeId === DuckDBTypeId.VARCHAR;
  if (kind === 'number') return NUMBER_TYPES.has(typeId) || typeId === DuckDBTypeId.SQLNULL;
  return typeId === DuckDBTypeId.BOOLEAN;
}

function toDuck(v: SqlParam): DuckDBValue {
  return v instanceof Date ? v.toISOString() : v;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
const q = (name: string): string => `"${name}"`;

/**
 * The SQL that streams `query`: one window gives the row order and, for each run-length column, whether
 * the row repeats the row before (in that same order, so ties cannot disagree); such a value is sent as
 * NULL with a `<name>__same` flag and filled back in by `columnChunks`.
 */
export function streamSql(query: StreamQuery, spec: readonly ColumnSpec[]): string {
  for (const n of [...spec.map((s) => s.name), ...query.orderBy]) if (!IDENT.test(n)) throw new Error(`column-stream: ${JSON.stringify(n)} is not a plain column name`);
  for (const o of query.orderBy) if (!spec.some((s) => s.name === o)) throw new Error(`column-stream: the order column ${o} is not in the result`);
  if (/\border\s+by\b[^)]*$/i.test(query.select)) throw new Error('column-stream: the select must not end with ORDER BY; pass orderBy');
  const order = query.orderBy.map(q).join(', ');
  if (!spec.some((s) => s.runs)) return `SELECT ${spec.map((s) => q(s.name)).join(', ')} FROM (${query.select}) ORDER BY ${order}`;
  const flags = spec.filter((s) => s.runs).map((s) => `${q(s.name)} IS NOT DISTINCT FROM lag(${q(s.name)}) OVER w AS ${q(`${s.name}__same`)}`);
  const outer = spec.map((s) => (s.runs ? `CASE WHEN ${q(`${s.name}__same`)} THEN NULL ELSE ${q(s.name)} END AS ${q(s.name)}, ${q(`${s.name}__same`)}` : q(s.name)));
  return `SELECT ${outer.join(', ')} FROM (SELECT *, row_number() OVER w AS export_rn, ${flags.join(', ')} FROM (${query.select}) WINDOW w AS (ORDER BY ${order})) ORDER BY export_rn`;
}

/**
 * Yields every row of `query` in validated column chunks. The stream holds the connection: the caller
 * must not run other statements on `db` until the generator finishes (or is returned early).
 * `what` names the table in errors.
 */
export async function* columnChunks(db: EngagementDb, query: StreamQuery, spec: readonly ColumnSpec[], what: string): AsyncGenerator<ColumnChunk> {
  const t0 = performance.now();
  const result = await db.conn.stream(streamSql(query, spec), query.params.map(toDuck));
  const names = result.columnNames();
  const types = result.columnTypes();
  // Where each spec column and its run flag sit in the result.
  const at: { value: number; same: number }[] = [];
  let k = 0;
  for (const s of spec) {
    at.push({ value: k, same: s.runs ? k + 1 : -1 });
    k += s.runs ? 2 : 1;
  }
  const bad = (c: number, expected: string) =>
    new Error(`Engagement database, ${what}: export column ${c + 1} is ${names[c] ?? '(missing)'} ${types[c]?.toString() ?? ''}, expected ${expected}. Re-run the review to rebuild the table.`);
  if (names.length !== k) throw bad(Math.min(names.length, k), `${k} columns`);
  spec.forEach((s, i) => {
    const { value, same } = at[i]!;
    if (names[value] !== s.name || !kindAccepts(s.kind, types[value]!.typeId)) throw bad(value, `${s.name} (${s.kind})`);
    if (same >= 0 && types[same]!.typeId !== DuckDBTypeId.BOOLEAN) throw bad(same, `${s.name}__same (boolean)`);
  });
  // The value each run-length column had on the last row, carried across chunks.
  const last: ColumnValue[] = spec.map(() => null);
  let rowsBefore = 0;
  // One chunk is fetched ahead, so DuckDB's threads produce the next while this one is formatted.
  let next = result.fetchChunk();
  try {
    for (;;) {
      const chunk = await next;
      if (!chunk || chunk.rowCount === 0) break;
      next = result.fetchChunk();
      const rowCount = chunk.rowCount;
      const columns: ColumnValue[][] = [];
      for (let c = 0; c < spec.length; c++) {
        const s = spec[c]!;
        const values = chunk.getColumnValues(at[c]!.value) as ColumnValue[];
        const same = s.runs ? (chunk.getColumnValues(at[c]!.same) as (boolean | null)[]) : null;
        let prev = last[c]!;
        for (let r = 0; r < rowCount; r++) {
          let v = values[r] as unknown;
          if (same && same[r] === true) {
            v = prev;
            values[r] = prev;
          }
          if (v === null) {
            if (!s.nullable) throw new Error(`Engagement database, ${what} row ${rowsBefore + r + 1}: ${s.name} is null. Re-run the review to rebuild the table.`);
          } else if (typeof v === 'bigint') {
            values[r] = Number(v); // as plain() does for every other reader
          } else if (v !== v) {
            // NaN: the row readers' schema refuses it too.
            throw new Error(`Engagement database, ${what} row ${rowsBefore + r + 1}: ${s.name} is not a number. Re-run the review to rebuild the table.`);
          }
          prev = values[r]!;
        }
        last[c] = prev;
        columns.push(values);
      }
      rowsBefore += rowCount;
      yield { rowCount, columns };
    }
  } finally {
    // An abandoned stream must not leave a fetch in flight on the connection.
    await next.catch(() => null);
    profileLog(`stream ${what} (${rowsBefore} rows)`, performance.now() - t0);
  }
}
