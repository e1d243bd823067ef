// DuckDB reads large plain CSV files itself (no per-row JavaScript): the fast path for session and daily
// usage exports, which run to millions of rows. It produces exactly what the JS path (text-reader ->
// normalise -> loader) produces — the same rows, keys, rejects, reasons and line numbers — because:
//  - only plain files qualify (native-scan.ts): every physical line is one record;
//  - common value shapes (YYYY-MM-DD HH:MM:SS, plain decimals, ASCII text) are handled in SQL with the
//    same meaning as the JS normaliser; every other distinct value is normalised by the JS functions
//    themselves into a small lookup table (so odd dates, numbers, non-ASCII names and all product and
//    licence names follow one implementation);
//  - reject reasons are checked in the order the JS normaliser checks them.
// Anything unexpected (a line count that differs, an over-long line, more cells than headers, DuckDB
// refusing the path) makes `stageNative` return null and the JS path takes the file.
import type { EngagementDb } from '../db/engine';
import { NATIVE_KINDS, type TabularKind } from './aliases';
import type { Detection } from './detect';
import type { IngestLimits } from './limits';
import type { LoadCounts } from './loader';
import { columnsOf, dedupSelect } from './loader';
import { claimOf, dateExpected, EMPTY_ROW, MAX_REJECT_RAW, normaliseUser, quoted, quotedSql, parseDate, parseDuration, parseNumber, parseTimestamp, productFacts, TOTALS_PATTERN, totalsReason, tsExpected, type DateOrder, type NormaliseContext } from './normalise';
import { RefusalError, rowLimitReason } from './types';
import { profiled } from '../db/profile';
import { JS_WHITESPACE, JS_WHITESPACE_RE2 } from '../db/js-whitespace';

const debug = (msg: string) => {
  if (process.env.LRTW_DEBUG_NATIVE) process.stderr.write(`native: ${msg}\n`);
};

export { NATIVE_KINDS } from './aliases';

type ColType = 'text' | 'user' | 'product' | 'timestamp' | 'date' | 'number' | 'claim' | 'lower';

/** The columns each native kind reads, with how SQL handles them. */
const COLUMNS: Record<string, Record<string, ColType>> = {
  sessions: {
    session_id: 'text', user: 'user', product: 'product', version: 'text', device_name: 'text', device_id: 'text', os: 'text',
    start_time: 'timestamp', end_time: 'timestamp', duration_minutes: 'number', licence_type: 'claim', features: 'text',
    ip_address: 'text', network_domain: 'lower', tokens: 'number', licence_offering: 'product',
  },
  usage_daily: {
    user: 'user', hashed_autodesk_id: 'text', day: 'date', product: 'product', version: 'text', licence_type: 'claim', feature: 'text', tokens: 'number', team: 'text',
  },
};

export interface NativeRequest {
  path: string;
  kind: TabularKind;
  detection: Detection;
  headers: string[];
  delimiter: string;
  /** 1-based physical line of the header row; records start on the next line. */
  headerLine: number;
  /** Physical lines in the file (native-scan.ts). */
  lines: number;
  /** Cells can be edged by no whitespace but the space (an ASCII file without tab, VT or FF in cells). */
  spacesOnly: boolean;
  /** Some cell may start or end with a space (a space was found beside the delimiter or a line's edge). */
  spaceEdged: boolean;
  limits: IngestLimits;
  ctx: NormaliseContext;
  file: string;
}

export interface NativeStage {
  req: NativeRequest;
  rows: number;
  mapped: Map<string, ColType>;
  /** Per column: the distinct values the JS normaliser handles (all others are handled in SQL). */
  jsValues: Map<string, string[]>;
  /** False when every record has a distinct session id: no in-file duplicate can exist. */
  dedupInFile: boolean;
}

/** Why a prepared file cannot take the native path, or null when it can. */
export function nativeBlocker(kind: TabularKind, det: Detection, headers: string[], encoding: string | null, delimiter: string | null, scanBlocker: string | null): string | null {
  if (!NATIVE_KINDS.includes(kind)) return `kind ${kind} is small`;
  if (encoding !== 'utf-8') return 'not UTF-8';
  if (scanBlocker) return scanBlocker;
  if (!delimiter || delimiter.length !== 1 || delimiter.charCodeAt(0) > 127) return 'unusual delimiter';
  // Unmapped columns go to `extra` as JSON: the JS path keeps that logic in one place.
  const used = new Set(det.index.values());
  if (used.size !== headers.length) return 'has unmapped columns';
  for (const col of det.index.keys()) if (!(col in COLUMNS[kind]!)) return `column ${col} has no native handling`;
  return null;
}

