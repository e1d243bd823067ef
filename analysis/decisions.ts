// The analyst's decisions per finding (action, owner, due date, justification), saved as they are made,
// keyed by stable finding id so they carry into next quarter's engagement.
import { EngagementDb } from './db/engine';
import { DecisionActionSchema, DecisionSchema, type Decision } from './api/contract';
import { z } from 'zod';

export const DecisionInputSchema = z.object({
  action: DecisionActionSchema,
  owner: z.string().max(200).nullable(),
  due_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable(),
  justification: z.string().max(4000).nullable(),
});
export type DecisionInput = z.infer<typeof DecisionInputSchema>;

async function insertDecisions(db: EngagementDb, rows: Array<[string, string, string | null, string | null, string | null, string | null]>): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500);
    const ph = batch.map((_, r) => `($${r * 6 + 1}, $${r * 6 + 2}, $${r * 6 + 3}, CAST($${r * 6 + 4} AS DATE), $${r * 6 + 5}, current_timestamp, $${r * 6 + 6})`).join(', ');
    await db.run(`INSERT OR REPLACE INTO decisions (finding_id, action, owner, due_date, justification, updated_at, carried_from) VALUES ${ph}`, batch.flat());
  }
}

/** Sets one decision on every given finding; returns how many were saved. */
export async function setDecisions(db: EngagementDb, findingIds: string[], input: DecisionInput): Promise<number> {
  const d = DecisionInputSchema.parse(input);
  const ids = [...new Set(findingIds)];
  await db.transaction(async () => {
    await insertDecisions(db, ids.map((id) => [id, d.action, d.owner, d.due_date, d.justification, null]));
    await db.audit('decisions.set', { count: ids.length, action: d.action, owner: d.owner, due_date: d.due_date }, 'analyst');
  });
  return ids.length;
}

/**
 * Puts decisions back as they were before a change (the app's Undo of a decision applied to many findings): these
 * rows again, with their own times and carried-from marks, and no decision on the findings in `none`.
 */
export async function restoreDecisions(db: EngagementDb, rows: Decision[], none: string[]): Promise<number> {
  const back = rows.map((r) => DecisionSchema.parse(r));
  await db.transaction(async () => {
    for (let i = 0; i < none.length; i += 500) {
      const batch = none.slice(i, i + 500);
      await db.run(`DELETE FROM decisions WHERE finding_id IN (${batch.map((_, k) => `$${k + 1}`).join(', ')})`, batch);
    }
    for (let i = 0; i < back.length; i += 500) {
      const batch = back.slice(i, i + 500);
      const ph = batch.map((_, r) => `($${r * 7 + 1}, $${r * 7 + 2}, $${r * 7 + 3}, CAST($${r * 7 + 4} AS DATE), $${r * 7 + 5}, coalesce(CAST($${r * 7 + 6} AS TIMESTAMP), current_timestamp), $${r * 7 + 7})`).join(', ');
      await db.run(
        `INSERT OR REPLACE INTO decisions (finding_id, action, owner, due_date, justification, updated_at, carried_from) VALUES ${ph}`,
        batch.flatMap((d) => [d.finding_id, d.action, d.owner, d.due_date, d.justification, d.updated_at ?? null, d.carried_from ?? null]),
      );
    }
    await db.audit('decisions.restore', { restored: back.length, cleared: none.length }, 'analyst');
  });
  return back.length + none.length;
}

const DECISION_COLUMNS = `finding_id, action, owner, CAST(due_date AS VARCHAR) AS due_date, justification, CAST(updated_at AS VARCHAR) AS updated_at, carried_from`;

export async function listDecisions(db: EngagementDb): Promise<Decision[]> {
  const rows = await db.all(`SELECT ${DECISION_COLUMNS} FROM decisions ORDER BY finding_id`);
  return rows.map((r) => DecisionSchema.parse(r));
}

/** The decisions these findings hold now, as stored (a change's Undo puts them back exactly). */
export async function decisionsOf(db: EngagementDb, findingIds: string[]): Promise<Decision[]> {
  const out: Decision[] = [];
  for (let i = 0; i < findingIds.length; i += 500) {
    const batch = findingIds.slice(i, i + 500);
    const rows = await db.all(`SELECT ${DECISION_COLUMNS} FROM decisions WHERE finding_id IN (${batch.map((_, k) => `$${k + 1}`).join(', ')}) ORDER BY finding_id`, batch);
    out.push(...rows.map((r) => DecisionSchema.parse(r)));
  }
  return out;
}

export async function clearDecisions(db: EngagementDb, findingIds: string[]): Promise<number> {
  const ids = [...new Set(findingIds)];
  let cleared = 0;
  await db.transaction(async () => {
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const ph = batch.map((_, k) => `$${k + 1}`).join(', ');
      const n = await db.one<{ n: number }>(`SELECT count(*) AS n FROM decisions WHERE finding_id IN (${ph})`, batch);
      cleared += Number(n?.n ?? 0);
      await db.run(`DELETE FROM decisions WHERE finding_id IN (${ph})`, batch);
    }
    await db.audit('decisions.clear', { count: cleared }, 'analyst');
  });
  return cleared;
}

export async function asOfOf(db: EngagementDb): Promise<string | null> {
  const r = await db.one<{ d: string | null }>('SELECT CAST(as_of AS VARCHAR) AS d FROM review_runs ORDER BY run_id DESC LIMIT 1');
  return r?.d ?? null;
}

