// Licence servers as sites: a FlexNet log is one server's telemetry (RULES.md telemetry_gap counts holes per site).
// A server is named by its log's banner ("started on LIC01"), else by its file. Used by the telemetry gap signal and
// by Data quality's calendar, so both name a server the same way.
import type { EngagementDb } from '../db/engine';
import { SERVER_NOTE, sourceNotes } from '../ingest/normalise';

export const SERVER_SITE_PREFIX = 'licence server ';

/** Fills temp table _server_site (source_id, site) with each loaded FlexNet log's server; returns how many logs. */
export async function writeServerSites(db: EngagementDb): Promise<number> {
  await db.run(`CREATE OR REPLACE TEMP TABLE _server_site (source_id INTEGER, site VARCHAR)`);
  const logs = await db.all<{ source_id: number; file: string; notes: string | null }>(`SELECT source_id, file, CAST(notes AS VARCHAR) AS notes FROM sources WHERE kind = 'flexnet_log'`);
  for (const log of logs) {
    const server = sourceNotes(log.notes).find((n) => n.startsWith(SERVER_NOTE))?.slice(SERVER_NOTE.length);
    await db.run(`INSERT INTO _server_site VALUES ($1, $2)`, [Number(log.source_id), `${SERVER_SITE_PREFIX}${server ?? log.file}`]);
  }
  return logs.length;
}
