// Renewal brief (RULES.md "Renewal brief"): one row per offering under contract at D (a subscription line
// whose term contains D), with monthly active users against seats over the lookback for the chart.
import { z } from 'zod';
import type { EngagementDb } from '../db/engine';
import type { RuleContext } from './context';
import { RenewalRowSchema } from '../api/contract';
import { loadCatalogue } from '../catalogue/catalogue';
import { LICENCE_MODEL_LABELS, renewalMeasure } from '../model';

export type RenewalRow = z.infer<typeof RenewalRowSchema>;

/** The Flex tokens used, day by day and product: the Token Flex export when loaded, else the Flex rows of daily usage. */
const TOKENS_USED = `SELECT usage_date AS day, product, tokens FROM tokenflex
  UNION ALL SELECT day, product, tokens FROM usage_daily WHERE licence_type = 'flex' AND NOT EXISTS (SELECT 1 FROM tokenflex)`;

/** Tokens used per product in the 12 months to the last review's date (what a Flex pool is judged on), most first. */
export async function tokensByProduct(db: EngagementDb, names: (code: string) => string): Promise<Array<{ product: string; name: string; tokens: number }>> {
  if (!(await hasTable(db, 'review_runs'))) return [];
  const rows = await db.all<{ product: string; tokens: number }>(
    `WITH d AS (SELECT as_of AS d FROM review_runs ORDER BY run_id DESC LIMIT 1)
     SELECT t.product, sum(t.tokens) AS tokens FROM (${TOKENS_USED}) t, d
     WHERE t.day > d.d - INTERVAL 12 MONTH AND t.day <= d.d AND t.product IS NOT NULL
     GROUP BY t.product HAVING sum(t.tokens) > 0 ORDER BY tokens DESC, t.product`,
  );
  return rows.map((r) => ({ product: r.product, name: names(r.product), tokens: Number(r.tokens) }));
}

/**
 * Created on demand (additive to schema.ts), rewritten by every review: monthly active users vs seats per
 * renewal line. Engagements reviewed before lines were split by licence model key it by `offering`.
 */
export const RENEWAL_MONTHLY_DDL = `CREATE TABLE renewal_monthly (line VARCHAR NOT NULL, month VARCHAR NOT NULL, active_users BIGINT NOT NULL, seats DOUBLE NOT NULL)`;

/**
 * Stages _contract (the renewal lines), _rb (brief) and _rm (monthly); runs after savings and gaps (it reads
 * their findings). A renewal line is an offering's seats of one licence model in term at D: AutoCAD's 70 Named
 * User seats and its 6 network seats are renewed apart. An offering's main line (Named User, else the model
 * with the most seats) is keyed by its code and carries what assignments say (assigned, active and
 * low-frequency users, idle seats) and every gap but network over-use; another line is keyed `<code>:<model>`
 * and counts the users whose usage claims that model. An offering with one line reads as before.
 */
