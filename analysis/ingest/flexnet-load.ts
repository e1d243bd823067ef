// Loads a FlexNet log's sessions as columns rather than row by row. A log holds hundreds of thousands of
// sessions; handing DuckDB each of their ~15 values one call at a time (loadItems) cost more than reading the
// log. Here each session is a row of numbers (users and features are ids into two small tables) written a
// column and 2,048 rows at a time; DuckDB joins the names back, formats the times, hashes the session ids and
// runs the same de-duplicating INSERT as loadItems. The rows are the ones sessionRow
// (flexnet.ts) builds: tests/ingest/flexnet-load.test.ts holds the two paths to the same table contents.
// Rejects and denials (few) still go through loadItems.
import { DOUBLE, DuckDBDataChunk, INTEGER, type DuckDBAppender } from '@duckdb/node-api';
import type { EngagementDb } from '../db/engine';
import { ENDED_BY, FlexnetLog, scanItems, sessionParts, splitFeature, type FlexnetScan } from './flexnet';
import { CancelledError, columnsOf, dedupSelect, LoadError, loadItems, type LoadCounts, type LoadOptions } from './loader';
import { RefusalError, rowLimitReason, type ParsedItem } from './types';
import { READING_NOTES } from './normalise';


/** loadItems, with a FlexNet log (readFlexnetLog) taking the column path. Same counts, same rows. */
export async function loadParsedItems(
  db: EngagementDb,
  sourceId: number,
  items: Iterable<ParsedItem> | AsyncIterable<ParsedItem[]>,
  opts: LoadOptions = {},
): Promise<LoadCounts> {
  return items instanceof FlexnetLog ? loadFlexnetLog(db, sourceId, items, opts) : loadItems(db, sourceId, items, opts);
}

/** Loads one FlexNet log for one source; must run inside the caller's transaction, as loadItems. */
export async function loadFlexnetLog(db: EngagementDb, sourceId: number, log: FlexnetLog, opts: LoadOptions = {}): Promise<LoadCounts> {
  // Held only until DuckDB has the check-outs (loadSessions lets go): a large log's are hundreds of MB
  // that the joins after should not share memory with. No local variable keeps the scan.
  const held: { scan: FlexnetScan | null } = { scan: await log.read() };
  // The days the server logged anything (signals.ts: a server up but idle is no telemetry gap).
  if (held.scan!.liveDays.length) {
    await db.run(`INSERT INTO log_days SELECT $1, CAST(d AS DATE) FROM unnest(string_split($2, ',')) t(d)`, [sourceId, held.scan!.liveDays.join(',')]);
  }
  const maxRows = opts.maxRows ?? Number.MAX_SAFE_INTEGER;
  const read = held.scan!.sessions.length;
  const lastLine = read > 0 ? held.scan!.sessions[read - 1]!.line : 0;
  const total = held.scan!.rejects.length + read + held.scan!.denials.length;
  if (total > maxRows) throw new RefusalError(rowLimitReason(maxRows));
  const others = byLine(held.scan!);

  let sessionsLoaded = 0;
  if (read > 0) {
    try {
      sessionsLoaded = await loadSessions(db, sourceId, held, opts);
    } catch (e) {
      if (e instanceof OutOfRange) return loadItems(db, sourceId, scanItems(e.scan), opts);
      if (e instanceof RefusalError || e instanceof CancelledError) throw e;
      throw new LoadError(`${opts.file ?? 'file'}, near line ${lastLine}: ${e instanceof Error ? e.message : String(e)}`, lastLine);
    } finally {
      for (const t of ['fx_rows', 'fx_who', 'fx_feature', 'fx_ended', 'fx_stage']) await db.run(`DROP TABLE IF EXISTS temp.main.${t}`).catch(() => undefined);
    }
  }
  const sessions: LoadCounts = { rows_read: read, rows_loaded: sessionsLoaded, rows_rejected: 0, rows_duplicate: read - sessionsLoaded };

  if (others.length === 0) {
    opts.onRows?.(sessions.rows_read);
    return sessions;
  }
  const rest = await loadItems(db, sourceId, others, { ...opts, maxRows, onRows: (n) => opts.onRows?.(sessions.rows_read + n) });
  return {
    rows_read: sessions.rows_read + rest.rows_read,
    rows_loaded: sessions.rows_loaded + rest.rows_loaded,
    rows_rejected: rest.rows_rejected,
    rows_duplicate: sessions.rows_duplicate + rest.rows_duplicate,
  };
}

