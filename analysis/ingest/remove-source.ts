// Removes one loaded source: a client's corrected export replaces the first (an updated roster), or a file
// loaded as the wrong kind goes. Its rows, rejects and kept copy go with it, identities are resolved again,
// and the review is marked out of date (engagement.info's changed_since_review).
import { rm } from 'node:fs/promises';
import type { EngagementDb } from '../db/engine';
import { SOURCE_TABLES } from '../db/schema';
import { resolveIdentities } from '../identity';

export interface RemovedSource {
  file: string;
  /** Its rows that were loaded, now removed. */
  rows: number;
  /**
   * Sources loaded after it that skipped rows as duplicates: some may have been duplicates of its rows, and
   * those are loaded by importing the file again.
   */
  import_again: string[];
}

/** Removes source `sourceId` (null when there is none). */
export async function removeSource(db: EngagementDb, sourceId: number): Promise<RemovedSource | null> {
  const src = await db.one<{ file: string; stored_path: string | null; kind: string }>('SELECT file, stored_path, kind FROM sources WHERE source_id = $1', [sourceId]);
  if (!src) return null;
  let rows = 0;
  await db.transaction(async () => {
    for (const table of SOURCE_TABLES) rows += Number((await db.conn.run(`DELETE FROM ${table} WHERE source_id = $1`, [sourceId])).rowsChanged);
    await db.run('DELETE FROM rejects WHERE source_id = $1', [sourceId]);
    await db.run('DELETE FROM log_days WHERE source_id = $1', [sourceId]);
    await db.run('DELETE FROM sources WHERE source_id = $1', [sourceId]);
    await db.audit('sources.remove', { source_id: sourceId, file: src.file, kind: src.kind, rows }, 'analyst');
    // Identities come from the rows loaded (and an identity map's); they are resolved again without these.
    await resolveIdentities(db);
  });
  const later = await db.all<{ file: string }>(
    'SELECT file FROM sources WHERE source_id > $1 AND kind = $2 AND rows_duplicate > 0 ORDER BY source_id',
    [sourceId, src.kind],
  );
  // The kept copy goes unless another source (the same bytes under the same name) keeps it too.
  if (src.stored_path) {
    const shared = await db.one('SELECT 1 AS x FROM sources WHERE stored_path = $1', [src.stored_path]);
    if (!shared) await rm(src.stored_path, { force: true });
  }
  return { file: src.file, rows, import_again: later.map((r) => r.file) };
}