export async function runRenewal(ctx: RuleContext): Promise<void> {
  const { db } = ctx;
  await db.run(`CREATE OR REPLACE TEMP TABLE _contract AS
    WITH l AS (
      SELECT offering, model, CAST(sum(seats) AS DOUBLE) AS seats FROM _e, _p WHERE offering IS NOT NULL AND s <= _p.d AND e >= _p.d GROUP BY offering, model),
    r AS (SELECT *, row_number() OVER (PARTITION BY offering ORDER BY model <> 'named_user', seats DESC, model) = 1 AS main FROM l)
    SELECT CASE WHEN main THEN offering ELSE offering || ':' || model END AS line, offering, model, seats, main FROM r`);
  // Users per month on the lines that are not their offering's main one, by the licence their usage claims
  // (a network line: FlexNet check-outs and sessions claiming a network licence). Read only when such lines exist.
  // Their active users are those claiming it in the last dormant_days (the line has no assignments).
  // Network claims are flagged in _upd (one pass over the usage already made); another model's lines, rare, scan the rows.
  await db.run(`CREATE OR REPLACE TEMP TABLE _claim_ud (line VARCHAR, m DATE, usr VARCHAR, last_day DATE)`);
  const others = await db.all<{ model: string }>(`SELECT DISTINCT model FROM _contract WHERE NOT main`);
  if (others.some((o) => o.model === 'network')) {
    await db.run(`INSERT INTO _claim_ud
      SELECT k.line, CAST(date_trunc('month', u.day) AS DATE) AS m, u.usr, max(u.day)
      FROM _upd u JOIN _covers c ON c.product = u.product JOIN _contract k ON k.offering = c.offering AND NOT k.main AND k.model = 'network', _p
      WHERE u.network AND u.usr IS NOT NULL AND u.day > _p.lb_start AND u.day <= _p.d
      GROUP BY ALL`);
  }
  if (others.some((o) => o.model !== 'network')) {
    await db.run(`INSERT INTO _claim_ud
      SELECT k.line, CAST(date_trunc('month', u.day) AS DATE) AS m, u.usr, max(u.day)
      FROM _u_days u JOIN _covers c ON c.product = u.product JOIN _contract k ON k.offering = c.offering AND NOT k.main AND k.model <> 'network' AND k.model = u.claim, _p
      WHERE u.usr IS NOT NULL AND u.day > _p.lb_start AND u.day <= _p.d
      GROUP BY ALL`);
  }
  await db.run(`CREATE OR REPLACE TEMP VIEW _rm_claim AS SELECT line, m, usr FROM _claim_ud`);
  await db.run(`CREATE OR REPLACE TEMP VIEW _tokens AS ${TOKENS_USED}`);
  // Whole months a subscription line's term covers (a line's tokens are bought for its whole term).
  await db.run(`CREATE OR REPLACE TEMP MACRO term_months(s, e) AS greatest(1, date_diff('month', s, CAST(e + INTERVAL 1 DAY AS DATE)))`);
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
      SELECT DISTINCT k.line, c.offering, mu.m, mu.usr FROM monthly_use mu JOIN _covers c ON c.product = mu.product JOIN _contract k ON k.offering = c.offering AND k.main),
    -- Main lines of offerings with assignments count their assigned users; others (network, Flex) everyone using
    -- a covered product; the other lines the users claiming their model (_rm_claim).
    users_in_month AS (
      SELECT DISTINCT u.line, u.m, u.usr FROM used u JOIN months USING (m)
        JOIN _a a ON a.usr = u.usr AND a.offering = u.offering
          AND coalesce(a.assigned, DATE '0001-01-01') <= months.m_end AND (a.unassigned IS NULL OR a.unassigned > months.m)
      UNION ALL
      SELECT u.line, u.m, u.usr FROM used u WHERE u.offering NOT IN (SELECT offering FROM has_assign)
      UNION ALL
      SELECT line, m, usr FROM _rm_claim),
    -- A network line is sized by how many sessions run at once, not by how many people use it in a month: its
    -- monthly figure is the month's peak of network seats in use at once (one per user and host) in the line's own
    -- pool (_net_daily, by offering: AutoCAD's own sessions count for the AutoCAD line, not the Collection's).
    net_peak AS (
      SELECT k.line, CAST(date_trunc('month', n.day) AS DATE) AS m, max(n.peak) AS users
      FROM _contract k JOIN _net_daily n ON n.product = k.offering, _p
      WHERE k.model = 'network' AND n.day > _p.lb_start AND n.day <= _p.d GROUP BY ALL),
    -- A Flex token pool's monthly figure is the tokens used in the month, against its seats' counterpart: the tokens
    -- bought, spread over the line's term.
    flex_tokens AS (
      SELECT k.line, CAST(date_trunc('month', t.day) AS DATE) AS m, CAST(round(sum(t.tokens)) AS BIGINT) AS users
      FROM _contract k, _tokens t, _p
      WHERE k.model = 'flex' AND t.day > _p.lb_start AND t.day <= _p.d GROUP BY ALL),
    active AS (
      SELECT line, m, count(*) AS users FROM users_in_month WHERE line NOT IN (SELECT line FROM _contract WHERE model IN ('network', 'flex')) GROUP BY ALL
      UNION ALL SELECT line, m, users FROM net_peak
      UNION ALL SELECT line, m, users FROM flex_tokens),
    seats AS (
      SELECT k.line, months.m, CASE WHEN k.model = 'flex' THEN coalesce(sum(e.tokens / term_months(e.s, e.e)), 0) ELSE coalesce(sum(e.seats), 0) END AS seats
      FROM _contract k CROSS JOIN months LEFT JOIN _e e ON e.offering = k.offering AND e.model = k.model
        AND e.s <= least(months.m_end, (SELECT d FROM _p)) AND e.e >= least(months.m_end, (SELECT d FROM _p))
      GROUP BY k.line, k.model, months.m)
    SELECT s.line, s.m, months.m_end, coalesce(a.users, 0) AS active_users, s.seats, months.m_end <= (SELECT d FROM _p) AS complete
    FROM seats s JOIN months USING (m) LEFT JOIN active a ON a.line = s.line AND a.m = s.m`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _rb AS
    -- Months before the first month with usage in any source hold no data, not zero use: a trend against them read x3.00.
    WITH first_m AS (SELECT CAST(date_trunc('month', min(day)) AS DATE) AS fm FROM _upd),
    ranked AS (
      SELECT line, active_users, row_number() OVER (PARTITION BY line ORDER BY m DESC) AS k FROM _rm, first_m WHERE complete AND m >= coalesce(first_m.fm, m)),
    stats AS (
      SELECT line, max(active_users) FILTER (WHERE k <= 6) AS peak,
        avg(active_users) FILTER (WHERE k <= 3) AS recent, avg(active_users) FILTER (WHERE k BETWEEN 4 AND 6) AS before
      FROM ranked GROUP BY line),
    -- What assignments say belongs to the offering's main line.
    assigned AS (SELECT offering, count(*) AS n FROM _aa GROUP BY offering),
    -- A network line's users are those holding its own pool's seats (the sessions _ns assigns to it), not everyone
    -- using a product it covers: AutoCAD taken through the Collection's package is a Collection user.
    claim_act AS (
      SELECT line, count(DISTINCT usr) AS n FROM _claim_ud, _p WHERE last_day > _p.d_dd AND line NOT IN (SELECT line FROM _contract WHERE model = 'network') GROUP BY line
      UNION ALL
      SELECT k.line, count(DISTINCT s.usr) FROM _contract k JOIN _ns s ON s.product = k.offering, _p
      WHERE k.model = 'network' AND s.usr IS NOT NULL AND CAST(s.st AS DATE) > _p.d_dd GROUP BY k.line),
    act AS (
      SELECT aa.offering, count(DISTINCT aa.usr) AS n FROM _aa aa, _p
      WHERE EXISTS (SELECT 1 FROM _last_up x JOIN _covers c ON c.product = x.product
                    WHERE x.usr = aa.usr AND c.offering = aa.offering AND x.last_day > _p.d_dd)
      GROUP BY aa.offering),
    lowf AS (
      SELECT aa.offering, count(DISTINCT aa.usr) AS n FROM _aa aa JOIN _f f ON f.usr = aa.usr AND f.type = 'low_frequency_user' GROUP BY aa.offering),
    -- Each gap line counts for one offering only, so the increases add up to the register's units: its own
    -- offering when that is under contract, else the offering under contract that covers its product (the
    -- product itself first, then the one with the most seats). Network over-use goes to that offering's
    -- network line, every other gap to its main line.
    offering_seats AS (SELECT offering, sum(seats) AS seats FROM _contract GROUP BY offering),
    gap_to AS (
      SELECT f.units, f.last_seen, f.type = 'network_over_use' AS net, coalesce(
          (SELECT k.offering FROM offering_seats k WHERE k.offering = f.offering),
          (SELECT arg_min(c.offering, (c.offering <> f.product, -k.seats, c.offering)) FROM _covers c JOIN offering_seats k ON k.offering = c.offering WHERE c.product = f.product)) AS offering
      FROM _f f WHERE f.family = 'gap'),
    gaps AS (
      SELECT k.line, sum(g.units) AS units, max(g.last_seen) AS gap_last FROM gap_to g JOIN _contract k ON k.offering = g.offering
        AND CASE WHEN g.net AND EXISTS (SELECT 1 FROM _contract n WHERE n.offering = g.offering AND n.model = 'network') THEN k.model = 'network' ELSE k.main END
      GROUP BY k.line),
    -- Denials are network seats running out: they count for the network line of the pool that ran out, the package
    -- FlexNet names (a standalone Revit package's denial is not the AEC Collection's), else the lines covering the product.
    den AS (
      SELECT k.line, count(*) AS n FROM _contract k JOIN (
          -- A denial naming no package is its product's pool's, as a session is (gaps.ts _ns): the product's own network
          -- line when it is bought as network, else the network collection covering it with most seats.
          SELECT coalesce(d.pkg, CASE WHEN d.product IN (SELECT offering FROM _net_direct) THEN d.product ELSE cp.pool END) AS pool
          FROM _den d LEFT JOIN _cover_pool cp ON cp.product = d.product WHERE d.is_true) d ON d.pool = k.offering
      WHERE k.model = 'network'
      GROUP BY k.line),
    -- Seats of the offering held by dormant users or unused (the Reclamation list): reassign before buying.
    idle AS (SELECT offering, count(DISTINCT usr) AS n FROM _claimed WHERE claimed_by IN ('dormant_user', 'unused_assignment') GROUP BY offering),
    -- A Flex token pool is sized by tokens, not by users against seats: tokens bought on the lines in term at D
    -- against tokens used in the 12 months to D (the Token Flex export when loaded, else Flex rows of daily usage).
    -- Tokens are bought for a line's whole term: a 36-month line's 150,000 tokens are 50,000 a year, the figure the
    -- 12 months of use are judged against.
    -- Each line counts the share of its tokens that falls in those 12 months (its months in them over its term's
    -- months): a top-up bought for the last 7 months of the year adds all its tokens, a pool renewed mid-year adds
    -- the old pool's share and the new one's. Months no line in the export covers (a pool begun 9 months ago, the one
    -- before it not exported) are filled at the same rate. bought_term and term_months describe the lines in term at D.
    flex AS (
      SELECT e.offering,
        sum(coalesce(e.tokens, 0)) FILTER (WHERE e.e >= _p.d) AS bought_term,
        sum(coalesce(e.tokens, 0) * term_months(greatest(e.s, CAST(_p.d - INTERVAL 12 MONTH AS DATE) + 1), least(e.e, _p.d)) / term_months(e.s, e.e))
          * 12.0 / term_months(greatest(min(e.s), CAST(_p.d - INTERVAL 12 MONTH AS DATE) + 1), least(max(e.e), _p.d)) AS bought,
        max(term_months(e.s, e.e)) FILTER (WHERE e.e >= _p.d) AS term_months,
        bool_or(e.tokens IS NOT NULL) AS tokens_known,
        -- The price a token was bought at, when the subscription line gives one (else the Flex token price setting).
        max(e.unit_price) FILTER (WHERE e.e >= _p.d) AS token_price
      FROM _e e, _p
      WHERE e.model = 'flex' AND e.offering IS NOT NULL AND e.s <= _p.d AND e.e > CAST(_p.d - INTERVAL 12 MONTH AS DATE)
        AND e.offering IN (SELECT offering FROM _contract WHERE model = 'flex')
      GROUP BY e.offering, _p.d),
    -- Tokens used in the 12 months to D, and the days the token data covers: "0 tokens used" from an export of
    -- another year must say so.
    flex_used AS (
      SELECT sum(t.tokens) FILTER (WHERE t.day > _p.d - INTERVAL 12 MONTH AND t.day <= _p.d) AS used, min(t.day) AS flex_first, max(t.day) AS flex_last
      FROM _tokens t, _p),
    -- Whether a network line has any session-level data to size it (FlexNet check-outs, sessions claiming a network licence).
    net_data AS (
      SELECT DISTINCT k.line FROM _contract k JOIN _net_daily n ON n.product = k.offering, _p
      WHERE k.model = 'network' AND n.day > _p.lb_start AND n.day <= _p.d)
    SELECT k.line, k.offering, k.model, k.main, k.seats, k.model <> 'network' OR k.line IN (SELECT line FROM net_data) AS sized,
      CASE WHEN k.main THEN coalesce(assigned.n, 0) ELSE 0 END AS active_assignments, CASE WHEN k.main AND k.model <> 'network' THEN coalesce(act.n, 0) ELSE coalesce(claim_act.n, 0) END AS active_users,
      coalesce(stats.peak, 0) AS peak, CASE WHEN coalesce(stats.before, 0) > 0 THEN stats.recent / stats.before END AS trend,
      coalesce(den.n, 0) AS true_denials, coalesce(gaps.units, 0) AS gap_units, gaps.gap_last, CASE WHEN k.main THEN coalesce(lowf.n, 0) ELSE 0 END AS low_frequency_users,
      CAST(ceil(coalesce(stats.peak, 0) * (1 + _p.buf)) AS DOUBLE) AS needed,
      k.model = 'flex' AND flex.offering IS NOT NULL AS flex_pool, coalesce(flex.tokens_known, false) AS tokens_known, coalesce(flex.token_price, _p.tp) AS token_price, coalesce(flex.bought, 0) AS tokens_bought, coalesce(flex.bought_term, 0) AS tokens_bought_term, flex.term_months, coalesce(flex_used.used, 0) AS tokens_used,
      flex_used.flex_first, flex_used.flex_last, CAST(_p.d - INTERVAL 12 MONTH AS DATE) AS flex_from,
      -- How far the token data covers the 12 months judged: a pool is reduced only on a whole year of use.
      CASE WHEN flex_used.flex_last IS NULL THEN 'none'
           WHEN flex_used.flex_last <= CAST(_p.d - INTERVAL 12 MONTH AS DATE) OR flex_used.flex_first > _p.d THEN 'outside'
           -- Part of the year: a month or more of it before the first token row (days without use at its start are not).
           WHEN flex_used.flex_first > CAST(_p.d - INTERVAL 12 MONTH AS DATE) + 31 THEN 'partial' ELSE 'full' END AS flex_cover,
      CAST(ceil(coalesce(flex_used.used, 0) * (1 + _p.buf)) AS DOUBLE) AS flex_needed,
      CASE WHEN k.main THEN coalesce(idle.n, 0) ELSE 0 END AS idle_seats,
      -- Named User seats bought and held by nobody: free for a gap user as much as an idle one.
      CASE WHEN k.main AND k.model = 'named_user' THEN greatest(0, k.seats - coalesce(assigned.n, 0)) ELSE 0 END AS unassigned_seats
    FROM _contract k LEFT JOIN stats USING (line) LEFT JOIN assigned USING (offering) LEFT JOIN act USING (offering)
      LEFT JOIN claim_act USING (line) LEFT JOIN lowf USING (offering) LEFT JOIN gaps USING (line) LEFT JOIN den USING (line) LEFT JOIN flex USING (offering) LEFT JOIN idle USING (offering), flex_used, _p`);
}