const q = (name: string) => `"${name}"`;
const v = (col: string) => q(`v_${col}`);
const f = (col: string) => q(`f_${col}`);

/**
 * SQL for the fast, exact parse of one value shape (NULL sends the value to the JS lookup table), in two
 * steps so the parse runs once per value: `parse` on the trimmed text, `accept` on its result p.
 */
function fastParse(type: ColType, x: string, p: string, decimalComma: boolean): { parse: string; accept: string } | null {
  switch (type) {
    case 'timestamp':
      // Zero-padded YYYY-MM-DD HH:MM:SS only: the layout by LIKE (cheaper than a regex), then DuckDB's own
      // cast, which fails on anything but digits in the digit places and on an impossible date or time
      // (those go to the JS parser); the year range matches JS
      return {
        // (the cast reads 24:00:00 as the next midnight, which JS refuses: hours stop at 23 here).
        parse: `CASE WHEN ${x} LIKE '____-__-__ __:__:__' AND substr(${x}, 12, 2) < '24' THEN try_cast(${x} AS TIMESTAMP) END`,
        accept: `CASE WHEN year(${p}) BETWEEN 1900 AND 2200 THEN ${p} END`,
      };
    case 'date':
      return {
        parse: `CASE WHEN ${x} LIKE '____-__-__' THEN try_cast(${x} AS DATE) END`,
        accept: `CASE WHEN year(${p}) BETWEEN 1900 AND 2200 THEN ${p} END`,
      };
    case 'number':
      // A file read with a decimal comma (a semicolon file, until its numbers say otherwise): "1.250" is 1250 there,
      // and "1.5" tells the file's mark is a point. Every number goes to the JS parser, which reads it with the
      // file's mark and learns the mark from it (the import reads the file again when it settles the other one).
      if (decimalComma) return null;
      return { parse: `CASE WHEN regexp_full_match(${x}, '-?[0-9]{1,15}(\\.[0-9]{1,15})?') THEN CAST(${x} AS DOUBLE) END`, accept: p };
    default:
      return null;
  }
}

/** The file's physical lines after the header as (rn, l), numbered in file order (a streaming window). */
function linesOf(path: string, skip: number, maxLine: number): string {
  return `(SELECT row_number() OVER () AS rn, l FROM read_csv(${path}, columns = {'l': 'VARCHAR'}, header = false, delim = '\\0', quote = '',
    escape = '', auto_detect = false, skip = ${Math.trunc(skip)}, max_line_size = ${Math.trunc(maxLine)}))`;
}

const maxLineBytes = (limits: IngestLimits) => Math.max(2_097_152, limits.maxLineChars * 4 + 8);

/**
 * The records' raw cells c0..cN-1 as DuckDB's own CSV reader splits them ($1 path, $2 delimiter): no
 * quote character (a plain file has none), short lines padded with NULL, and one spare column cx that is
 * set only when a line has more cells than the header. A line longer (in bytes) than the JS reader's limit
 * makes the read fail, and the JS path takes the file.
 */
function cellsOf(req: NativeRequest): string {
  const cols = [...Array.from({ length: req.headers.length }, (_, i) => `'c${i}': 'VARCHAR'`), `'cx': 'VARCHAR'`].join(', ');
  return `read_csv($1, columns = {${cols}}, header = false, skip = ${Math.trunc(req.headerLine)}, delim = $2, quote = '', escape = '',
    null_padding = true, auto_detect = false, strict_mode = false, max_line_size = ${Math.max(64, Math.trunc(req.limits.maxLineChars - 2))})`;
}

/**
 * A cell trimmed as JS's trim() trims it, NULL when empty. Trimming every cell is the costliest step of
 * a large import, so only cells with whitespace at an edge are trimmed: a space, in an ASCII file with
 * no tab, vertical tab or form feed in its cells; otherwise any character of JS's set ($3).
 */
