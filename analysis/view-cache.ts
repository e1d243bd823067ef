// Views the UI reads on every visit but that only change when data is imported or the review runs
// (data quality, the findings list), stored in the engagement (`view_cache`) after each review so a
// step opens without scanning millions of fact rows. Each entry carries a fingerprint of what it was
// computed from; a stale, missing or unreadable entry is never served (the caller recomputes).
import type { z } from 'zod';
import type { EngagementDb } from './db/engine';
import { TOOL_VERSION } from './version';

/**
 * What the cached views are computed from changes only when data is imported (a `sources` row each
 * time; identities are rebuilt by the import) or the review runs again (findings, evidence counts).
 * Settings and decisions are not read by them; the catalogue ships with the tool version.
 */
export async function viewFingerprint(db: EngagementDb): Promise<string> {
  const row = await db.one<{ fp: string }>(`
    SELECT (SELECT count(*) || '/' || coalesce(max(source_id), 0) || '/' || coalesce(sum(rows_loaded), 0) || '/' || coalesce(CAST(max(imported_at) AS VARCHAR), '') FROM sources)
      || '|' || (SELECT coalesce(max(run_id), 0) || '/' || coalesce(CAST(max(finished_at) AS VARCHAR), '') FROM review_runs) AS fp`);
  return `${TOOL_VERSION}|${row?.fp ?? ''}`;
}

async function hasCacheTable(db: EngagementDb): Promise<boolean> {
  // A read-only engagement written before schema 3 has no view_cache table.
  return (await db.one(`SELECT 1 AS x FROM information_schema.tables WHERE table_name = 'view_cache' AND table_schema = 'main'`)) !== undefined;
}

/** The stored view `name` if it was computed from the data as it is now and still parses, else null. */
export async function readView<S extends z.ZodType>(db: EngagementDb, name: string, fingerprint: string, schema: S): Promise<z.output<S> | null> {
  if (!(await hasCacheTable(db))) return null;
  const row = await db.one<{ json: string }>('SELECT json FROM view_cache WHERE name = $1 AND fingerprint = $2', [name, fingerprint]);
  if (!row) return null;
  // The file is outside this process's control: an entry that does not parse is recomputed by the caller.
  let data: unknown;
  try {
    data = JSON.parse(row.json);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(data);
  return parsed.success ? parsed.data : null;
}

export async function storeView(db: EngagementDb, name: string, fingerprint: string, value: unknown): Promise<void> {
  if (!(await hasCacheTable(db))) return;
  await db.run('INSERT OR REPLACE INTO view_cache (name, fingerprint, json, computed_at) VALUES ($1, $2, $3, current_timestamp)', [name, fingerprint, JSON.stringify(value)]);
}

/** A stored view: its name and the version of its format (bump it when the computation changes). */
export interface ViewSpec<S extends z.ZodType> {
  name: string;
  version: number;
  schema: S;
}

/** The stored view when fresh, else computed now (and stored when `store`, i.e. the engagement is writable). */
export async function cachedView<S extends z.ZodType>(db: EngagementDb, view: ViewSpec<S>, compute: () => Promise<z.output<S>>, opts: { store?: boolean } = {}): Promise<z.output<S>> {
  const fingerprint = `${view.version}|${await viewFingerprint(db)}`;
  const cached = await readView(db, view.name, fingerprint, view.schema);
  if (cached !== null) return cached;
  const value = await compute();
  if (opts.store) await storeView(db, view.name, fingerprint, value);
  return value;
}