/** Writes the staged brief into renewal_brief / renewal_monthly (inside the review's transaction). */
export async function saveRenewal(db: EngagementDb): Promise<void> {
  // Rebuilt rather than emptied: an engagement reviewed before renewal lines holds it keyed by offering.
  await db.run('DROP TABLE IF EXISTS renewal_monthly');
  await db.run(RENEWAL_MONTHLY_DDL);
  await db.run('DELETE FROM renewal_brief');
  await db.run(`INSERT INTO renewal_brief (line, offering, licence_model, seats, active_assignments, active_users, peak_monthly_active, trend, true_denials,
      recommendation, target_quantity, reason)
    SELECT line, offering, model, CASE WHEN flex_pool THEN round(tokens_bought) ELSE seats END, active_assignments, active_users, peak, trend, true_denials,
      CASE WHEN flex_pool THEN flex_rec WHEN gap_units > 0 THEN 'increase' WHEN NOT sized THEN 'keep' WHEN needed < seats THEN 'reduce'
           WHEN active_assignments > 0 AND low_frequency_users >= 0.25 * active_assignments THEN 'convert_to_flex' ELSE 'keep' END,
      CASE WHEN flex_pool THEN CASE WHEN flex_rec = 'keep' THEN round(tokens_bought) ELSE flex_needed END WHEN gap_units > 0 THEN seats + gap_units WHEN NOT sized THEN seats WHEN needed < seats THEN needed
           -- Never below none: more users assigned than seats bought (5 on 4) all low-frequency gave a target of -1.
           WHEN active_assignments > 0 AND low_frequency_users >= 0.25 * active_assignments THEN greatest(0, seats - low_frequency_users) ELSE seats END,
      CASE WHEN flex_pool AND NOT tokens_known THEN printf('Flex token pool: the subscriptions export gives no tokens bought for it, so it cannot be sized (%s tokens used in the 12 months to the review date); add the tokens bought (a Tokens column) and load it again',
             format('{:,}', CAST(round(tokens_used) AS BIGINT)))
           WHEN flex_pool THEN printf('Flex token pool, sized by tokens: %s of %s tokens used in the 12 months to the review date', format('{:,}', CAST(round(tokens_used) AS BIGINT)), format('{:,}', CAST(round(tokens_bought) AS BIGINT)))
             || CASE WHEN tokens_bought > 0 THEN printf(' (%d%%)', CAST(round(100 * tokens_used / tokens_bought) AS BIGINT)) ELSE '' END
             || CASE WHEN round(tokens_bought_term) <> round(tokens_bought) THEN printf(', a year''s share of the %s bought for a %d-month term', format('{:,}', CAST(round(tokens_bought_term) AS BIGINT)), term_months) ELSE '' END
             -- Tokens used beyond those bought are billed as overage: priced at the pool's own token price, else the Flex token price.
             -- Against a year's share of a longer term the pool is not spent yet: the excess is the rate at which it will be.
             || CASE WHEN tokens_used > tokens_bought AND round(tokens_bought_term) <> round(tokens_bought)
                  THEN printf('; %s more than a year''s share were used (about %s a year at %s a token, as overage once the pool runs out)',
                    format('{:,}', CAST(round(tokens_used - tokens_bought) AS BIGINT)), money_text((tokens_used - tokens_bought) * token_price), token_price_text)
                  WHEN tokens_used > tokens_bought THEN printf('; %s more were used than bought (about %s of overage at %s a token)',
                    format('{:,}', CAST(round(tokens_used - tokens_bought) AS BIGINT)), money_text((tokens_used - tokens_bought) * token_price), token_price_text) ELSE '' END
             || CASE WHEN flex_cover = 'none' THEN '; no Token Flex usage is loaded (load the Token Flex usage export)'
                  WHEN flex_cover = 'outside' THEN printf('; the Flex token usage loaded runs from %s to %s, outside those 12 months: load a current export', flex_first, flex_last)
                  WHEN flex_cover = 'partial' THEN printf('; the Flex token usage loaded starts on %s, so it covers only part of those 12 months', flex_first)
                  ELSE '' END
             || CASE WHEN flex_rec <> 'keep' THEN printf('; with the %g%% buffer the next year needs %s tokens', CAST(buf * 100 AS DOUBLE), format('{:,}', CAST(flex_needed AS BIGINT)))
                  WHEN flex_cover = 'partial' THEN ': too little to size the pool on' ELSE '' END
             -- Users Optimisation would move to Flex draw on the same pool: said, not added (they are proposals).
             || CASE WHEN conv_users > 0 THEN printf('; the %s Optimisation would move to Flex would use about %s tokens a year more', plural(conv_users, 'low-frequency user'),
                  format('{:,}', CAST(round(conv_tokens) AS BIGINT))) ELSE '' END
           WHEN gap_units > 0 THEN printf('the gap register holds %s %s', plural(CAST(gap_units AS BIGINT), 'unit'), CASE WHEN main THEN 'for its products' ELSE 'of network over-use' END)
             -- Gaps that ended long ago (a lookback of years) may be settled by now: said before seats are bought for them.
             || CASE WHEN gap_last < CAST(_p.d - INTERVAL 6 MONTH AS DATE) THEN printf('; the last of it was on %s, before the six months the seats are sized on: check it still applies before buying', gap_last) ELSE '' END
             -- The target buys a seat for every gap unit (RULES.md); what giving the gap users the free seats would leave to buy is
             -- said, as the alternative to it (not as a contradiction of it).
             || CASE WHEN free_seats > 0 THEN printf('; %d of its seats %s free (%s): given to the users behind the gaps, they would cover %s, so a target of %g would do instead of a seat bought for every gap unit',
                  free_seats, CASE WHEN free_seats = 1 THEN 'is' ELSE 'are' END,
                  CASE WHEN unassigned_seats = 0 THEN 'idle, on the Reclamation list' WHEN idle_seats = 0 THEN 'never assigned'
                       ELSE printf('%d idle on the Reclamation list, %d never assigned', idle_seats, CAST(unassigned_seats AS BIGINT)) END,
                  CASE WHEN free_seats >= gap_units THEN CASE WHEN gap_units = 1 THEN 'it' ELSE printf('all %d', CAST(gap_units AS BIGINT)) END ELSE printf('%d of the %d units', CAST(free_seats AS BIGINT), CAST(gap_units AS BIGINT)) END,
                  CAST(seats + greatest(0, gap_units - free_seats) AS DOUBLE)) ELSE '' END
           -- An offering name the catalogue does not know matches no session's product or package (offering_unknown).
           WHEN NOT sized AND offering NOT IN (SELECT code FROM _cat) THEN 'the catalogue does not know this offering, so no session can be matched to it: write its Autodesk name or product code in the subscriptions export and load it again'
           WHEN NOT sized THEN 'no network session data to size it (load the licence server''s FlexNet logs, or sessions that claim a network licence)'
           WHEN needed < seats THEN printf('peak %d %s over the last six complete months plus %g%% buffer needs %g of %g seats', peak,
             counts, CAST(buf * 100 AS DOUBLE), CAST(needed AS DOUBLE), CAST(seats AS DOUBLE))
           WHEN active_assignments > 0 AND low_frequency_users >= 0.25 * active_assignments THEN printf('%d of %d assigned users are low-frequency users', low_frequency_users, active_assignments)
           -- Keep (no gap to buy for), but said when the peak fills the seats and the buffer would want more, and when the
           -- peak went above the seats without a gap (network use above the seats for fewer than the sustained months).
           WHEN sized AND peak > seats THEN printf('over the seats at its peak, with no gap to buy for: peak %d %s over the last six complete months on %g seats%s; with the %g%% buffer it would need %g',
             peak, counts, CAST(seats AS DOUBLE),
             CASE WHEN model = 'network' THEN printf(', in fewer than the %d months running a network over-use gap needs', (SELECT sus FROM _p)) ELSE '' END,
             CAST(buf * 100 AS DOUBLE), CAST(needed AS DOUBLE))
           WHEN sized AND needed > seats THEN printf('at capacity: peak %d %s over the last six complete months on %g seats; with the %g%% buffer it would need %g', peak,
             counts, CAST(seats AS DOUBLE), CAST(buf * 100 AS DOUBLE), CAST(needed AS DOUBLE))
           ELSE 'seats match use' END
    -- counts: what a line's peak counts, in the reasons.
    -- flex_rec: a Flex pool is increased when more tokens were used than bought, reduced when a whole year of use
    -- plus the buffer needs fewer than bought, kept otherwise (no data, or part of a year).
    -- conv_*: the low-frequency users counted as Flex conversions (savings.ts _lf), their tokens a year.
    FROM (SELECT *, CASE WHEN model = 'network' THEN 'network seats in use at once' ELSE 'monthly active users' END AS counts, CAST(idle_seats + unassigned_seats AS BIGINT) AS free_seats,
        (SELECT code FROM _currency) || ' ' || format('{:.2f}', token_price) AS token_price_text,
        (SELECT count(*) FROM _lf WHERE no_rate IS NULL AND remaining - flex > 0) AS conv_users,
        (SELECT coalesce(sum(tokens * 12.0 / months), 0) FROM _lf WHERE no_rate IS NULL AND remaining - flex > 0) AS conv_tokens,
        CASE WHEN flex_cover IN ('none', 'outside') OR NOT tokens_known THEN 'keep' WHEN tokens_used > tokens_bought THEN 'increase'
             WHEN flex_cover = 'full' AND flex_needed < round(tokens_bought) THEN 'reduce' ELSE 'keep' END AS flex_rec
      FROM _rb), _p`);
  await db.run(`INSERT INTO renewal_monthly SELECT line, strftime(m, '%Y-%m'), active_users, seats FROM _rm`);
}