/** Rejects and denial rows in line order (rejects first on a tie, as flexnetItems gives them). */
function byLine(scan: FlexnetScan): ParsedItem[] {
  const out: ParsedItem[] = [];
  let r = 0, d = 0;
  while (r < scan.rejects.length || d < scan.denials.length) {
    if (d >= scan.denials.length || (r < scan.rejects.length && scan.rejects[r]!.line <= scan.denials[d]!.line)) out.push({ reject: scan.rejects[r++]! });
    else out.push({ row: scan.denials[d++]! });
  }
  return out;
}

/** SQL for each session column sessionRow fills, over the numbers p, its user w, feature m and package k. */
const SESSION_SQL: Record<string, string> = {
  // sessionRow: `flexnet-` + sha256(`${start}|${key}|${FEATURE}|${nth}`) cut to 20 hex digits.
  session_id: `'flexnet-' || substr(sha256(strftime(p.start_ts, '%Y-%m-%d %H:%M:%S') || '|' || w.key || '|' || m.upper || '|' || CAST(p.nth AS VARCHAR)), 1, 20)`,
  user: 'w.user_norm',
  user_raw: 'w.user_trim',
  product: 'm.product',
  product_raw: 'm.feature',
  version: 'm.version',
  device_name: 'w.host',
  start_time: 'p.start_ts',
  end_time: 'p.end_ts',
  // The same double as Math.max(0, end - start) / 60 (an exact integer over 60, once).
  duration_minutes: 'greatest(0, p."end" - p.start) / 60',
  licence_type: `'network'`,
  feature_code: 'm.feature',
  licence_offering: 'k.product',
};

/** Columns of fx_rows: one row of numbers per session. */
const ROW_COLUMNS = ['seq', 'line', 'who', 'feat', 'pkg', 'start', 'end', 'nth', 'ended', 'pkg_line', 'ver_line'] as const;
const ROW_TYPES = [INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, DOUBLE, DOUBLE, INTEGER, INTEGER, INTEGER, INTEGER];
/** strftime('%Y') writes four digits only for these years (toISOString's plain form): others take loadItems. */
const FIRST_S = Date.UTC(1000, 0, 1) / 1000;
const END_S = Date.UTC(10000, 0, 1) / 1000;

async function loadSessions(db: EngagementDb, sourceId: number, held: { scan: FlexnetScan | null }, opts: LoadOptions): Promise<number> {
  const read = held.scan!.sessions.length;
  const cols = await columnsOf(db, 'sessions');
  for (const name of Object.keys(SESSION_SQL)) if (!cols.position.has(name)) throw new Error(`sessions has no column "${name}"`);
  await appendSessionRows(db, held.scan!, opts);
  held.scan = null;
  const signal = opts.signal;

  const exprs = cols.names.map((n, i) => {
    const e = SESSION_SQL[n] ?? 'NULL';
    return `${cols.types[i] === 'VARCHAR' ? e : `CAST(${e} AS ${cols.types[i]})`} AS "${n}"`;
  });
  // extraJson's text for [ended_by] or [ended_by, package_feature, package_line, version_line].
  const extra = `'{"ended_by":' || e.json || CASE WHEN p.pkg_line >= 0
      THEN ',"package_feature":' || k.json || ',"package_line":"' || CAST(p.pkg_line AS VARCHAR) || '","version_line":"' || CAST(p.ver_line AS VARCHAR) || '"}'
      ELSE '}' END`;
  // Materialised once: the de-duplicating INSERT reads its input twice.
  await db.run(`CREATE OR REPLACE TEMP TABLE fx_stage AS
    SELECT p.seq AS rn, p.line, CAST(${extra} AS JSON) AS extra, ${exprs.join(', ')}
    FROM (SELECT *, make_timestamp(CAST(start AS BIGINT) * 1000000) AS start_ts, make_timestamp(CAST("end" AS BIGINT) * 1000000) AS end_ts FROM temp.main.fx_rows) p
    JOIN temp.main.fx_who w ON w.id = p.who
    JOIN temp.main.fx_feature m ON m.id = p.feat
    JOIN temp.main.fx_ended e ON e.id = p.ended
    LEFT JOIN temp.main.fx_feature k ON k.id = p.pkg`);
  const staged = await db.one<{ n: number }>('SELECT count(*) AS n FROM temp.main.fx_stage');
  if (Number(staged?.n) !== read) throw new Error(`staged ${String(staged?.n)} of ${read} sessions`);
  if (signal?.aborted) throw new CancelledError();

  await supersedeOpenAtEnd(db, sourceId, opts.file ?? 'a later log');
  const names = cols.names.map((n) => `"${n}"`).join(', ');
  const res = await db.conn.run(
    `INSERT INTO sessions (source_id, line, row_key, extra, ${names})
     ${dedupSelect('sessions', cols.names, `SELECT rn, line, extra, ${names} FROM temp.main.fx_stage`, { existingKeys: EXISTING_FLEXNET_KEYS })}`,
    [sourceId],
  );
  opts.onRows?.(read);
  return Number(res.rowsChanged);
}

