// Data quality (REVIEW-FLOW step 3): coverage per site and day, telemetry gaps, who was joined to
// whom, disagreements between sources, products the catalogue does not know, and settings suggestions.
// At millions of sessions the heat map alone reads every fact row, so the result is computed once after
// each review (refreshQualityCache, called by buildSummary) and kept in the engagement (view-cache.ts).
// A stale or missing entry (data imported since, or a file reviewed by an older version) is recomputed.
import { writeServerSites } from './rules/sites';
import type { EngagementDb } from './db/engine';
import type { Settings } from './settings';
import { QualitySchema } from './api/contract';
import { loadCatalogue } from './catalogue/catalogue';
import { cachedView } from './view-cache';

export interface Quality {
  heatmap: Array<{ site: string; day: string; users: number }>;
  telemetry_gaps: Array<{ site: string; from: string; to: string; days: number }>;
  identities: Array<{ alias: string; user: string; method: string; detail: string | null }>;
  unmatched: Array<{ alias: string; seen_in: string }>;
  disagreements: Array<{ user: string; note: string }>;
  unknown_products: Array<{ product_raw: string; rows: number }>;
  suggestions: { corporate_email_domains: string[]; corporate_network_domains: string[]; corporate_ip_ranges: string[] };
}

/** Bump the version when computeQuality's output changes for the same data: stored entries are then recomputed. */
const QUALITY_VIEW = { name: 'quality', version: 3, schema: QualitySchema };

/**
 * Data quality for the UI: the stored result when it matches the data, else computed now. `store`
 * keeps a fresh computation for the next call (false on read-only engagements).
 */
export async function getQuality(db: EngagementDb, _settings: Settings, opts: { store?: boolean } = {}): Promise<Quality> {
  return cachedView(db, QUALITY_VIEW, () => computeQuality(db), opts);
}

/** Computes data quality and stores it for the UI; run after every review (the data it reads is final then). */
export async function refreshQualityCache(db: EngagementDb): Promise<void> {
  await cachedView(db, QUALITY_VIEW, () => computeQuality(db), { store: true });
}

/** The calendar row of usage that names no network domain: Autodesk's daily usage, and sessions without a domain. */
export const NO_SITE = 'No network domain (daily usage, sessions without one)';