/** One renewal line of the stored brief with the analyst's target, if they set one that differs from the engine's. */
export type BriefRow = {
  /** The line's key: the offering's code for its main line, `<code>:<model>` for another (schema.ts, version 4). */
  line: string;
  offering: string;
  /** The licence model of the line's seats; null in a brief stored before lines were split by model. */
  licence_model: string | null;
  seats: number | null; active_assignments: number | null; active_users: number | null; peak_monthly_active: number | null;
  trend: number | null; true_denials: number | null; recommendation: string;
  /** The engine's recommended quantity and its reason. */
  target_quantity: number | null; reason: string | null;
  analyst_target: number | null;
};

/** Whether the engagement holds a table (one reviewed by an older version may lack it). */
export const hasTable = async (db: EngagementDb, table: string): Promise<boolean> =>
  (await db.one(`SELECT 1 AS x FROM information_schema.tables WHERE table_name = $1`, [table])) !== undefined;
const hasColumn = async (db: EngagementDb, table: string, column: string): Promise<boolean> =>
  (await db.one(`SELECT 1 AS x FROM information_schema.columns WHERE table_name = $1 AND column_name = $2`, [table, column])) !== undefined;

/**
 * The stored brief with the analyst's renewal targets: the one reading the Renewal step, the workbook and the
 * pack's report share. A target saved equal to the recommendation is no target of the analyst's.
 */
