// `review --parquet`: the canonical tables as Parquet files, so an engagement too large for one
// machine can move to a distributed DuckDB service with the same SQL (ARCHITECTURE.md "Scale").
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EngagementDb } from './db/engine';

export const PARQUET_TABLES = ['sources', 'rejects', 'sessions', 'usage_report', 'usage_daily', 'users', 'subscriptions', 'tokenflex', 'flexnet_events', 'identities', 'findings', 'finding_evidence', 'renewal_brief', 'decisions'] as const;

/** Writes one Parquet file per canonical table into `dir` (which the engagement must be allowed to write). */
export async function exportParquet(db: EngagementDb, dir: string): Promise<string> {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  for (const table of PARQUET_TABLES) {
    // Table names come from the constant list above; the path is a bound parameter.
    await db.run(`COPY ${table} TO $1 (FORMAT parquet, COMPRESSION zstd)`, [join(out, `${table}.parquet`)]);
  }
  return out;
}
