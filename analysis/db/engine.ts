// The engagement database: one DuckDB file (*.lrtw) per review, opened hardened.
// Every query goes through `all`/`run` with positional parameters ($1, $2, ...): client strings
// and file paths never become SQL text. The one exception is DuckDB's `allowed_directories`
// setting, which accepts no parameters; it is built by `sqlPathList` below from validated paths.
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue, type DuckDBAppender } from '@duckdb/node-api';
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { migrate } from './schema';
import { profiled } from './profile';

/**
 * DuckDB's buffer cap. The whole process (Node heap + DuckDB, whose allocations reach somewhat past the
 * cap) must stay under 2 GiB at 5 million sessions; larger work spills to the engagement's temp folder.
 */
export const DEFAULT_MEMORY_LIMIT = '768MB';

export type SqlParam = string | number | boolean | null | bigint | Date;

export interface OpenOptions {
  /** Folders DuckDB itself may read or write (Parquet export). The engagement folder is always allowed. */
  allowedDirectories?: string[];
  /** Memory cap for DuckDB; larger work spills to the engagement's temp folder. */
  memoryLimit?: string;
  readOnly?: boolean;
}

/** Builds a DuckDB list literal of absolute directory paths, the only place paths meet SQL text. */
export function sqlPathList(dirs: string[]): string {
  const items = dirs.map((d) => {
    if (!isAbsolute(d) || d.includes('\0')) throw new Error(`Not an absolute folder path: ${JSON.stringify(d)}`);
    const withSep = d.endsWith(sep) ? d : d + sep;
    return `'${withSep.replace(/'/g, "''")}'`;
  });
  return `[${items.join(', ')}]`;
}

function toDuck(v: SqlParam): DuckDBValue {
  if (v instanceof Date) return v.toISOString();
  return v as DuckDBValue;
}

/** Converts DuckDB values (bigint, DuckDB date/timestamp objects) into plain JSON-friendly values. */
export function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object') {
    if (Array.isArray(v)) return v.map(plain);
    const s = String(v);
    // DuckDB date, timestamp and decimal values stringify to their SQL text form.
    const ctor = (v as { constructor?: { name?: string } }).constructor?.name ?? '';
    if (ctor.startsWith('DuckDB')) {
      if (ctor.includes('Decimal')) return Number(s);
      if (ctor.includes('List') || ctor.includes('Struct') || ctor.includes('Map')) return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)));
      return s;
    }
    return v;
  }
  return v;
}

export type Row = Record<string, unknown>;

export class EngagementDb {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
    /** The folders DuckDB may read and write, the engagement's own first; fixed once open. */
    readonly allowedDirectories: readonly string[],
  ) {}

  /** Whether DuckDB may read `path` (a file or folder) itself: it lies inside one of the allowed folders. */
  allows(path: string): boolean {
    const p = resolve(path);
    return this.allowedDirectories.some((d) => p === d || p.startsWith(d.endsWith(sep) ? d : d + sep));
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<EngagementDb> {
    const abs = resolve(path);
    const folder = dirname(abs);
    if (!existsSync(folder)) mkdirSync(folder, { recursive: true });
    const tempDir = resolve(folder, '.lrtw-tmp');
    const config: Record<string, string> = {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      temp_directory: tempDir,
    };
    if (opts.readOnly) config.access_mode = 'READ_ONLY';
    const instance = await DuckDBInstance.create(abs, config);
    const conn = await instance.connect();
    const allowed = [...new Set([folder, ...(opts.allowedDirectories ?? []).map((d) => resolve(d))])];
    const db = new EngagementDb(abs, instance, conn, allowed);
    await conn.run(`SET allowed_directories = ${sqlPathList(allowed)}`);
    await conn.run('SET enable_external_access = false');
    await conn.run(`SET memory_limit = '${/^\d+(\.\d+)?\s?(MB|GB|MiB|GiB)$/.test(opts.memoryLimit ?? '') ? opts.memoryLimit : DEFAULT_MEMORY_LIMIT}'`);
    // More threads buy little on a laptop and each holds its own buffers; 4 at most keeps memory bounded.
    await conn.run(`SET threads = ${Math.max(1, Math.min(4, availableParallelism()))}`);
    // Kept (DuckDB's default): a large CSV is staged on every thread and each record's line number is its
    // row's place in the stage (native-csv.ts); the rules pay about 4 % for it.
    await conn.run('SET preserve_insertion_order = true');
    // FSST string compression halves the cost of writing millions of imported rows when it is off; the
    // engagement file grows (dictionary and other encodings still apply) but imports run about 2x faster.
    await conn.run("SET disabled_compression_methods = 'fsst'");
    // Statement progress, polled by `watched` (long imports report it), never printed.
    await conn.run('SET enable_progress_bar = true');
    await conn.run('SET enable_progress_bar_print = false');
    await conn.run('SET lock_configuration = true');
    if (!opts.readOnly) await migrate(db);
    return db;
  }

  async all<T extends Row = Row>(sql: string, params: SqlParam[] = []): Promise<T[]> {
    const reader = await profiled(sql, () => this.conn.runAndReadAll(sql, params.map(toDuck)));
    const rows = reader.getRowObjects();
    return rows.map((r) => {
      const o: Row = {};
      for (const [k, v] of Object.entries(r)) o[k] = plain(v);
      return o as T;
    });
  }

  async one<T extends Row = Row>(sql: string, params: SqlParam[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /**
   * Runs `fn` (statements on this connection) and reports the running statement's progress, 0 to 1,
   * every `everyMs` while it lasts: one statement can take tens of seconds on a large file.
   */
  async watched<T>(fn: () => Promise<T>, onProgress: (fraction: number) => void, everyMs = 250): Promise<T> {
    let best = 0;
    const timer = setInterval(() => {
      const pct = this.conn.progress.percentage;
      // -1 between statements; a later statement of the same step starts again from 0.
      if (pct > best * 100) {
        best = Math.min(1, pct / 100);
        onProgress(best);
      }
    }, everyMs);
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }

  async run(sql: string, params: SqlParam[] = []): Promise<void> {
    await profiled(sql, () => this.conn.run(sql, params.map(toDuck)));
  }

  async appender(table: string): Promise<DuckDBAppender> {
    return this.conn.createAppender(table);
  }

  /** Runs `fn` in one transaction: everything commits or nothing does. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const out = await fn();
      await this.conn.run('COMMIT');
      return out;
    } catch (e) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async audit(action: string, detail: unknown = {}, actor = 'engine'): Promise<void> {
    await this.run('INSERT INTO audit_log (ts, actor, action, detail) VALUES (current_timestamp, $1, $2, $3)', [actor, action, JSON.stringify(detail)]);
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