export async function renewalBrief(db: EngagementDb): Promise<BriefRow[]> {
  // An engagement from before renewal lines (schema 3 or older), opened read-only, has one row per offering.
  const brief = (await hasColumn(db, 'renewal_brief', 'line'))
    ? 'SELECT * FROM renewal_brief'
    : 'SELECT offering AS line, offering, CAST(NULL AS VARCHAR) AS licence_model, * EXCLUDE (offering) FROM renewal_brief';
  // One from before the targets (schema 1) has no targets either.
  if (!(await hasTable(db, 'renewal_targets'))) return db.all<BriefRow>(`SELECT *, CAST(NULL AS DOUBLE) AS analyst_target FROM (${brief}) ORDER BY offering, line`);
  return db.all<BriefRow>(`SELECT b.*, CASE WHEN t.target_quantity <> b.target_quantity THEN CAST(t.target_quantity AS DOUBLE) END AS analyst_target
    FROM (${brief}) b LEFT JOIN renewal_targets t ON t.offering = b.line ORDER BY b.offering, b.line`);
}

/**
 * Last quarter's renewal targets that the analyst set (not the engine's recommendations), for the lines of this
 * quarter's brief that have no target of the analyst's yet: what carrying them over would set.
 */
export async function renewalTargetsToCarry(prev: EngagementDb, db: EngagementDb): Promise<Array<{ line: string; target: number }>> {
  const theirs = (await renewalBrief(prev)).filter((r) => r.analyst_target !== null);
  if (theirs.length === 0) return [];
  // A line takes one when nothing was saved for it this quarter and last quarter's target is not simply this
  // quarter's recommendation (carrying that would change nothing, and be offered again and again).
  const saved = new Set((await db.all<{ line: string }>('SELECT offering AS line FROM renewal_targets')).map((r) => r.line));
  const now = new Map((await renewalBrief(db)).map((r) => [r.line, r.target_quantity]));
  return theirs
    .map((r) => ({ line: r.line, target: Math.round(r.analyst_target!) }))
    .filter((t) => now.has(t.line) && !saved.has(t.line) && now.get(t.line) !== t.target);
}

