// Signals (RULES.md "Signals"): telemetry_gap, usage_spike, new_domain, network_denials. No money; on the
// register so the analyst sees them. All look inside the lookback. Per-site / per-month signals put the
// site or month into the finding id (key), so the same hole or spike keeps its id next quarter.
import { seatDenialSql } from './denials';
import { SERVER_SITE_PREFIX, writeServerSites } from './sites';
import { addEvidence, wantUsage, type RuleContext } from './context';

export async function runSignals(ctx: RuleContext): Promise<void> {
  const { db } = ctx;

  // Network domains (_u_site) up to D in one pass, two small groupings: (site, day) for the telemetry gaps
  // (by_day = 1) and (site, user) with first and last day for the new network domains (by_day = 0; the user
  // may be NULL, count(DISTINCT usr) ignores it as before).
  await db.run(`CREATE OR REPLACE TEMP TABLE _site_g AS
    SELECT site, usr, day, min(day) AS first_day, max(day) AS last_day, GROUPING(usr) AS by_day
    FROM _u_site, _p WHERE day <= _p.d GROUP BY GROUPING SETS ((site, day), (site, usr))`);

  // telemetry_gap: per network domain (the whole estate when no row names one), and per licence server: a FlexNet log
  // is one server's telemetry, and a server down for weeks is a hole even while other servers or exports report use on
  // those days (sites.ts); its check-outs and denials show it was up.
  const sites = await db.one<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM _site_g, _p WHERE by_day = 1 AND day > _p.lb_start LIMIT 1)`);
  const bySite = Number(sites?.n ?? 0) > 0;
  await writeServerSites(db);
  await db.run(`CREATE OR REPLACE TEMP VIEW _server_rows AS
    SELECT ss.site, 'sessions' AS tbl, s.source_id, s.line, CAST(s.start_time AS DATE) AS day FROM sessions s JOIN _server_site ss USING (source_id)
    UNION ALL SELECT ss.site, 'flexnet_events', e.source_id, e.line, CAST(e.ts AS DATE) FROM flexnet_events e JOIN _server_site ss USING (source_id)`);
  await db.run(`CREATE OR REPLACE TEMP VIEW _site_rows AS ${bySite ? `SELECT site, tbl, source_id, line, day FROM _u_site` : `SELECT 'estate' AS site, tbl, source_id, line, day FROM _u`}
    UNION ALL SELECT site, tbl, source_id, line, day FROM _server_rows`);
  // The days with any usage per site, from the grouped tables (_pd holds every (product, day) of the lookback).
  // A licence server's days are those its log has any line on (TIMESTAMP lines go on while it is idle), with its check-outs.
  await db.run(`CREATE OR REPLACE TEMP VIEW _site_days AS ${bySite ? `SELECT site, day FROM _site_g, _p WHERE by_day = 1 AND day > _p.lb_start` : `SELECT DISTINCT 'estate' AS site, day FROM _pd`}
    UNION ALL SELECT DISTINCT site, day FROM (SELECT site, day FROM _server_rows UNION ALL SELECT ss.site, l.day FROM log_days l JOIN _server_site ss USING (source_id)), _p
      WHERE day > _p.lb_start AND day <= _p.d`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _tgap AS
    WITH days AS (SELECT site, day FROM _site_days),
    nxt AS (SELECT site, day, lead(day) OVER (PARTITION BY site ORDER BY day) AS next_day FROM days)
    SELECT site, day AS before_day, next_day AS after_day, CAST(day + 1 AS DATE) AS gap_from, CAST(next_day - 1 AS DATE) AS gap_to,
      CAST(next_day - day - 1 AS INTEGER) AS days
    FROM nxt, _p WHERE next_day IS NOT NULL AND next_day - day - 1 >= _p.tgd`);
  // An estate whose only telemetry is one licence server has the same hole twice: the server's names it.
  await db.run(`DELETE FROM _tgap WHERE site = 'estate' AND EXISTS (
      SELECT 1 FROM _tgap s WHERE starts_with(s.site, '${SERVER_SITE_PREFIX}') AND s.gap_from = _tgap.gap_from AND s.gap_to = _tgap.gap_to)`);
  await db.run(`INSERT INTO _f SELECT fid('telemetry_gap', NULL, NULL, NULL, site || '|' || CAST(gap_from AS VARCHAR)), 'telemetry_gap', 'signal', 'medium',
      NULL, NULL, NULL, days, 0, NULL, NULL, NULL, gap_from, gap_to,
      CASE WHEN starts_with(site, '${SERVER_SITE_PREFIX}')
        THEN printf('%s: no usage at all for %d consecutive days (%s to %s), and no line in its log: the server was down or its log for those days is missing; an auditor fills such a hole with the worst case',
          site, days, CAST(gap_from AS VARCHAR), CAST(gap_to AS VARCHAR))
        ELSE printf('site %s: no usage at all for %d consecutive days (%s to %s); an auditor fills such a hole with the worst case', site, days, CAST(gap_from AS VARCHAR), CAST(gap_to AS VARCHAR)) END,
      false
    FROM _tgap`);
  // An equi-join on (site, day) for the two edge days of each gap (usage days inside the lookback, so the
  // rows need no date filter of their own: see gaps.ts on joining _u).
  await addEvidence(db, `SELECT fid('telemetry_gap', NULL, NULL, NULL, g.site || '|' || CAST(g.gap_from AS VARCHAR)), r.tbl, r.source_id, r.line, g.note
    FROM (SELECT site, gap_from, before_day AS day, 'last usage before the gap' AS note FROM _tgap
          UNION ALL SELECT site, gap_from, after_day, 'first usage after the gap' FROM _tgap) g
      JOIN _site_rows r ON r.site = g.site AND r.day = g.day`);

  // usage_spike: product x complete month against the mean of the previous three months. Only months with
  // telemetry at all (some use of any product in the estate) are a baseline: a month with none is a hole
  // in the data (an old log loaded beside current exports, say), not a month of zero users.
  await db.run(`CREATE OR REPLACE TEMP TABLE _spike AS
    WITH bounds AS (
      SELECT min(m) AS first_m FROM _upm),
    months AS (
      SELECT CAST(m AS DATE) AS m FROM bounds, _p,
        unnest(generate_series(CAST(bounds.first_m AS TIMESTAMP), CAST(date_trunc('month', _p.d) AS TIMESTAMP), INTERVAL 1 MONTH)) t(m)
      WHERE bounds.first_m IS NOT NULL),
    counts AS (SELECT product, m, count(*) AS users FROM _upm GROUP BY ALL),
    covered AS (SELECT DISTINCT m FROM _upm),
    grid AS (
      SELECT p.product, months.m, coalesce(c.users, 0) AS users, CAST(months.m IN (SELECT m FROM covered) AS INTEGER) AS cov
      FROM (SELECT DISTINCT product FROM counts) p CROSS JOIN months LEFT JOIN counts c ON c.product = p.product AND c.m = months.m),
    w AS (
      SELECT *, avg(users) OVER (PARTITION BY product ORDER BY m ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) AS prev_mean,
        count(*) OVER (PARTITION BY product ORDER BY m ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) AS prev_n,
        sum(cov) OVER (PARTITION BY product ORDER BY m ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) AS prev_cov
      FROM grid)
    SELECT w.product, w.m, w.users, w.prev_mean, CAST(w.m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS m_end
    FROM w, _p
    WHERE w.prev_n = 3 AND w.prev_cov = 3 AND CAST(w.m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) <= _p.d AND w.m > _p.lb_start
      AND w.users >= _p.sr * w.prev_mean AND w.users >= w.prev_mean + _p.smu AND w.users > 0`);
  await db.run(`INSERT INTO _f SELECT fid('usage_spike', NULL, product, NULL, strftime(m, '%Y-%m')), 'usage_spike', 'signal', 'info',
      NULL, product, NULL, users, 0, NULL, NULL, NULL, m, m_end,
      printf('%s: %d distinct users in %s against a mean of %s in the previous three months', product, users, strftime(m, '%Y-%m'), CAST(round(prev_mean, 1) AS VARCHAR)),
      false
    FROM _spike`);
  await addEvidence(db, `SELECT fid('usage_spike', NULL, s.product, NULL, strftime(s.m, '%Y-%m')), u.tbl, u.source_id, u.line, 'use in the month'
    FROM _spike s JOIN _u u ON u.product = s.product AND u.usr IS NOT NULL AND u.day BETWEEN s.m AND s.m_end`);

  // new_domain: an e-mail or network domain first seen inside (D - dormant_days, D], not present from the start.
  await db.run(`CREATE OR REPLACE TEMP TABLE _newdom AS
    WITH dom AS (
      SELECT 'e-mail' AS kind, lower(split_part(usr, '@', 2)) AS domain, min(first_day) AS first_day, max(last_day) AS last_day, count(*) AS users
      FROM (SELECT usr, min(first_day) AS first_day, max(last_day) AS last_day FROM _upm WHERE usr LIKE '%@%' GROUP BY usr) GROUP BY ALL
      UNION ALL
      SELECT 'network', site, min(first_day), max(last_day), count(DISTINCT usr) FROM _site_g WHERE by_day = 0 GROUP BY site)
    -- First usage day of the data: when dom has rows, usage up to D exists, so its minimum is the minimum of _upd.
    SELECT dom.* FROM dom, _p
    WHERE first_day > _p.d_dd AND users >= _p.ndm AND first_day > (SELECT min(day) FROM _upd)`);
  await db.run(`INSERT INTO _f SELECT fid('new_domain', NULL, NULL, NULL, kind || ':' || domain), 'new_domain', 'signal', 'info',
      NULL, NULL, NULL, users, 0, NULL, NULL, NULL, first_day, last_day,
      printf('%s domain %s first seen %s with %d users', kind, domain, CAST(first_day AS VARCHAR), users), false
    FROM _newdom`);
  // E-mail domains: the rows of the domain's users (every user with usage up to D is in _ud), fetched with
  // the other per-user usage evidence; network domains: the rows naming the site.
  await wantUsage(db, `SELECT fid('new_domain', NULL, NULL, NULL, n.kind || ':' || n.domain), x.usr, NULL, NULL, _p.d, false, false, 'row naming ' || n.domain, false
    FROM _newdom n JOIN (SELECT usr, lower(split_part(usr, '@', 2)) AS domain FROM (SELECT DISTINCT usr FROM _upm WHERE usr LIKE '%@%')) x
      ON n.kind = 'e-mail' AND x.domain = n.domain, _p`);
  await addEvidence(db, `SELECT fid('new_domain', NULL, NULL, NULL, n.kind || ':' || n.domain), r.tbl, r.source_id, r.line, 'row naming ' || n.domain
    FROM _newdom n JOIN (SELECT site, tbl, source_id, line FROM _u_site, _p
        WHERE site IN (SELECT domain FROM _newdom WHERE kind = 'network') AND day <= _p.d) r
      ON n.kind = 'network' AND r.site = n.domain`);

  // network_denials: product x month; a denial retried successfully within 60 s is counted apart, and so is one for
  // another reason than a pool out of seats (denials.ts). pkg: the package denied, whose pool ran out (renewal.ts).
  await db.run(`CREATE OR REPLACE TEMP TABLE _den AS
    SELECT 'flexnet_events' AS tbl, source_id, line, coalesce(product, feature) AS product, CAST(ts AS DATE) AS day,
      strftime(ts, '%Y-%m') AS month, ${seatDenialSql('reason')} AS for_seats, coalesce(true_denial, true) AND ${seatDenialSql('reason')} AS is_true,
      json_extract_string(extra, '$.package_offering') AS pkg
    FROM flexnet_events, _p WHERE upper(event) = 'DENIED' AND CAST(ts AS DATE) > _p.lb_start AND CAST(ts AS DATE) <= _p.d`);
  await db.run(`INSERT INTO _f SELECT fid('network_denials', NULL, product, NULL, month), 'network_denials', 'signal', 'low',
      NULL, product, NULL, count(*) FILTER (WHERE is_true), 0, NULL, NULL, NULL, min(day), max(day),
      printf('%s in %s: %s', product, month, plural(count(*) FILTER (WHERE is_true), 'true denial'))
        || CASE WHEN count(*) FILTER (WHERE NOT is_true) > 0
             THEN ' (besides ' || concat_ws(' and ',
               CASE WHEN count(*) FILTER (WHERE for_seats AND NOT is_true) > 0 THEN printf('%s retried successfully within 60 s', plural(count(*) FILTER (WHERE for_seats AND NOT is_true), 'denial')) END,
               CASE WHEN count(*) FILTER (WHERE NOT for_seats) > 0 THEN printf('%s for another reason than seats in use (an EXCLUDE list, a feature or version the server lacks)', plural(count(*) FILTER (WHERE NOT for_seats), 'denial')) END)
               || ', not counted)' ELSE '' END, false
    FROM _den GROUP BY product, month`);
  await addEvidence(db, `SELECT fid('network_denials', NULL, product, NULL, month), tbl, source_id, line,
      CASE WHEN is_true THEN 'true denial' WHEN for_seats THEN 'denial retried within 60 s' ELSE 'denial for another reason than seats in use' END FROM _den`);
}