async function withDb<T>(from: string | EngagementDb, fn: (db: EngagementDb) => Promise<T>): Promise<T> {
  if (typeof from !== 'string') return fn(from);
  const db = await EngagementDb.open(from, { readOnly: true });
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

/**
 * Copies last quarter's decisions into this engagement for findings that are still present (same id),
 * leaving decisions already made here untouched. carried_from names the previous review (its as_of, else its file).
 */
export async function carryDecisions(from: string | EngagementDb, to: EngagementDb): Promise<number> {
  const { prev, label } = await withDb(from, async (p) => ({ prev: await listDecisions(p), label: (await asOfOf(p)) ?? p.path }));
  if (prev.length === 0) return 0;
  const rows = (await decisionsToCarry(prev, to))
    .map((d): [string, string, string | null, string | null, string | null, string | null] => [d.finding_id, d.action, d.owner, d.due_date, d.justification, label]);
  await to.transaction(async () => {
    await insertDecisions(to, rows);
    await to.audit('decisions.carry', { from: label, carried: rows.length });
  });
  return rows.length;
}

/** Of last quarter's decisions, those on findings still present here and undecided here: what a carry-over copies. */
async function decisionsToCarry<D extends Pick<Decision, 'finding_id'>>(prev: D[], to: EngagementDb): Promise<D[]> {
  const present = new Set((await to.all<{ id: string }>('SELECT finding_id AS id FROM findings')).map((r) => r.id));
  const mine = new Set((await to.all<{ id: string }>('SELECT finding_id AS id FROM decisions')).map((r) => r.id));
  return prev.filter((d) => present.has(d.finding_id) && !mine.has(d.finding_id));
}

/** What a resolved finding was, as last quarter's engagement recorded it (it is not in this quarter's findings). */
export interface ResolvedFinding {
  finding_id: string;
  type: string;
  family: string;
  user: string | null;
  product: string | null;
  offering: string | null;
  annual_value: number;
  detail: string | null;
  /**
   * Whether the finding's user is anywhere in this quarter's data (a user list, the usage report, any usage):
   * false tells "the person left" from "the seat was reclaimed" or "the gap was closed". Null without a user.
   */
  user_in_data: boolean | null;
}

/** Last quarter's decision on a finding, as its engagement recorded it. */
export type PreviousDecision = Pick<Decision, 'finding_id' | 'action' | 'owner' | 'due_date' | 'justification'>;

/** Findings new, resolved and still open since the previous engagement (by stable finding id), with last quarter's decisions. */
export async function compareWithPrevious(
  prevDb: EngagementDb,
  db: EngagementDb,
): Promise<{
  previous_as_of: string | null;
  new: string[];
  resolved: string[];
  still_open: string[];
  resolved_findings: ResolvedFinding[];
  previous_values: Array<{ finding_id: string; annual_value: number }>;
  previous_decisions: PreviousDecision[];
  carryable: number;
}> {
  // Largest value first (then by id), so each list opens on what matters most.
  const values = async (d: EngagementDb) =>
    new Map((await d.all<{ id: string; v: number }>('SELECT finding_id AS id, annual_value AS v FROM findings ORDER BY annual_value DESC, finding_id')).map((r) => [r.id, Number(r.v)]));
  const before = await values(prevDb);
  const now = await values(db);
  const resolved = [...before.keys()].filter((id) => !now.has(id));
  const stillOpen = [...now.keys()].filter((id) => before.has(id));
  const prevAll = await listDecisions(prevDb);
  const previousDecisions = prevAll.filter((d) => before.has(d.finding_id));
  // Read from last quarter's engagement (the findings table is the same in every schema version), largest first.
  const rows = await prevDb.all<Omit<ResolvedFinding, 'user_in_data'> & Record<string, unknown>>(
    `SELECT finding_id, type, family, "user", product, offering, annual_value, detail FROM findings
     WHERE list_contains(string_split($1, chr(31)), finding_id) ORDER BY annual_value DESC, finding_id`,
    [resolved.join('\u001f')],
  );
  // Which of the resolved findings' users this quarter's data still names at all.
  const users = [...new Set(rows.map((r) => r.user).filter((u): u is string => typeof u === 'string'))];
  const present = new Set(
    users.length === 0
      ? []
      : (
          await db.all<{ u: string }>(
            `WITH wanted AS (SELECT unnest(string_split($1, chr(31))) AS u)
             SELECT u FROM wanted w WHERE EXISTS (SELECT 1 FROM users x WHERE x."user" = w.u) OR EXISTS (SELECT 1 FROM usage_report x WHERE x."user" = w.u)
               OR EXISTS (SELECT 1 FROM sessions x WHERE x."user" = w.u) OR EXISTS (SELECT 1 FROM usage_daily x WHERE x."user" = w.u)
               OR EXISTS (SELECT 1 FROM tokenflex x WHERE x."user" = w.u)`,
            [users.join('\u001f')],
          )
        ).map((r) => r.u),
  );
  return {
    previous_as_of: await asOfOf(prevDb),
    new: [...now.keys()].filter((id) => !before.has(id)),
    resolved,
    still_open: stillOpen,
    resolved_findings: rows.map((r) => ({ ...r, annual_value: Number(r.annual_value), user_in_data: r.user === null ? null : present.has(r.user) })),
    // What a still-open finding was worth then, where that differs from now.
    previous_values: stillOpen.filter((id) => before.get(id) !== now.get(id)).map((id) => ({ finding_id: id, annual_value: before.get(id)! })),
    previous_decisions: previousDecisions.map(({ finding_id, action, owner, due_date, justification }) => ({ finding_id, action, owner, due_date, justification })),
    // Counted as carryDecisions chooses them, so the offer and the carry agree.
    carryable: (await decisionsToCarry(prevAll, db)).length,
  };
}