/** Sets last quarter's targets on this quarter's lines without one (renewalTargetsToCarry); returns how many. */
export async function carryRenewalTargets(prev: EngagementDb, db: EngagementDb): Promise<number> {
  const rows = await renewalTargetsToCarry(prev, db);
  if (rows.length === 0) return 0;
  await db.transaction(async () => {
    for (const r of rows) await db.run('INSERT OR REPLACE INTO renewal_targets (offering, target_quantity, updated_at) VALUES ($1, $2, current_timestamp)', [r.line, r.target]);
    await db.audit('renewal.carry', { carried: rows.length, lines: rows.map((r) => r.line) });
  });
  return rows.length;
}

const whole = (n: number) => Math.round(n).toLocaleString('en-US');

/** The brief as exported (workbook, report): the analyst's target in force, and the reason saying so with the recommendation. */
export async function exportedBrief(db: EngagementDb): Promise<Omit<BriefRow, 'analyst_target'>[]> {
  return (await renewalBrief(db)).map(({ analyst_target, ...b }) =>
    analyst_target === null || analyst_target === undefined
      ? b
      : { ...b, target_quantity: analyst_target, reason: `${b.reason ?? ''}; the analyst set the target to ${whole(analyst_target)} (recommended ${whole(Number(b.target_quantity ?? 0))})` },
  );
}