function trimmedCell(c: string, spacesOnly: boolean, spaceEdged: boolean): string {
  // An ASCII file where no space sits beside a delimiter or a line's edge has nothing to trim.
  if (spacesOnly && !spaceEdged) return `nullif(${c}, '')`;
  return spacesOnly
    ? `nullif(CASE WHEN starts_with(${c}, ' ') OR ends_with(${c}, ' ') THEN trim(${c}) ELSE ${c} END, '')`
    : `nullif(CASE WHEN regexp_matches(${c}, '^${JS_WHITESPACE_RE2}|${JS_WHITESPACE_RE2}$') THEN trim(${c}, $3) ELSE ${c} END, '')`;
}

/**
 * The staged records, in file order: the trimmed cells v_<col> and fast parses f_<col> of the mapped
 * columns, and `extra_cells` (a line with more cells than the header). Parameters: $1 path, $2 delimiter,
 * $3 the JS whitespace set (only when not spacesOnly).
 */
function stageSql(req: NativeRequest, mapped: Map<string, ColType>): string {
  const cellCols = [...req.detection.index].map(([col, idx]) => `${trimmedCell(`c${idx}`, req.spacesOnly, req.spaceEdged)} AS ${v(col)}`).join(', ');
  const parsed = [...mapped].flatMap(([col, type]) => {
    const fp = fastParse(type, v(col), q(`p_${col}`), req.ctx.numbers?.decimalComma === true);
    return fp ? [{ col, ...fp }] : [];
  });
  const parseCols = parsed.map((x) => `, ${x.parse} AS ${q(`p_${x.col}`)}`).join('');
  const acceptCols = parsed.map((x) => `, ${x.accept} AS ${f(x.col)}`).join('');
  const drop = parsed.length ? ` EXCLUDE (${parsed.map((x) => q(`p_${x.col}`)).join(', ')})` : '';
  return `SELECT *${drop}${acceptCols} FROM (SELECT *${parseCols} FROM (
      SELECT cx IS NOT NULL AS extra_cells, ${cellCols} FROM ${cellsOf(req)}))`;
}

const stageParams = (req: NativeRequest) => (req.spacesOnly ? [req.path, req.delimiter] : [req.path, req.delimiter, JS_WHITESPACE]);
/**
 * The staged records with their record number rn (1 = the line after the header). The stage is written in
 * file order (DuckDB preserves insertion order, checked before staging), so a record's rowid is its place
 * in the file: the CSV is split on every thread and still numbered exactly.
 */
const STAGE = '(SELECT rowid + 1 AS rn, * FROM temp.main.native_stage)';

/** The distinct values of one column that the JS normaliser must see (SQL handles the rest). */
function needsJs(col: string, type: ColType, decimalComma: boolean): string | null {
  switch (type) {
    case 'number':
      return decimalComma ? 'true' : `${f(col)} IS NULL`;
    case 'timestamp':
    case 'date':
      return `${f(col)} IS NULL`;
    case 'user':
      return USER_NEEDS_JS(v(col));
    case 'lower':
      return NON_ASCII(col);
    case 'claim':
    case 'product':
      return 'true';
    default:
      return null;
  }
}

/**
 * One parallel read of the file (outside the import transaction) stages its records in file order
 * (temp.main.native_stage), checks they are what the byte scan promised and collects the distinct values
 * the JS normaliser must handle. Returns null, leaving nothing behind, when the JS path must take the file (not an allowed
 * folder, a line count that differs, an over-long line, more cells than headers).
 */
