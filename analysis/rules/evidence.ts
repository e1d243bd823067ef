// Evidence: every finding links to the canonical rows that prove it (table, source_id, line). Stored rows
// are capped per finding; evidence_count stays exact. getEvidence joins back to the fact rows.
import { z } from 'zod';
import type { EngagementDb } from '../db/engine';
import { EvidenceRowSchema } from '../api/contract';
import { EVIDENCE_CAP } from './context';

export type EvidenceRow = z.infer<typeof EvidenceRowSchema>;

export { EVIDENCE_CAP };

const FACT_TABLES = new Set(['sessions', 'usage_report', 'usage_daily', 'users', 'subscriptions', 'tokenflex', 'flexnet_events', 'identity_map']);

/** Copies staged evidence (_ev, already capped per batch) into finding_evidence and sets findings.evidence_count. */
export async function saveEvidence(db: EngagementDb, cap = EVIDENCE_CAP): Promise<void> {
  await db.run('DELETE FROM finding_evidence');
  // Only findings with more staged rows than the cap (several batches) need ranking; the rest are copied.
  await db.run(`CREATE OR REPLACE TEMP TABLE _ev_over AS SELECT finding_id FROM _ev GROUP BY finding_id HAVING count(*) > $1`, [cap]);
  await db.run(`INSERT INTO finding_evidence
    SELECT finding_id, table_name, source_id, line, note FROM _ev ANTI JOIN _ev_over USING (finding_id)
    UNION ALL
    SELECT finding_id, table_name, source_id, line, note FROM (
      SELECT e.*, row_number() OVER (PARTITION BY finding_id ORDER BY batch, table_name, source_id, line) AS rn
      FROM _ev e SEMI JOIN _ev_over USING (finding_id)) WHERE rn <= $1`, [cap]);
  await db.run(`UPDATE findings SET evidence_count = c.n FROM (
      SELECT finding_id, sum(n) AS n FROM (SELECT finding_id, batch, max(n) AS n FROM _ev GROUP BY finding_id, batch) GROUP BY finding_id) c
    WHERE findings.finding_id = c.finding_id`);
}

/** The evidence rows of one finding with the values of the fact row each points to. */
export async function getEvidence(db: EngagementDb, findingId: string, limit = EVIDENCE_CAP): Promise<{ total: number; rows: EvidenceRow[] }> {
  const f = await db.one<{ n: number }>('SELECT evidence_count AS n FROM findings WHERE finding_id = $1', [findingId]);
  if (!f) return { total: 0, rows: [] };
  const ev = await db.all<{ table_name: string; source_id: number | null; line: number | null; note: string | null; file: string | null }>(
    `SELECT e.table_name, e.source_id, e.line, e.note, s.file FROM finding_evidence e LEFT JOIN sources s USING (source_id)
     WHERE e.finding_id = $1 ORDER BY e.table_name, e.source_id, e.line LIMIT $2`,
    [findingId, Math.max(1, Math.floor(limit))],
  );
  const values = new Map<string, Record<string, unknown>>();
  for (const table of new Set(ev.map((e) => e.table_name))) {
    if (!FACT_TABLES.has(table)) continue; // table names come from our own rules; never from input
    const rows = await db.all(
      `SELECT t.* EXCLUDE (row_key) FROM ${table} t JOIN (SELECT DISTINCT source_id, line FROM finding_evidence WHERE finding_id = $1 AND table_name = $2) e
       ON t.source_id = e.source_id AND t.line = e.line`,
      [findingId, table],
    );
    for (const r of rows) values.set(`${table}:${String(r.source_id)}:${String(r.line)}`, r);
  }
  return {
    total: Number(f.n),
    rows: ev.map((e) =>
      EvidenceRowSchema.parse({
        table: e.table_name,
        source_id: e.source_id === null ? null : Number(e.source_id),
        file: e.file,
        line: e.line === null ? null : Number(e.line),
        note: e.note,
        values: values.get(`${e.table_name}:${String(e.source_id)}:${String(e.line)}`) ?? {},
      }),
    ),
  };
}
