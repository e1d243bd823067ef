// Renewal brief (RULES.md "Renewal brief"): one row per offering under contract at D (a subscription line
// whose term contains D), with monthly active users against seats over the lookback for the chart.
import { z } from 'zod';
import type { EngagementDb } from '../db/engine';
import type { RuleContext } from './context';
import { RenewalRowSchema } from '../api/contract';
import { loadCatalogue } from '../catalogue/catalogue';

export type RenewalRow = z.infer<typeof RenewalRowSchema>;

/** Created on demand (additive to schema.ts): monthly active users vs seats per offering. */
export const RENEWAL_MONTHLY_DDL = `CREATE TABLE IF NOT EXISTS renewal_monthly (offering VARCHAR NOT NULL, month VARCHAR NOT NULL, active_users BIGINT NOT NULL, seats DOUBLE NOT NULL)`;

/** Stages _rb (brief) and _rm (monthly); runs after savings and gaps (it reads their findings). */
export async function runRenewal(ctx: RuleContext): Promise<void> {
  const { db } = ctx;
  await db.run(`CREATE OR REPLACE TEMP TABLE _contract AS
    SELECT offering, CAST(sum(seats) AS DOUBLE) AS seats FROM _e, _p WHERE offering IS NOT NULL AND s <= _p.d AND e >= _p.d GROUP BY offering`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _rm AS
    WITH months AS (
      SELECT CAST(m AS DATE) AS m, CAST(m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS m_end FROM _p,
        unnest(generate_series(CAST(date_trunc('month', _p.lb_start + 1) AS TIMESTAMP), CAST(date_trunc('month', _p.d) AS TIMESTAMP), INTERVAL 1 MONTH)) t(m)),
    has_assign AS (SELECT DISTINCT offering FROM _a),
    -- A month counts when some usage day of it lies in (lb_start, D]: no month holds both ends of the lookback,
    -- so its last day after the start and its first day up to D say exactly that.
    monthly_use AS (
      SELECT usr, product, m FROM _upm, _p WHERE last_day > _p.lb_start AND first_day <= _p.d),
    used AS (
      SELECT DISTINCT c.offering, mu.m, mu.usr FROM monthly_use mu JOIN _covers c ON c.product = mu.product JOIN _contract k ON k.offering = c.offering),
    -- Offerings with assignments count their assigned users; others (network, Flex) everyone using a covered product.
    users_in_month AS (
      SELECT DISTINCT u.offering, u.m, u.usr FROM used u JOIN months USING (m)
        JOIN _a a ON a.usr = u.usr AND a.offering = u.offering
          AND coalesce(a.assigned, DATE '0001-01-01') <= months.m_end AND (a.unassigned IS NULL OR a.unassigned > months.m)
      UNION ALL
      SELECT u.offering, u.m, u.usr FROM used u WHERE u.offering NOT IN (SELECT offering FROM has_assign)),
    active AS (SELECT offering, m, count(*) AS users FROM users_in_month GROUP BY ALL),
    seats AS (
      SELECT k.offering, months.m, coalesce(sum(e.seats), 0) AS seats
      FROM _contract k CROSS JOIN months LEFT JOIN _e e ON e.offering = k.offering AND e.s <= least(months.m_end, (SELECT d FROM _p)) AND e.e >= least(months.m_end, (SELECT d FROM _p))
      GROUP BY ALL)
    SELECT s.offering, s.m, months.m_end, coalesce(a.users, 0) AS active_users, s.seats, months.m_end <= (SELECT d FROM _p) AS complete
    FROM seats s JOIN months USING (m) LEFT JOIN active a ON a.offering = s.offering AND a.m = s.m`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _rb AS
    WITH ranked AS (
      SELECT offering, active_users, row_number() OVER (PARTITION BY offering ORDER BY m DESC) AS k FROM _rm WHERE complete),
    stats AS (
      SELECT offering, max(active_users) FILTER (WHERE k <= 6) AS peak,
        avg(active_users) FILTER (WHERE k <= 3) AS recent, avg(active_users) FILTER (WHERE k BETWEEN 4 AND 6) AS before
      FROM ranked GROUP BY offering),
    assigned AS (SELECT offering, count(*) AS n FROM _aa GROUP BY offering),
    act AS (
      SELECT aa.offering, count(DISTINCT aa.usr) AS n FROM _aa aa, _p
      WHERE EXISTS (SELECT 1 FROM _last_up x JOIN _covers c ON c.product = x.product
                    WHERE x.usr = aa.usr AND c.offering = aa.offering AND x.last_day > _p.d_dd)
      GROUP BY aa.offering),
    lowf AS (
      SELECT aa.offering, count(DISTINCT aa.usr) AS n FROM _aa aa JOIN _f f ON f.usr = aa.usr AND f.type = 'low_frequency_user' GROUP BY aa.offering),
    -- Each gap line counts for one offering only, so the increases add up to the register's units: its own
    -- offering when that is under contract, else the offering under contract that covers its product (the
    -- product itself first, then the one with the most seats).
    gap_to AS (
      SELECT f.units, coalesce(
          (SELECT k.offering FROM _contract k WHERE k.offering = f.offering),
          (SELECT arg_min(c.offering, (c.offering <> f.product, -k.seats, c.offering)) FROM _covers c JOIN _contract k ON k.offering = c.offering WHERE c.product = f.product)) AS offering
      FROM _f f WHERE f.family = 'gap'),
    gaps AS (SELECT offering, sum(units) AS units FROM gap_to WHERE offering IS NOT NULL GROUP BY offering),
    -- Denials are network seats running out: they count for offerings with a network line in term at D.
    den AS (
      SELECT k.offering, count(*) AS n FROM _contract k JOIN _covers c ON c.offering = k.offering JOIN _den d ON d.product = c.product AND d.is_true
      WHERE k.offering IN (SELECT e.offering FROM _e e, _p WHERE e.model = 'network' AND e.s <= _p.d AND e.e >= _p.d)
      GROUP BY k.offering),
    -- Seats of the offering held by dormant users or unused (the Reclamation list): reassign before buying.
    idle AS (SELECT offering, count(DISTINCT usr) AS n FROM _claimed WHERE claimed_by IN ('dormant_user', 'unused_assignment') GROUP BY offering),
    -- A Flex token pool is sized by tokens, not by users against seats: tokens bought on the lines in term at D
    -- against tokens used in the 12 months to D (the Token Flex export when loaded, else Flex rows of daily usage).
    flex AS (
      SELECT e.offering, sum(coalesce(e.tokens, 0)) AS bought FROM _e e, _p
      WHERE e.model = 'flex' AND e.offering IS NOT NULL AND e.s <= _p.d AND e.e >= _p.d
      GROUP BY e.offering),
    flex_used AS (
      SELECT CASE WHEN EXISTS (SELECT 1 FROM tokenflex)
        THEN (SELECT sum(tokens) FROM tokenflex t, _p WHERE t.usage_date > _p.d - INTERVAL 12 MONTH AND t.usage_date <= _p.d)
        ELSE (SELECT sum(tokens) FROM usage_daily u, _p WHERE u.licence_type = 'flex' AND u.day > _p.d - INTERVAL 12 MONTH AND u.day <= _p.d) END AS used)
    SELECT k.offering, k.seats, coalesce(assigned.n, 0) AS active_assignments, coalesce(act.n, 0) AS active_users,
      coalesce(stats.peak, 0) AS peak, CASE WHEN coalesce(stats.before, 0) > 0 THEN stats.recent / stats.before END AS trend,
      coalesce(den.n, 0) AS true_denials, coalesce(gaps.units, 0) AS gap_units, coalesce(lowf.n, 0) AS low_frequency_users,
      CAST(ceil(coalesce(stats.peak, 0) * (1 + _p.buf)) AS DOUBLE) AS needed,
      flex.offering IS NOT NULL AS flex_pool, coalesce(flex.bought, 0) AS tokens_bought, coalesce(flex_used.used, 0) AS tokens_used,
      coalesce(idle.n, 0) AS idle_seats
    FROM _contract k LEFT JOIN stats USING (offering) LEFT JOIN assigned USING (offering) LEFT JOIN act USING (offering)
      LEFT JOIN lowf USING (offering) LEFT JOIN gaps USING (offering) LEFT JOIN den USING (offering) LEFT JOIN flex USING (offering) LEFT JOIN idle USING (offering), flex_used, _p`);
}

/** Writes the staged brief into renewal_brief / renewal_monthly (inside the review's transaction). */
export async function saveRenewal(db: EngagementDb): Promise<void> {
  await db.run(RENEWAL_MONTHLY_DDL);
  await db.run('DELETE FROM renewal_brief');
  await db.run('DELETE FROM renewal_monthly');
  await db.run(`INSERT INTO renewal_brief
    SELECT offering, seats, active_assignments, active_users, peak, trend, true_denials,
      CASE WHEN flex_pool THEN 'keep' WHEN gap_units > 0 THEN 'increase' WHEN needed < seats THEN 'reduce'
           WHEN active_assignments > 0 AND low_frequency_users >= 0.25 * active_assignments THEN 'convert_to_flex' ELSE 'keep' END,
      CASE WHEN flex_pool THEN seats WHEN gap_units > 0 THEN seats + gap_units WHEN needed < seats THEN needed
           WHEN active_assignments > 0 AND low_frequency_users >= 0.25 * active_assignments THEN seats - low_frequency_users ELSE seats END,
      CASE WHEN flex_pool THEN printf('Flex token pool, sized by tokens: %s of %s tokens used in the 12 months to the review date', format('{:,}', CAST(round(tokens_used) AS BIGINT)), format('{:,}', CAST(round(tokens_bought) AS BIGINT)))
             || CASE WHEN tokens_bought > 0 THEN printf(' (%d%%)', CAST(round(100 * tokens_used / tokens_bought) AS BIGINT)) ELSE '' END
             || CASE WHEN tokens_used > tokens_bought THEN '; more were used than bought: size the next pool on use' ELSE '' END
           WHEN gap_units > 0 THEN printf('the gap register holds %s for its products', plural(CAST(gap_units AS BIGINT), 'unit'))
             || CASE WHEN idle_seats > 0 THEN printf('; %d of its seats %s idle (Reclamation list) and can be reassigned before buying more', idle_seats, CASE WHEN idle_seats = 1 THEN 'is' ELSE 'are' END) ELSE '' END
           WHEN needed < seats THEN printf('peak %d monthly active users over the last six complete months plus %g%% buffer needs %g of %g seats', peak, CAST(buf * 100 AS DOUBLE), CAST(needed AS DOUBLE), CAST(seats AS DOUBLE))
           WHEN active_assignments > 0 AND low_frequency_users >= 0.25 * active_assignments THEN printf('%d of %d assigned users are low-frequency users', low_frequency_users, active_assignments)
           ELSE 'seats match use' END
    FROM _rb, (SELECT buf FROM _p)`);
  await db.run(`INSERT INTO renewal_monthly SELECT offering, strftime(m, '%Y-%m'), active_users, seats FROM _rm`);
}

/** One offering of the stored brief with the analyst's target, if they set one that differs from the engine's. */
export type BriefRow = {
  offering: string; seats: number | null; active_assignments: number | null; active_users: number | null; peak_monthly_active: number | null;
  trend: number | null; true_denials: number | null; recommendation: string;
  /** The engine's recommended quantity and its reason. */
  target_quantity: number | null; reason: string | null;
  analyst_target: number | null;
};

/**
 * The stored brief with the analyst's renewal targets: the one reading the Renewal step, the workbook and the
 * pack's report share. A target saved equal to the recommendation is no target of the analyst's.
 */
export async function renewalBrief(db: EngagementDb): Promise<BriefRow[]> {
  // An engagement from before the targets (schema 1), opened read-only, has no such table.
  const hasTargets = await db.one(`SELECT 1 AS x FROM information_schema.tables WHERE table_name = 'renewal_targets'`);
  if (!hasTargets) return db.all<BriefRow>('SELECT *, CAST(NULL AS DOUBLE) AS analyst_target FROM renewal_brief ORDER BY offering');
  return db.all<BriefRow>(`SELECT b.*, CASE WHEN t.target_quantity <> b.target_quantity THEN CAST(t.target_quantity AS DOUBLE) END AS analyst_target
    FROM renewal_brief b LEFT JOIN renewal_targets t USING (offering) ORDER BY b.offering`);
}

/** The brief as exported (workbook, report): the analyst's target in force, and the reason saying so with the recommendation. */
export async function exportedBrief(db: EngagementDb): Promise<Omit<BriefRow, 'analyst_target'>[]> {
  return (await renewalBrief(db)).map(({ analyst_target, ...b }) =>
    analyst_target === null || analyst_target === undefined
      ? b
      : { ...b, target_quantity: analyst_target, reason: `${b.reason ?? ''}; the analyst set the target to ${analyst_target} (recommended ${Number(b.target_quantity ?? 0)})` },
  );
}

/** The renewal brief with its monthly series (the UI charts it), with the analyst's targets applied. */
export async function getRenewal(db: EngagementDb, names: (code: string) => string = (c) => loadCatalogue().get(c)?.name ?? c): Promise<RenewalRow[]> {
  // Read-only engagements (auditor mode) cannot create the table; an engagement never reviewed has none.
  const has = await db.one(`SELECT 1 AS x FROM information_schema.tables WHERE table_name = 'renewal_monthly'`);
  const brief = await renewalBrief(db);
  const monthly = has ? await db.all<{ offering: string; month: string; active_users: number; seats: number }>('SELECT * FROM renewal_monthly ORDER BY offering, month') : [];
  const byOffering = new Map<string, Array<{ month: string; active_users: number; seats: number }>>();
  for (const m of monthly) {
    const list = byOffering.get(m.offering) ?? [];
    list.push({ month: m.month, active_users: Number(m.active_users), seats: Number(m.seats) });
    byOffering.set(m.offering, list);
  }
  return brief.map((b) =>
    RenewalRowSchema.parse({
      offering: b.offering,
      name: names(b.offering),
      seats: Number(b.seats ?? 0),
      active_assignments: Number(b.active_assignments ?? 0),
      active_users: Number(b.active_users ?? 0),
      peak_monthly_active: Number(b.peak_monthly_active ?? 0),
      trend: b.trend === null ? null : Number(b.trend),
      true_denials: Number(b.true_denials ?? 0),
      recommendation: b.recommendation,
      target_quantity: Number(b.analyst_target ?? b.target_quantity ?? 0),
      recommended_quantity: Number(b.target_quantity ?? 0),
      set_by_analyst: b.analyst_target !== null && b.analyst_target !== undefined,
      reason: b.reason ?? '',
      monthly: byOffering.get(b.offering) ?? [],
    }),
  );
}