export async function stageNative(db: EngagementDb, req: NativeRequest): Promise<NativeStage | null> {
  const expected = req.lines - req.headerLine;
  if (expected <= 0) return null;
  const mapped = new Map<string, ColType>();
  for (const col of req.detection.index.keys()) mapped.set(col, COLUMNS[req.kind]![col]!);
  const lists = [...mapped].flatMap(([col, type]) => {
    const need = needsJs(col, type, req.ctx.numbers?.decimalComma === true);
    return need ? [`list(DISTINCT ${v(col)}) FILTER (WHERE ${v(col)} IS NOT NULL AND ${need}) AS ${q(`m_${col}`)}`] : [];
  });
  // Sessions keyed by session id need the in-file de-duplication step only when an id repeats. Distinct
  // 64-bit hashes are counted (cheaper than the strings): a collision only costs the de-duplication step.
  const keyed = req.kind === 'sessions' && mapped.has('session_id');
  const dupCheck = keyed ? `, count(${v('session_id')}) - count(DISTINCT hash(${v('session_id')})) FILTER (WHERE ${v('session_id')} IS NOT NULL) AS repeats, count(*) - count(${v('session_id')}) AS unkeyed` : '';
  let row: Record<string, unknown>;
  try {
    // Record numbers come from the stage's row order, which only a database keeping insertion order keeps.
    const order = await db.one<{ kept: boolean }>(`SELECT current_setting('preserve_insertion_order') AS kept`);
    if (order?.kept !== true) {
      debug('not native: insertion order is not preserved');
      return null;
    }
    await profiled('native stage', () => db.run(`CREATE OR REPLACE TEMP TABLE native_stage AS ${stageSql(req, mapped)}`, stageParams(req)));
    const reader = await profiled('native scan', () =>
      db.conn.runAndReadAll(`SELECT count(*) AS n, bool_or(extra_cells) AS extra${dupCheck}${lists.length ? ', ' + lists.join(', ') : ''} FROM temp.main.native_stage`),
    );
    row = reader.getRowObjectsJson()[0] as Record<string, unknown>;
  } catch (e) {
    // DuckDB may not read this path (not an allowed folder) or this file (a line over the length limit),
    // or the import was cancelled: the JS path takes the file (or the caller sees the cancel).
    debug(`not native: ${(e as Error).message.split('\n')[0] ?? ''}`);
    await dropNative(db);
    return null;
  }
  const n = Number(row.n ?? 0);
  if (n !== expected || row.extra === true) {
    debug(`not native: ${n} records vs ${expected} lines${row.extra === true ? ', a line with more cells than headers' : ''}`);
    await dropNative(db);
    return null;
  }
  if (n > req.limits.maxRows) {
    await dropNative(db);
    throw new RefusalError(rowLimitReason(req.limits.maxRows));
  }
  const jsValues = new Map<string, string[]>();
  for (const [col] of mapped) {
    const list = row[`m_${col}`];
    if (Array.isArray(list)) jsValues.set(col, list.map(String));
  }
  const dedupInFile = !keyed || Number(row.repeats ?? 1) !== 0 || Number(row.unkeyed ?? 1) !== 0;
  return { req, rows: n, mapped, jsValues, dedupInFile };
}

export async function dropNative(db: EngagementDb): Promise<void> {
  for (const t of ['native_stage', 'native_rej', 'native_keys']) await db.run(`DROP TABLE IF EXISTS temp.main.${t}`).catch(() => undefined);
  for (const t of await db.all<{ name: string }>(`SELECT table_name AS name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'native_map_%'`).catch(() => [])) {
    // Names come from duckdb_tables() and match the fixed prefix; still quoted as identifiers.
    await db.run(`DROP TABLE IF EXISTS temp.main."${t.name.replace(/"/g, '""')}"`).catch(() => undefined);
  }
}

/** Builds temp.main.native_map_<col>(raw, a, b, c) from the values the JS normaliser must handle. */
async function jsMap(db: EngagementDb, col: string, raws: readonly string[], fn: (raw: string) => [string | null, string | null, string | null]): Promise<string> {
  const table = `native_map_${col}`;
  await db.run(`CREATE OR REPLACE TEMP TABLE ${table} (raw VARCHAR, a VARCHAR, b VARCHAR, c VARCHAR)`);
  if (raws.length) {
    const app = await db.conn.createAppender(table, 'main', 'temp');
    for (const raw of raws) {
      const [a, b, c] = fn(raw);
      app.appendVarchar(raw);
      for (const x of [a, b, c]) {
        if (x === null) app.appendNull();
        else app.appendVarchar(x);
      }
      app.endRow();
    }
    app.closeSync();
  }
  return table;
}

const TYPED_NULL: Record<ColType, string> = {
  text: 'CAST(NULL AS VARCHAR)', user: 'CAST(NULL AS VARCHAR)', product: 'CAST(NULL AS VARCHAR)', claim: 'CAST(NULL AS VARCHAR)', lower: 'CAST(NULL AS VARCHAR)',
  timestamp: 'CAST(NULL AS TIMESTAMP)', date: 'CAST(NULL AS DATE)', number: 'CAST(NULL AS DOUBLE)',
};