/**
 * A renewal line's name: the offering's, with its licence model when the offering has lines of more than one
 * model ("AutoCAD (Named User)", "AutoCAD (network)").
 */
export function lineName(b: Pick<BriefRow, 'offering' | 'licence_model'>, brief: readonly Pick<BriefRow, 'offering'>[], names: (code: string) => string): string {
  const name = names(b.offering);
  const split = brief.filter((x) => x.offering === b.offering).length > 1;
  return split && b.licence_model ? `${name} (${LICENCE_MODEL_LABELS[b.licence_model] ?? b.licence_model})` : name;
}

/** The renewal brief with its monthly series (the UI charts it), with the analyst's targets applied. */
export async function getRenewal(db: EngagementDb, names: (code: string) => string = (c) => loadCatalogue().get(c)?.name ?? c): Promise<RenewalRow[]> {
  // Read-only engagements (auditor mode) cannot create the table; an engagement never reviewed has none.
  const brief = await renewalBrief(db);
  const key = (await hasColumn(db, 'renewal_monthly', 'line')) ? 'line' : 'offering';
  const monthly = (await hasTable(db, 'renewal_monthly'))
    ? await db.all<{ line: string; month: string; active_users: number; seats: number }>(`SELECT ${key} AS line, month, active_users, seats FROM renewal_monthly ORDER BY line, month`)
    : [];
  const byLine = new Map<string, Array<{ month: string; active_users: number; seats: number }>>();
  for (const m of monthly) {
    const list = byLine.get(m.line) ?? [];
    list.push({ month: m.month, active_users: Number(m.active_users), seats: Number(m.seats) });
    byLine.set(m.line, list);
  }
  const byProduct = brief.some((b) => renewalMeasure(b.licence_model) === 'tokens') ? await tokensByProduct(db, names) : [];
  return brief.map((b) =>
    RenewalRowSchema.parse({
      line: b.line,
      offering: b.offering,
      licence_model: b.licence_model,
      name: lineName(b, brief, names),
      measure: renewalMeasure(b.licence_model),
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
      monthly: byLine.get(b.line) ?? [],
      tokens_by_product: renewalMeasure(b.licence_model) === 'tokens' ? byProduct : [],
    }),
  );
}