/**
 * A session still open where an earlier-loaded log ends (an older copy of this server's log, cut off) was closed there
 * by the end of that log, not by the user: the same session in this log, which runs on to its real end, replaces it.
 * Otherwise the copy loaded first would keep the cut-off sessions and this log's lines would be duplicates, shortening
 * the sessions and losing the seats they held after the cut. The replaced rows count as duplicates of their source,
 * noted on it, so each source's rows stay loaded + rejected + duplicate.
 */
async function supersedeOpenAtEnd(db: EngagementDb, sourceId: number, file: string): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE fx_supersede AS
    SELECT s.source_id, s.row_key FROM sessions s JOIN temp.main.fx_stage f ON f.session_id = s.row_key
    WHERE s.row_key >= 'flexnet-' AND s.row_key < 'flexnet.' AND s.source_id <> $1
      AND json_extract_string(s.extra, '$.ended_by') = 'end of log' AND f.end_time > s.end_time`, [sourceId]);
  const per = await db.all<{ source_id: number; n: number }>('SELECT source_id, count(*) AS n FROM temp.main.fx_supersede GROUP BY source_id');
  for (const { source_id: id, n } of per) {
    const count = Number(n);
    const note = `${count.toLocaleString('en-US')} ${count === 1 ? 'session' : 'sessions'} ${READING_NOTES.superseded} ${count === 1 ? 'was' : 'were'} replaced by the same ${count === 1 ? 'session' : 'sessions'} in ${file}, which runs on to ${count === 1 ? 'its' : 'their'} real end: counted as duplicates here`;
    await db.run(
      `UPDATE sources SET rows_loaded = rows_loaded - $2, rows_duplicate = rows_duplicate + $2,
         notes = to_json(list_append(coalesce(json_transform(notes, '["VARCHAR"]'), []), $3)) WHERE source_id = $1`,
      [Number(id), count, note],
    );
  }
  if (per.length > 0) await db.run('DELETE FROM sessions WHERE row_key IN (SELECT row_key FROM temp.main.fx_supersede) AND source_id IN (SELECT source_id FROM temp.main.fx_supersede)');
  await db.run('DROP TABLE IF EXISTS temp.main.fx_supersede');
}

/** Writes the log's users, features and one row of numbers per session into the fx_ tables. */
async function appendSessionRows(db: EngagementDb, scan: FlexnetScan, opts: LoadOptions): Promise<void> {
  const { checkouts: co, sessions, product } = scan;
  await db.run(`CREATE OR REPLACE TEMP TABLE fx_who (id INTEGER, key VARCHAR, user_norm VARCHAR, user_trim VARCHAR, host VARCHAR)`);
  await db.run(`CREATE OR REPLACE TEMP TABLE fx_feature (id INTEGER, feature VARCHAR, upper VARCHAR, product VARCHAR, version VARCHAR, json VARCHAR)`);
  await db.run(`CREATE OR REPLACE TEMP TABLE fx_ended (id INTEGER, json VARCHAR)`);
  await db.run(`CREATE OR REPLACE TEMP TABLE fx_rows (${ROW_COLUMNS.map((c, i) => `"${c}" ${ROW_TYPES[i]!.toString()}`).join(', ')})`);
  await appendAll(db, 'fx_who', (a) => {
    co.whos.forEach((w, i) => {
      a.appendInteger(i);
      for (const v of [w.key, w.userRaw.trim().toLowerCase(), w.userRaw.trim(), w.host]) a.appendVarchar(v);
      a.endRow();
    });
  });
  await appendAll(db, 'fx_feature', (a) => {
    co.features.forEach((f, i) => {
      a.appendInteger(i);
      for (const v of [f, f.toUpperCase(), product(f)]) a.appendVarchar(v);
      const version = splitFeature(f).version;
      if (version === null) a.appendNull();
      else a.appendVarchar(version);
      // As extraJson (JSON.stringify) writes it: no tab, newline or other control character inside.
      a.appendVarchar(JSON.stringify(f));
      a.endRow();
    });
  });
  await appendAll(db, 'fx_ended', (a) => {
    ENDED_BY.forEach((e, i) => {
      a.appendInteger(i);
      a.appendVarchar(JSON.stringify(e));
      a.endRow();
    });
  });

  // The numbers of each session, a column per value, 2,048 rows per chunk: written into typed arrays and
  // handed over in one call per column, not one per value.
  const signal = opts.signal;
  const size = Math.min(2048, sessions.length);
  const values: number[][] = ROW_COLUMNS.map(() => new Array<number>(size).fill(0));
  await appendAll(db, 'fx_rows', (a) => {
    let n = 0;
    const flush = () => {
      const chunk = DuckDBDataChunk.create(ROW_TYPES, n);
      values.forEach((v, i) => chunk.setColumnValues(i, n === v.length ? v : v.slice(0, n)));
      a.appendDataChunk(chunk);
      n = 0;
    };
    for (let seq = 0; seq < sessions.length; seq++) {
      const plan = sessions[seq]!;
      const { pkg, ver, main, start, end } = sessionParts(co, plan);
      if (!(start >= FIRST_S && start < END_S && end >= FIRST_S && end < END_S)) throw new OutOfRange(scan);
      const both = pkg !== -1 && ver !== -1;
      values[0]![n] = seq;
      values[1]![n] = plan.line;
      values[2]![n] = co.who[main]!;
      values[3]![n] = co.feature[main]!;
      values[4]![n] = pkg !== -1 ? co.feature[pkg]! : -1;
      values[5]![n] = start;
      values[6]![n] = end;
      values[7]![n] = plan.nth;
      values[8]![n] = co.endedBy[main]!;
      values[9]![n] = both ? co.line[pkg]! : -1;
      values[10]![n] = both ? co.line[ver]! : -1;
      if (++n === size) {
        flush();
        if (signal?.aborted) throw new CancelledError();
        opts.onRows?.(seq + 1);
      }
    }
    if (n > 0) flush();
  });
  if (opts.signal?.aborted) throw new CancelledError();
}

/**
 * The loaded keys a FlexNet session can collide with: every key made here starts with `flexnet-`, so the
 * anti-join reads only that key range (row groups of CSV keys are skipped by their min/max).
 */
const EXISTING_FLEXNET_KEYS = `(SELECT row_key FROM sessions WHERE row_key >= 'flexnet-' AND row_key < 'flexnet.')`;

/** A session time strftime would write differently from toISOString: the file takes loadItems. */
class OutOfRange extends Error {
  constructor(readonly scan: FlexnetScan) {
    super('a session time outside the years 1000-9999');
  }
}

async function appendAll(db: EngagementDb, table: string, fill: (a: DuckDBAppender) => void): Promise<void> {
  const a = await db.conn.createAppender(table, 'main', 'temp');
  try {
    fill(a);
    a.flushSync();
  } finally {
    a.closeSync();
  }
}