const NON_ASCII = (col: string) => `strlen(${v(col)}) <> length(${v(col)})`;
/**
 * A user cell normaliseUser reads beyond trim and lower-case: non-ASCII (invisible characters too), or an address as
 * mail clients write it (`Name <addr>`, `[mailto:addr]`, `addr (Name)`, quoted, a trailing list separator). These go through JS.
 */
const USER_NEEDS_JS = (x: string) => `(strlen(${x}) <> length(${x}) OR (contains(${x}, '@') AND regexp_matches(${x}, '[<>"'';,\\[(]|^mailto:', 'i')))`;

/** SQL expressions for the canonical values of one column, plus the joins they need. */
interface ColumnSql {
  joins: string[];
  /** Whether the file has this column. */
  has: (col: string) => boolean;
  value: (col: string) => string;
  /** True when the cell has text that does not parse (ts/date/number columns). */
  bad: (col: string) => string;
  user: (col: string) => string;
  code: (col: string) => string;
  year: (col: string) => string;
  featureCode: (col: string) => string;
}

async function buildMaps(db: EngagementDb, st: NativeStage, ctx: NormaliseContext): Promise<ColumnSql> {
  const joins: string[] = [];
  // A lookup with no values is not joined at all: each join probes millions of rows.
  const joined = new Set<string>();
  const join = (col: string, table: string) => {
    if ((st.jsValues.get(col) ?? []).length === 0) return;
    joined.add(col);
    joins.push(`LEFT JOIN temp.main.${table} m_${col} ON m_${col}.raw = s.${v(col)}`);
  };
  /** Column a/b/c of a column's JS lookup, or NULL when nothing needed JS. */
  const m = (col: string, field: 'a' | 'b' | 'c' = 'a') => (joined.has(col) ? `m_${col}.${field}` : 'NULL');
  for (const [col, type] of st.mapped) {
    switch (type) {
      case 'timestamp':
        join(col, await jsMap(db, col, st.jsValues.get(col) ?? [], (raw) => [parseTimestamp(raw, ctx.timezone, ctx.dates), null, null]));
        break;
      case 'date':
        join(col, await jsMap(db, col, st.jsValues.get(col) ?? [], (raw) => [parseDate(raw, ctx.timezone, ctx.dates), null, null]));
        break;
      case 'number':
        // With the file's decimal mark, which the values read here may settle (import.ts reads the file again then).
        join(col, await jsMap(db, col, st.jsValues.get(col) ?? [], (raw) => {
          const n = col === 'duration_minutes' ? parseDuration(raw, ctx.numbers) : parseNumber(raw, ctx.numbers);
          return [n === null ? null : String(n), null, null];
        }));
        break;
      case 'user':
        join(col, await jsMap(db, col, st.jsValues.get(col) ?? [], (raw) => [normaliseUser(raw), null, null]));
        break;
      case 'lower':
        join(col, await jsMap(db, col, st.jsValues.get(col) ?? [], (raw) => [raw.toLowerCase(), null, null]));
        break;
      case 'claim':
        join(col, await jsMap(db, col, st.jsValues.get(col) ?? [], (raw) => [claimOf(raw), null, null]));
        break;
      case 'product':
        join(col, await jsMap(db, col, st.jsValues.get(col) ?? [], (raw) => {
          const p = productFacts(ctx.catalogue, raw);
          return [p.code, p.year, p.featureCode];
        }));
        break;
      case 'text':
        break;
    }
  }
  const has = (col: string) => st.mapped.has(col);
  const value = (col: string): string => {
    // A typed NULL, so arithmetic on a missing column still binds (epoch_ms, date_trunc).
    if (!has(col)) {
      const type = COLUMNS[st.req.kind]![col] ?? 'text';
      // claimOf(null) is 'unknown', as in the JS normaliser.
      return type === 'claim' ? `'unknown'` : TYPED_NULL[type];
    }
    const x = `s.${v(col)}`;
    switch (st.mapped.get(col)!) {
      case 'timestamp':
        return `coalesce(s.${f(col)}, CAST(${m(col)} AS TIMESTAMP))`;
      case 'date':
        return `coalesce(s.${f(col)}, CAST(${m(col)} AS DATE))`;
      case 'number':
        return ctx.numbers?.decimalComma === true ? `CAST(${m(col)} AS DOUBLE)` : `coalesce(s.${f(col)}, CAST(${m(col)} AS DOUBLE))`;
      case 'lower':
        return `CASE WHEN ${x} IS NULL THEN NULL WHEN strlen(${x}) = length(${x}) THEN lower(${x}) ELSE ${m(col)} END`;
      case 'claim':
        return `coalesce(${m(col)}, 'unknown')`;
      default:
        return x;
    }
  };
  return {
    joins,
    has,
    value,
    bad: (col) => (has(col) ? `(s.${v(col)} IS NOT NULL AND ${value(col)} IS NULL)` : 'false'),
    // normaliseUser: trimmed, masked (`***`) -> NULL, e-mail lower-cased; non-ASCII through JS.
    user: (col) => {
      if (!has(col)) return 'NULL';
      const x = `s.${v(col)}`;
      return `CASE WHEN ${x} IS NULL THEN NULL WHEN ${USER_NEEDS_JS(x)} THEN ${m(col)} WHEN ${masked(x)} THEN NULL WHEN contains(${x}, '@') THEN lower(${x}) ELSE ${x} END`;
    },
    code: (col) => m(col),
    year: (col) => m(col, 'b'),
    featureCode: (col) => m(col, 'c'),
  };
}