/** Data quality straight from the tables (no cache). */
export async function computeQuality(db: EngagementDb): Promise<Quality> {
  // Usage per site over the last year of data: sites are network domains, as the telemetry_gap rule
  // reads them; usage without a domain (Autodesk daily usage, sessions without one) is a row named so.
  // An estate with no domains at all is one row, "Whole estate". The last day and whether any site is
  // named come first (min/max from the column statistics), so the year's filter is pushed into the scans.
  const bounds = await db.one<{ last: string | null; named: number }>(`
    SELECT CAST(greatest((SELECT max(start_time) FROM sessions)::DATE, (SELECT max(day) FROM usage_daily)) AS VARCHAR) AS last,
           (SELECT count(*) FROM (SELECT 1 FROM sessions WHERE network_domain IS NOT NULL LIMIT 1))::INTEGER AS named`);
  await writeServerSites(db);
  const heatmap =
    bounds?.last == null
      ? []
      : await db.all<{ site: string; day: string; users: number }>(
          `
    WITH u AS (
      SELECT network_domain AS site, CAST(start_time AS DATE) AS day, "user" FROM sessions WHERE start_time >= CAST($1 AS DATE) - INTERVAL 364 DAY
      UNION ALL SELECT NULL, day, "user" FROM usage_daily WHERE day > CAST($1 AS DATE) - INTERVAL 365 DAY
    ),
    -- Each licence server is a row of its own too (its check-outs), beside the whole estate: a server down for weeks
    -- shows as its own empty stretch, as the telemetry gap signal reads it.
    servers AS (
      SELECT ss.site, CAST(s.start_time AS DATE) AS day, s."user" FROM sessions s JOIN _server_site ss USING (source_id)
      WHERE s.start_time >= CAST($1 AS DATE) - INTERVAL 364 DAY)
    SELECT CASE WHEN $2 = 0 THEN 'Whole estate' ELSE coalesce(site, '${NO_SITE}') END AS site,
           strftime(day, '%Y-%m-%d') AS day, count(DISTINCT "user")::INTEGER AS users
    FROM u GROUP BY ALL
    UNION ALL
    SELECT site, strftime(day, '%Y-%m-%d') AS day, count(DISTINCT "user")::INTEGER AS users FROM servers GROUP BY ALL
    ORDER BY site, day`,
          [bounds.last, Number(bounds.named)],
        );

  const telemetry_gaps = await db.all<{ site: string; from: string; to: string; days: number }>(`
    SELECT CASE WHEN site IN ('', 'estate') THEN 'Whole estate' ELSE site END AS site, "from", "to", days FROM (
      SELECT regexp_extract(detail, '^(?:site )?(.*?): no usage', 1) AS site, strftime(first_seen, '%Y-%m-%d') AS "from",
             strftime(last_seen, '%Y-%m-%d') AS "to", units::INTEGER AS days, first_seen
      FROM findings WHERE type = 'telemetry_gap') ORDER BY first_seen`);

  const identities = await db.all<{ alias: string; user: string; method: string; detail: string | null }>(
    `SELECT alias, "user", method, detail FROM identities WHERE method IN ('map', 'hashed', 'local_part') AND alias <> lower("user") ORDER BY method, alias LIMIT 5000`,
  );
  const unmatched = await db.all<{ alias: string; seen_in: string }>(
    // As resolveIdentities reports them: logins no roster e-mail claims, and masked ids kept as their own user.
    `SELECT alias, coalesce(detail, '') AS seen_in FROM identities WHERE method = 'login' OR (method = 'hashed' AND alias = lower("user")) ORDER BY alias LIMIT 5000`,
  );

  // The portal's last_accessed against the telemetry's last usage day of the same user.
  const disagreements = await db.all<{ user: string; note: string }>(`
    WITH tel AS (
      SELECT "user", max(d) AS last_day FROM (
        SELECT "user", CAST(start_time AS DATE) AS d FROM sessions UNION ALL SELECT "user", day FROM usage_daily
      ) GROUP BY "user"
    ), portal AS (SELECT "user", max(last_accessed) AS last_accessed FROM usage_report WHERE last_accessed IS NOT NULL GROUP BY "user")
    SELECT p."user" AS "user",
      'Usage Report says last accessed ' || strftime(p.last_accessed, '%Y-%m-%d') || ', telemetry last shows use on ' || strftime(t.last_day, '%Y-%m-%d') AS note
    FROM portal p JOIN tel t USING ("user") WHERE abs(date_diff('day', p.last_accessed, t.last_day)) > 1
    ORDER BY p."user" LIMIT 2000`);
  // An identity map naming two users for one alias: the latest row wins (identity.ts), which the analyst should confirm.
  const conflicts = await db.all<{ user: string; note: string }>(`
    WITH m AS (
      SELECT lower(trim(alias)) AS alias, CASE WHEN trim("user") LIKE '%_@_%' THEN lower(trim("user")) ELSE trim("user") END AS usr, source_id, line
      FROM identity_map WHERE trim(alias) <> '' AND trim("user") <> '')
    SELECT alias AS "user",
      'identity map gives ' || alias || ' ' || count(DISTINCT usr) || ' users (' || string_agg(DISTINCT usr, ', ' ORDER BY usr) || '); the last row, '
        || arg_max(usr, (source_id, line)) || ', is used: keep one row per alias' AS note
    FROM m GROUP BY alias HAVING count(DISTINCT usr) > 1 ORDER BY alias LIMIT 500`);
  disagreements.unshift(...conflicts);

  const catalogue = loadCatalogue();
  const products = await db.all<{ product: string; product_raw: string; rows: number }>(`
    SELECT product, any_value(product_raw) AS product_raw, count(*)::INTEGER AS rows FROM (
      SELECT product, product_raw FROM sessions UNION ALL SELECT product, product_raw FROM usage_daily
      UNION ALL SELECT product, product_raw FROM tokenflex WHERE product IS NOT NULL
      -- Offerings bought or assigned under a name the catalogue does not know entitle nothing but themselves.
      UNION ALL SELECT offering, offering_raw FROM subscriptions WHERE offering IS NOT NULL
      UNION ALL SELECT offering, offering_raw FROM users WHERE offering IS NOT NULL
      UNION ALL SELECT offering, offering_raw FROM usage_report WHERE offering IS NOT NULL
    ) GROUP BY product`);
  const unknown_products = products
    .filter((p) => !catalogue.get(p.product))
    .map((p) => ({ product_raw: p.product_raw ?? p.product, rows: p.rows }));

  const emailDomains = await db.all<{ d: string; n: number }>(`
    SELECT split_part("user", '@', 2) AS d, count(DISTINCT "user")::INTEGER AS n FROM users WHERE "user" LIKE '%@%'
    GROUP BY 1 ORDER BY n DESC LIMIT 5`);
  const netDomains = await db.all<{ d: string; n: number }>(`
    SELECT network_domain AS d, count(DISTINCT "user")::INTEGER AS n FROM sessions WHERE network_domain IS NOT NULL
    GROUP BY 1 ORDER BY n DESC LIMIT 5`);
  // Counted per distinct address first: an estate has thousands of addresses, not millions, so the
  // pattern test and the string work run once per address instead of once per session.
  const ipRanges = await db.all<{ d: string; n: number }>(`
    WITH ips AS (SELECT ip_address, count(*) AS n FROM sessions WHERE ip_address IS NOT NULL GROUP BY 1)
    SELECT split_part(ip_address, '.', 1) || '.' || split_part(ip_address, '.', 2) || '.0.0/16' AS d, sum(n)::INTEGER AS n
    FROM ips WHERE regexp_matches(ip_address, '^\\d+\\.\\d+\\.\\d+\\.\\d+$') GROUP BY 1 ORDER BY n DESC LIMIT 5`);
  const major = (rows: Array<{ d: string; n: number }>) => {
    const total = rows.reduce((a, r) => a + r.n, 0);
    return rows.filter((r) => r.d && r.n >= total * 0.1).map((r) => r.d);
  };

  return {
    heatmap,
    telemetry_gaps,
    identities,
    unmatched,
    disagreements,
    unknown_products,
    suggestions: { corporate_email_domains: major(emailDomains), corporate_network_domains: major(netDomains), corporate_ip_ranges: major(ipRanges) },
  };
}