/** Our own constant message text as a SQL literal (never client text). */
const lit = (text: string) => {
  if (text.includes("'")) throw new Error('message constant must not contain a quote');
  return `'${text}'`;
};
const masked = (x: string) => `(${x} LIKE '***%' AND ltrim(${x}, '*') = '')`;

/** The canonical values and the reject reason (NULL for a good row), in the JS normaliser's order. */
function kindSelect(kind: TabularKind, m: ColumnSql, order?: DateOrder): { values: Record<string, string>; reason: string } {
  const r = kindReason(kind, m, order);
  // Every cell empty (every column of a native file is mapped): the row is empty, whatever it lacks first.
  const empty = Object.keys(COLUMNS[kind] ?? {}).filter((c) => m.has(c)).map((c) => `s.${v(c)} IS NULL`).join(' AND ') || 'false';
  return { values: r.values, reason: `CASE WHEN ${empty} THEN ${lit(EMPTY_ROW)} ELSE ${r.reason} END` };
}

function kindReason(kind: TabularKind, m: ColumnSql, order?: DateOrder): { values: Record<string, string>; reason: string } {
  /** SQL text of a quoted cell for a reason message: the cell as the analyst wrote it (trimmed). */
  const said = (col: string) => (m.has(col) ? quotedSql(`s.${v(col)}`) : `''`);
  /** A totals line under the export (no product, a totals word in `col`), as normalise.ts rejectTotals reads it. */
  const totals = (col: string, what: string) => {
    if (!m.has(col) || !m.has('product')) return '';
    // The message around the cell, from the JS reader's own text (a NUL marks where the cell goes).
    const [before = '', after = ''] = totalsReason('\u0000', what).split(quoted('\u0000'));
    return `WHEN s.${v('product')} IS NULL AND s.${v(col)} IS NOT NULL AND NOT contains(s.${v(col)}, '@') AND regexp_matches(s.${v(col)}, ${lit(`(?i)${TOTALS_PATTERN}`)})
      THEN ${lit(before)} || ${quotedSql(`s.${v(col)}`)} || ${lit(after)}`;
  };
  const raw = (col: string) => m.value(col);
  if (kind === 'sessions') {
    const start = raw('start_time');
    const end = raw('end_time');
    const dur = raw('duration_minutes');
    const user = m.user('user');
    return {
      values: {
        session_id: raw('session_id'),
        user,
        user_raw: raw('user'),
        product: m.code('product'),
        product_raw: raw('product'),
        version: `coalesce(${raw('version')}, ${m.year('product')})`,
        device_name: raw('device_name'),
        device_id: raw('device_id'),
        os: raw('os'),
        start_time: start,
        end_time: `CASE WHEN ${end} IS NOT NULL THEN ${end} WHEN ${dur} IS NOT NULL THEN date_trunc('second', ${start} + to_milliseconds(CAST(round(${dur} * 60000) AS BIGINT))) END`,
        duration_minutes: `CASE WHEN ${dur} IS NOT NULL THEN ${dur} WHEN ${end} IS NOT NULL THEN (epoch_ms(${end}) - epoch_ms(${start})) / 60000.0 END`,
        licence_type: raw('licence_type'),
        features: raw('features'),
        ip_address: raw('ip_address'),
        network_domain: raw('network_domain'),
        tokens: raw('tokens'),
        feature_code: m.featureCode('product'),
        licence_offering: m.code('licence_offering'),
      },
      reason: `CASE
        ${totals('session_id', 'a session')} ${totals('user', 'a session')}
        WHEN ${user} IS NULL AND ${raw('device_name')} IS NULL THEN
          CASE WHEN ${raw('user')} IS NOT NULL THEN 'user ' || ${said('user')} || ' is masked and device_name is empty' ELSE 'user and device_name are both empty' END
        WHEN ${raw('product')} IS NULL THEN 'product is empty'
        WHEN ${m.bad('start_time')} THEN 'start_time ' || ${said('start_time')} || ' is not a date (' || ${lit(tsExpected(order))} || ')'
        WHEN ${start} IS NULL THEN 'start_time is empty'
        WHEN ${m.bad('end_time')} THEN 'end_time ' || ${said('end_time')} || ' is not a date (' || ${lit(tsExpected(order))} || ')'
        WHEN ${m.bad('duration_minutes')} THEN 'duration_minutes ' || ${said('duration_minutes')} || ' is not a number of minutes (or H:MM)'
        WHEN ${dur} < 0 THEN 'duration_minutes ' || ${said('duration_minutes')} || ' is negative'
        WHEN ${end} < ${start} THEN 'end_time ' || ${said('end_time')} || ' is before start_time ' || ${said('start_time')}
        WHEN ${m.bad('tokens')} THEN 'tokens ' || ${said('tokens')} || ' is not a number'
      END`,
    };
  }
  // usage_daily
  const hashed = raw('hashed_autodesk_id');
  const user = `coalesce(${m.user('user')}, CASE WHEN ${hashed} IS NOT NULL AND NOT ${masked(hashed)} THEN ${hashed} END)`;
  const tokens = raw('tokens');
  const claim = raw('licence_type');
  return {
    values: {
      user,
      user_raw: raw('user'),
      hashed_autodesk_id: hashed,
      day: raw('day'),
      product: m.code('product'),
      product_raw: raw('product'),
      version: raw('version'),
      // Autodesk Account usage is Named User unless tokens were charged (as normalise.ts).
      licence_type: `CASE WHEN ${claim} = 'unknown' AND ${trimmedText('licence_type', m)} IS NULL THEN CASE WHEN ${tokens} > 0 THEN 'flex' ELSE 'named_user' END ELSE ${claim} END`,
      feature: raw('feature'),
      tokens,
      team: raw('team'),
    },
    reason: `CASE
      ${totals('user', 'a usage row')}
      WHEN ${user} IS NULL THEN 'row has no user: email and hashed_autodesk_id are empty or masked'
      WHEN ${raw('product')} IS NULL THEN 'product is empty'
      WHEN ${m.bad('tokens')} THEN 'tokens ' || ${said('tokens')} || ' is not a number'
      WHEN ${m.bad('day')} THEN 'day ' || ${said('day')} || ' is not a date (' || ${lit(dateExpected(order))} || ')'
      WHEN ${raw('day')} IS NULL THEN 'day_used is empty'
    END`,
  };
}

/** The trimmed text of a claim column (the value expression of a claim column is the claim, not the text). */
function trimmedText(col: string, m: ColumnSql): string {
  return m.has(col) ? `s.${v(col)}` : 'NULL';
}

/**
 * Rows may repeat within a file: once it is loaded, the later rows of each key (by line) are deleted again,
 * so the first stays. Only rows whose 64-bit key hash repeats are compared, and they are few; deleting
 * them costs far less than holding the whole typed file back to de-duplicate it before writing.
 */
async function dropRepeatsInFile(db: EngagementDb, table: string, sourceId: number): Promise<number> {
  const del = await profiled('native in-file repeats', () =>
    db.conn.run(
      `DELETE FROM ${table} WHERE source_id = $1 AND line IN (
         SELECT line FROM (
           SELECT line, row_number() OVER (PARTITION BY row_key ORDER BY line) AS k FROM ${table}
           WHERE source_id = $1 AND hash(row_key) IN (
             SELECT h FROM (SELECT hash(row_key) AS h FROM ${table} WHERE source_id = $1) GROUP BY h HAVING count(*) > 1))
         WHERE k > 1)`,
      [sourceId],
    ),
  );
  return Number(del.rowsChanged);
}

/**
 * Loads a staged file into its canonical table and its rejects into `rejects`, inside the caller's
 * transaction. Same counts as loadItems.
 */
export async function loadNative(db: EngagementDb, st: NativeStage, sourceId: number, ctx: NormaliseContext): Promise<LoadCounts> {
  const table = st.req.detection.kind === 'sessions' ? 'sessions' : 'usage_daily';
  const cols = await columnsOf(db, table);
  const maps = await buildMaps(db, st, ctx);
  const { values, reason } = kindSelect(st.req.kind, maps, ctx.dates);
  for (const n of cols.names) if (!(n in values)) throw new Error(`native ${table}: no expression for column ${n}`);
  const typed = cols.names.map((n, i) => `CAST(${values[n]} AS ${cols.types[i]}) AS "${n}"`).join(', ');
  const from = `FROM ${STAGE} s ${maps.joins.join(' ')}`;
  const skip = Math.trunc(st.req.headerLine);
  const insertInto = `INSERT INTO ${table} (source_id, line, row_key, extra, ${cols.names.map((n) => `"${n}"`).join(', ')})`;
  // Keys already loaded, as a snapshot: an insert that anti-joins the table it writes to must buffer its
  // whole input first. An empty table needs no anti-join at all.
  const before = Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))?.n ?? 0);
  if (before > 0) await db.run(`CREATE OR REPLACE TEMP TABLE native_keys AS SELECT row_key FROM ${table}`);
  const existingKeys = before > 0 ? 'temp.main.native_keys' : null;
  // Transform, drop rejects and rows already loaded, write: $1 is the source id. The row key (an MD5
  // over the row when there is no session id) is computed in the same parallel pipeline.
  const good = `SELECT s.rn, ${skip} + s.rn AS line, CAST(NULL AS JSON) AS extra, ${typed} ${from} WHERE (${reason}) IS NULL`;
  const ins = await profiled('native insert', () => db.conn.run(`${insertInto} ${dedupSelect(table, cols.names, good, { sourceParam: '$1', inFile: false, existingKeys })}`, [sourceId]));
  let loaded = Number(ins.rowsChanged);
  if (st.dedupInFile) loaded -= await dropRepeatsInFile(db, table, sourceId);
  await db.run('DROP TABLE IF EXISTS temp.main.native_keys');
  // Only when something was not loaded: of the records that were not (rejects or duplicates), those
  // with a reason are rejects; their raw text is read again from the file, by line number.
  let rejected = 0;
  if (loaded < st.rows) {
    await db.run(
      `CREATE OR REPLACE TEMP TABLE native_rej AS SELECT rn, reason FROM (
         SELECT s.rn, ${reason} AS reason FROM (SELECT * FROM ${STAGE} ANTI JOIN (SELECT line - ${skip} AS rn FROM ${table} WHERE source_id = $1) x USING (rn)) s
         ${maps.joins.join(' ')}) WHERE reason IS NOT NULL`,
      [sourceId],
    );
    rejected = Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM temp.main.native_rej'))?.n ?? 0);
    if (rejected > 0) {
      // Reject raw text: the line as the file writes it (a plain file's line holds no quote), as the JS reader writes it too.
      await profiled('native rejects', () =>
        db.run(
          `INSERT INTO rejects (source_id, line, raw, reason)
           SELECT $1, ${skip} + r.rn, CASE WHEN length(x.l) > ${MAX_REJECT_RAW} THEN left(x.l, ${MAX_REJECT_RAW}) || '…' ELSE x.l END, r.reason
           FROM ${linesOf('$2', skip, maxLineBytes(st.req.limits))} x JOIN temp.main.native_rej r USING (rn)`,
          [sourceId, st.req.path],
        ),
      );
    }
    await db.run('DROP TABLE IF EXISTS temp.main.native_rej');
  }
  return { rows_read: st.rows, rows_loaded: loaded, rows_rejected: rejected, rows_duplicate: st.rows - rejected - loaded };
}
