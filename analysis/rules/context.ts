// Shared building blocks of every rule family (RULES.md "Terms"), as temp tables over the canonical
// tables. Everything is set-based SQL; thresholds and D live in the one-row table `_p`, so rule SQL is
// static text and client values only ever arrive as parameters.
//
//   _p        parameters: d (= D), thresholds, lookback start (exclusive), token price
//   _cat      catalogue entries; _members (offering -> member products); _covers (offering covers product)
//   _price    price(o), list(o), Flex tokens/day per code
//   _u        every usage row with provenance (sessions, usage_daily, tokenflex with a date)
//   _upd      usage at (user, product, day) grain up to D, user may be NULL; named: a named-user/unknown claim;
//             network: a network claim (the renewal brief's network lines)
//   _u_site   rows of _u with a network domain (site)
//   _ud       usage days (user, product, day) up to D (rows of _upd with a user)
//   _upm      the same per (user, product, month): first and last day, usage days
//   _act      "last used" spans per month: _upm plus usage_report.last_accessed for users with no usage rows
//   _a        assignment rows (roster; usage_report 'assigned' rows where the roster lacks the user x offering)
//   _aa       active assignments at D, one per (user, offering)
//   _e / _ent subscription lines; per covered product
//   _f / _ev  staged findings and their evidence rows
import type { EngagementDb, SqlParam } from '../db/engine';
import { ipv4Bounds, type Settings } from '../settings';
import type { Catalogue } from '../catalogue/catalogue';
import { FID_MACRO_SQL } from './ids';
import { priceOverrides } from '../pricebook';

export interface RuleContext {
  db: EngagementDb;
  settings: Settings;
  catalogue: Catalogue;
  asOf: string;
}

async function insertRows(db: EngagementDb, table: string, cols: number, rows: SqlParam[][]): Promise<void> {
  // Parameterised multi-row inserts in modest batches (catalogue-sized data only).
  for (let i = 0; i < rows.length; i += 200) {
    const batch = rows.slice(i, i + 200);
    const ph = batch.map((_, r) => `(${Array.from({ length: cols }, (_x, c) => `$${r * cols + c + 1}`).join(', ')})`).join(', ');
    await db.run(`INSERT INTO ${table} VALUES ${ph}`, batch.flat());
  }
}

/** D: settings.as_of, else the last usage day in the data (never the wall clock). */
export async function resolveAsOf(db: EngagementDb, settings: Settings): Promise<string> {
  if (settings.as_of) return settings.as_of;
  const r = await db.one<{ d: string | null }>(`SELECT CAST(max(d) AS VARCHAR) AS d FROM (
      SELECT max(CAST(start_time AS DATE)) AS d FROM sessions
      UNION ALL SELECT max(day) FROM usage_daily
      UNION ALL SELECT max(usage_date) FROM tokenflex)`);
  if (r?.d) return r.d;
  const f = await db.one<{ d: string | null }>(`SELECT CAST(max(d) AS VARCHAR) AS d FROM (
      SELECT max(last_accessed) AS d FROM usage_report UNION ALL SELECT max(assigned_date) FROM users
      UNION ALL SELECT max(assigned_date) FROM usage_report)`);
  if (f?.d) return f.d;
  throw new Error('The review has no date: the engagement holds no usage rows. Load usage data or set as_of (YYYY-MM-DD) in the settings.');
}

export async function prepareContext(db: EngagementDb, settings: Settings, catalogue: Catalogue): Promise<RuleContext> {
  const asOf = await resolveAsOf(db, settings);
  const t = settings.thresholds;
  await db.run(FID_MACRO_SQL);
  await db.run(`CREATE OR REPLACE TEMP MACRO complete_months(a, b) AS
    12 * (year(b) - year(a)) + (month(b) - month(a)) - CASE WHEN day(b) < day(a) THEN 1 ELSE 0 END`);
  // "1 usage day", "3 usage days": counts in finding details read as sentences.
  await db.run(`CREATE OR REPLACE TEMP MACRO plural(n, word) AS CAST(n AS VARCHAR) || ' ' || word || CASE WHEN n = 1 THEN '' ELSE 's' END`);
  // "USD 3,810": money in finding details as the CLI and the exports write it (the engagement's currency, whole units).
  await db.run(`CREATE OR REPLACE TEMP TABLE _currency (code VARCHAR)`);
  await db.run(`INSERT INTO _currency VALUES ($1)`, [settings.currency]);
  await db.run(`CREATE OR REPLACE TEMP MACRO money_text(x) AS (SELECT code FROM _currency) || ' ' || format('{:,.0f}', round(x))`);
  await db.run(`CREATE OR REPLACE TEMP MACRO months_up(a, b) AS
    12 * (year(b) - year(a)) + (month(b) - month(a)) + CASE WHEN day(b) > day(a) THEN 1 ELSE 0 END`);

  await db.run(`CREATE OR REPLACE TEMP TABLE _p (d DATE, dd INTEGER, fw INTEGER, lfd DOUBLE, ovl DOUBLE, smd INTEGER,
    sus INTEGER, tgd INTEGER, sr DOUBLE, smu INTEGER, ndm INTEGER, lbm INTEGER, buf DOUBLE, tp DOUBLE,
    any_corp BOOLEAN, lb_start DATE, d_dd DATE, d_fw DATE)`);
  await db.run(`INSERT INTO _p SELECT d, dd, fw, lfd, ovl, smd, sus, tgd, sr, smu, ndm, lbm, buf, tp, any_corp,
      CAST(d - to_months(lbm) AS DATE), CAST(d - dd AS DATE), CAST(d - fw AS DATE)
    FROM (SELECT CAST($1 AS DATE) d, CAST($2 AS INTEGER) dd, CAST($3 AS INTEGER) fw, CAST($4 AS DOUBLE) lfd, CAST($5 AS DOUBLE) ovl,
      CAST($6 AS INTEGER) smd, CAST($7 AS INTEGER) sus, CAST($8 AS INTEGER) tgd, CAST($9 AS DOUBLE) sr, CAST($10 AS INTEGER) smu,
      CAST($11 AS INTEGER) ndm, CAST($12 AS INTEGER) lbm, CAST($13 AS DOUBLE) buf, CAST($14 AS DOUBLE) tp, CAST($15 AS BOOLEAN) any_corp)`,
    [asOf, t.dormant_days, t.frequency_window_days, t.low_frequency_days_per_month, t.shared_overlap_minutes, t.shared_min_days,
      t.sustained_months, t.telemetry_gap_days, t.spike_ratio, t.spike_min_users, t.new_domain_min_users, t.lookback_months,
      t.renewal_buffer, settings.flex_token_price, settings.corporate_email_domains.length > 0]);

  await db.run(`CREATE OR REPLACE TEMP TABLE _corp_domain (domain VARCHAR)`);
  await insertRows(db, '_corp_domain', 1, settings.corporate_email_domains.map((d) => [d.trim().toLowerCase().replace(/^@/, '')]));
  // The corporate network (RULES.md "off-network"): IPv4 ranges as integer bounds and network domains.
  await db.run(`CREATE OR REPLACE TEMP TABLE _corp_ip (lo BIGINT, hi BIGINT)`);
  await insertRows(db, '_corp_ip', 2, settings.corporate_ip_ranges.flatMap((r) => {
    const b = ipv4Bounds(r);
    return b ? [[b.lo, b.hi]] : [];
  }));
  await db.run(`CREATE OR REPLACE TEMP TABLE _corp_net (domain VARCHAR)`);
  await insertRows(db, '_corp_net', 1, settings.corporate_network_domains.map((d) => [d.trim().toLowerCase()]));
  // off_network(ip, domain): outside every range and every network domain (a subdomain is inside), judged only on
  // what is known and given: NULL when neither the session nor the settings say anything.
  await db.run(`CREATE OR REPLACE TEMP MACRO ip_num(ip) AS
    CASE WHEN regexp_full_match(ip, '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}') THEN
      (CAST(split_part(ip, '.', 1) AS BIGINT) << 24) + (CAST(split_part(ip, '.', 2) AS BIGINT) << 16) + (CAST(split_part(ip, '.', 3) AS BIGINT) << 8) + CAST(split_part(ip, '.', 4) AS BIGINT) END`);
  await db.run(`CREATE OR REPLACE TEMP MACRO off_network(ip, domain) AS
    CASE
      WHEN (ip_num(ip) IS NULL OR NOT EXISTS (SELECT 1 FROM _corp_ip)) AND (nullif(trim(domain), '') IS NULL OR NOT EXISTS (SELECT 1 FROM _corp_net)) THEN NULL
      ELSE NOT coalesce(EXISTS (SELECT 1 FROM _corp_ip WHERE ip_num(ip) BETWEEN lo AND hi), false)
        AND NOT coalesce(EXISTS (SELECT 1 FROM _corp_net n WHERE lower(trim(domain)) = n.domain OR lower(trim(domain)) LIKE '%.' || n.domain), false)
    END`);

  // Catalogue: entries, members, covers.
  await db.run(`CREATE OR REPLACE TEMP TABLE _cat (code VARCHAR, name VARCHAR, kind VARCHAR, fgroup VARCHAR, annual DOUBLE, list_annual DOUBLE, tokens DOUBLE)`);
  await insertRows(db, '_cat', 7, catalogue.entries().map((e) => [e.code, e.name, e.kind, e.function_group, e.annual, e.list_annual, e.flex_tokens_per_day]));
  await db.run(`CREATE OR REPLACE TEMP TABLE _members (offering VARCHAR, product VARCHAR)`);
  const members: SqlParam[][] = [];
  for (const e of catalogue.entries()) {
    if (e.kind === 'collection') for (const m of e.members) members.push([e.code, catalogue.get(m)?.code ?? m]);
    else members.push([e.code, e.code]);
  }
  await insertRows(db, '_members', 2, members);

  // Price overrides from settings: keys are codes or any alias the catalogue resolves.
  await db.run(`CREATE OR REPLACE TEMP TABLE _price_override (code VARCHAR, annual DOUBLE, list_annual DOUBLE, tokens DOUBLE)`);
  await insertRows(db, '_price_override', 4, [...priceOverrides(settings, catalogue)].map(([code, v]) => [code, v.annual ?? null, v.list_annual ?? null, v.flex_tokens_per_day ?? null]));

  // Subscription lines (entitlements).
  await db.run(`CREATE OR REPLACE TEMP TABLE _e AS
    SELECT 'subscriptions' AS tbl, source_id, line, offering, lower(coalesce(licence_model, 'named_user')) AS model,
      coalesce(seat_quantity, 0) AS seats, coalesce(start_date, DATE '0001-01-01') AS s, coalesce(end_date, DATE '9999-12-31') AS e,
      unit_price, list_price, tokens
    FROM subscriptions WHERE offering IS NOT NULL OR lower(licence_model) = 'flex'`);

  // Assignment rows. The roster (users) is the assignment truth for every user x offering it lists;
  // usage_report 'assigned' rows stand in where the roster has no row, and fill a missing assigned_date.
  await db.run(`CREATE OR REPLACE TEMP TABLE _a AS
    WITH ur AS (
      SELECT "user" AS usr, offering, source_id, line, assigned_date, unassigned_date
      FROM usage_report WHERE "user" IS NOT NULL AND offering IS NOT NULL AND lower(trim(coalesce(seat_assignment, ''))) = 'assigned'),
    ur_dates AS (SELECT usr, offering, max(assigned_date) AS asg FROM ur GROUP BY ALL),
    roster AS (
      SELECT "user" AS usr, coalesce(offering, product) AS offering, source_id, line, assigned_date, unassigned_date, seat_assignment
      FROM users WHERE coalesce(offering, product) IS NOT NULL),
    rows AS (
      SELECT 'users' AS tbl, r.source_id, r.line, r.usr, r.offering, coalesce(r.assigned_date, d.asg) AS assigned, r.unassigned_date AS unassigned
      FROM roster r LEFT JOIN ur_dates d USING (usr, offering)
      WHERE lower(trim(coalesce(r.seat_assignment, ''))) <> 'unassigned'
      UNION ALL
      SELECT 'usage_report', source_id, line, usr, offering, assigned_date, unassigned_date FROM ur
      WHERE NOT EXISTS (SELECT 1 FROM roster r WHERE r.usr = ur.usr AND r.offering = ur.offering))
    SELECT tbl, source_id, line, usr, offering, assigned, unassigned FROM (
      SELECT *, row_number() OVER (PARTITION BY usr, offering, assigned, unassigned ORDER BY tbl DESC, source_id, line) AS rn FROM rows)
    WHERE rn = 1`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _aa AS
    SELECT a.usr, a.offering, min(coalesce(a.assigned, DATE '0001-01-01')) AS asg
    FROM _a a, _p WHERE coalesce(a.assigned, DATE '0001-01-01') <= _p.d AND (a.unassigned IS NULL OR a.unassigned > _p.d)
    GROUP BY ALL`);

  // Usage rows with provenance. Sessions carry FlexNet check-outs too (licence_type 'network').
  // A view, not a copy: DuckDB scans the columnar fact tables faster than it copies them.
  await db.run(`CREATE OR REPLACE TEMP VIEW _u AS
    SELECT 'sessions' AS tbl, source_id, line, "user" AS usr, product, CAST(start_time AS DATE) AS day, lower(licence_type) AS claim,
      lower(nullif(trim(network_domain), '')) AS site, coalesce(nullif(device_id, ''), nullif(device_name, '')) AS device,
      start_time AS st, coalesce(end_time, start_time + to_microseconds(CAST(round(duration_minutes * 60000000) AS BIGINT))) AS et,
      -- The offering whose licence the session took (a FlexNet package, an LRT offering column): whose seats it used.
      licence_offering AS lo
    FROM sessions
    UNION ALL
    SELECT 'usage_daily', source_id, line, "user", product, day, lower(licence_type), NULL, NULL, NULL, NULL, NULL FROM usage_daily
    UNION ALL
    SELECT 'tokenflex', source_id, line, "user", product, usage_date, 'flex', NULL, nullif(machine, ''), session_start, NULL, NULL
    FROM tokenflex WHERE product IS NOT NULL`);
  // The rows of _u that name a network domain (sessions only), with the site computed once per distinct raw
  // value: trim/lower on every row is what made site questions slow at millions of sessions.
  await db.run(`CREATE OR REPLACE TEMP TABLE _site_map AS
    SELECT nd, lower(nullif(trim(nd), '')) AS site FROM (SELECT DISTINCT network_domain AS nd FROM sessions WHERE network_domain IS NOT NULL)`);
  await db.run(`CREATE OR REPLACE TEMP VIEW _u_site AS
    SELECT 'sessions' AS tbl, s.source_id, s.line, s."user" AS usr, CAST(s.start_time AS DATE) AS day, m.site
    FROM sessions s JOIN _site_map m ON m.nd = s.network_domain WHERE m.site IS NOT NULL`);
  // One grouping pass over the usage rows up to D, at (user, product, day) grain: rows without a user are
  // kept (product-day and entitlement questions count them) and `named` says whether a named-user or
  // unknown claim was among the day's rows (the unassigned rules), so no rule re-scans _u for these.
  // Over the narrow columns only: through the wide _u view this aggregate ran out of memory at 20 M sessions.
  await db.run(`CREATE OR REPLACE TEMP VIEW _u_days AS
    SELECT "user" AS usr, product, CAST(start_time AS DATE) AS day, lower(licence_type) AS claim FROM sessions
    UNION ALL SELECT "user", product, day, lower(licence_type) FROM usage_daily
    UNION ALL SELECT "user", product, usage_date, 'flex' FROM tokenflex WHERE product IS NOT NULL`);
  // The grouping's hash table grows with the rows; past RULE_TUNING.updRowsPerSlice usage rows it is built in
  // slices of days, each its own bounded aggregate, so memory stays flat. Days slice the groups exactly
  // (the day is part of the key), and exports run in time order, so each slice's scan skips most blocks.
  const usageRows = Number(
    (await db.one<{ n: number }>(`SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM usage_daily) + (SELECT count(*) FROM tokenflex) AS n`))?.n ?? 0,
  );
  const slices = Math.max(1, Math.ceil(usageRows / RULE_TUNING.updRowsPerSlice));
  await db.run(`CREATE OR REPLACE TEMP TABLE _upd (usr VARCHAR, product VARCHAR, day DATE, named BOOLEAN, network BOOLEAN)`);
  const span = await db.one<{ lo: number | null; hi: number }>(
    `SELECT CAST(min(d) - DATE '1970-01-01' AS INTEGER) AS lo, CAST((SELECT d FROM _p) - DATE '1970-01-01' AS INTEGER) AS hi FROM (
       SELECT CAST(min(start_time) AS DATE) AS d FROM sessions UNION ALL SELECT min(day) FROM usage_daily UNION ALL SELECT min(usage_date) FROM tokenflex)`,
  );
  const lo = span?.lo === null || span?.lo === undefined ? null : Number(span.lo);
  const hi = Number(span?.hi ?? 0);
  const cuts = lo === null || slices === 1 || lo >= hi ? [] : Array.from({ length: slices - 1 }, (_, k) => lo + Math.round(((k + 1) * (hi - lo + 1)) / slices));
  const bounds = [null, ...cuts, null];
  for (let k = 0; k + 1 < bounds.length; k++) {
    // Day numbers since 1970-01-01: [from, to), open at either end for the first and last slice.
    await db.run(
      `INSERT INTO _upd SELECT usr, product, day, bool_or(claim IN ('named_user', 'unknown')) AS named, bool_or(claim = 'network') AS network FROM _u_days, _p
       WHERE day <= _p.d AND ($1 IS NULL OR day >= DATE '1970-01-01' + CAST($1 AS INTEGER)) AND ($2 IS NULL OR day < DATE '1970-01-01' + CAST($2 AS INTEGER))
       GROUP BY usr, product, day`,
      [bounds[k] ?? null, bounds[k + 1] ?? null],
    );
  }
  await db.run(`CREATE OR REPLACE TEMP VIEW _ud AS SELECT usr, product, day FROM _upd WHERE usr IS NOT NULL`);
  // The same at (user, product, month) grain, with the month's first and last usage day: questions by month
  // (monthly active users, spikes) and first/last-day questions read this table, a fraction of _ud's rows.
  await db.run(`CREATE OR REPLACE TEMP TABLE _upm AS
    SELECT usr, product, CAST(date_trunc('month', day) AS DATE) AS m, min(day) AS first_day, max(day) AS last_day, count(*) AS days
    FROM _ud GROUP BY ALL`);
  // "Last used" days: first and last usage day per month, plus usage_report.last_accessed for users with no
  // usage rows (each such row counts as a month whose first and last day is that date).
  await db.run(`CREATE OR REPLACE TEMP VIEW _act AS
    SELECT usr, product, first_day, last_day FROM _upm
    UNION ALL
    SELECT r."user", r.offering, r.last_accessed, r.last_accessed FROM usage_report r, _p
    WHERE r."user" IS NOT NULL AND r.offering IS NOT NULL AND r.last_accessed IS NOT NULL AND r.last_accessed <= _p.d
      AND NOT EXISTS (SELECT 1 FROM _upm WHERE _upm.usr = r."user")`);

  // Covers: catalogue, plus every code seen in the data covering itself.
  await db.run(`CREATE OR REPLACE TEMP TABLE _codes AS
    SELECT code FROM _cat UNION SELECT offering FROM _a UNION SELECT offering FROM _e WHERE offering IS NOT NULL UNION SELECT DISTINCT product FROM _u WHERE product IS NOT NULL
    UNION SELECT code FROM _price_override`);
  await db.run(`INSERT INTO _members SELECT code, code FROM _codes WHERE code NOT IN (SELECT code FROM _cat)`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _covers AS
    SELECT offering, product FROM _members UNION SELECT code, code FROM _codes`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _ent AS
    SELECT e.*, c.product FROM _e e JOIN _covers c ON c.offering = e.offering`);
  // The offering of the entitlement line covering product p on day d (of licence model m, or any when NULL):
  // the product's own before a collection, then by code, so a gap line names one entitlement, always the same.
  await db.run(`CREATE OR REPLACE TEMP MACRO entitlement_of(p, d, m) AS
    (SELECT arg_min(e.offering, (e.offering <> p, e.offering)) FROM _ent e WHERE e.product = p AND d BETWEEN e.s AND e.e AND (m IS NULL OR e.model = m))`);

  // The book's list prices are in its own currency: in another currency they never outrank a price given in the
  // engagement's (a EUR unit price beside a USD list price made list-price audit scenarios mix the two).
  const bookInCurrency = catalogue.file.currency === settings.currency;
  // price(o): entitlement unit_price (the line in term at D first, then the latest), else settings, else the book.
  // One line's unit and list price together (not the highest of each from different lines): of the lines in term
  // at D (else all), the Named User line's, else the latest, the dearest.
  await db.run(`CREATE OR REPLACE TEMP TABLE _price AS
    -- A network line's price is the network line's own (_price_net, for network over-use): every other finding takes
    -- its price from the offering's other lines, else from the settings or the book, never from a network seat's price.
    WITH line AS (
      SELECT offering AS code,
        arg_max({'u': unit_price, 'l': list_price}, (CASE WHEN s <= _p.d AND e >= _p.d THEN 1 ELSE 0 END, model = 'named_user', e, s, unit_price))
          FILTER (WHERE unit_price IS NOT NULL AND model IS DISTINCT FROM 'network') AS pick
      FROM _e, _p GROUP BY offering),
    sub AS (SELECT code, pick.u AS unit_price, pick.l AS list_price FROM line)
    SELECT c.code,
      coalesce(sub.unit_price, o.annual, k.annual) AS price_raw,
      coalesce(sub.unit_price, o.annual, k.annual, 0) AS price,
      ${listPrice('coalesce', bookInCurrency)} AS list_price,
      coalesce(o.tokens, k.tokens) AS tokens,
      coalesce(k.kind, 'product') AS kind, k.fgroup, coalesce(k.name, c.code) AS name,
      -- Where the price came from, for the evidence pack's prices.csv (the same precedence as price_raw).
      CASE WHEN sub.unit_price IS NOT NULL THEN 'subscription line' WHEN o.annual IS NOT NULL THEN 'engagement settings'
           WHEN k.annual IS NOT NULL THEN 'price book' ELSE 'none' END AS price_source,
      -- And of the list price, in coalesce's order above (a list price nowhere given is the unit price).
      ${listPrice('source', bookInCurrency)} AS list_source
    FROM _codes c LEFT JOIN sub ON sub.code = c.code LEFT JOIN _price_override o ON o.code = c.code LEFT JOIN _cat k ON k.code = c.code`);
  // A network line priced apart from the Named User line: network over-use is priced from it (RULES.md price(o):
  // the entitlement's unit price, and the entitlement exceeded is the network line).
  await db.run(`CREATE OR REPLACE TEMP TABLE _price_net AS
    SELECT offering AS code,
      arg_max({'u': unit_price, 'l': list_price}, (CASE WHEN s <= _p.d AND e >= _p.d THEN 1 ELSE 0 END, e, s, unit_price)).u AS price,
      arg_max({'u': unit_price, 'l': list_price}, (CASE WHEN s <= _p.d AND e >= _p.d THEN 1 ELSE 0 END, e, s, unit_price)).l AS list_price
    FROM _e, _p WHERE model = 'network' AND unit_price IS NOT NULL GROUP BY offering`);

  await db.run(`CREATE OR REPLACE TEMP TABLE _f (finding_id VARCHAR, type VARCHAR, family VARCHAR, severity VARCHAR, usr VARCHAR,
    product VARCHAR, offering VARCHAR, units DOUBLE, annual_value DOUBLE, price DOUBLE, list_price DOUBLE, months DOUBLE,
    first_seen DATE, last_seen DATE, detail VARCHAR, counted_in_savings BOOLEAN)`);
  // Evidence is capped as it is staged (see addEvidence); n keeps the exact count of each batch.
  await db.run(`CREATE OR REPLACE TEMP TABLE _ev (finding_id VARCHAR, table_name VARCHAR, source_id INTEGER, line BIGINT, note VARCHAR, batch INTEGER, n BIGINT)`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _want (finding_id VARCHAR, usr VARCHAR, product VARCHAR, lo DATE, hi DATE, named_only BOOLEAN,
    unassigned_days BOOLEAN, note VARCHAR, note_day BOOLEAN, batch INTEGER)`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _un_days (usr VARCHAR, product VARCHAR, day DATE)`); // filled by the gap rules
  evidenceBatch = 0;
  return { db, settings, catalogue, asOf };
}

/** Usage rows one (user, product, day) grouping pass takes at a time within the 768 MB memory limit (tests lower it). */
export const RULE_TUNING = { updRowsPerSlice: 15_000_000 };

/** Rows of evidence kept per finding; evidence_count still counts all of them. */
export const EVIDENCE_CAP = 1000;
let evidenceBatch = 0;

/**
 * Stages evidence from a SELECT of (finding_id, table_name, source_id, line, note): at most EVIDENCE_CAP rows
 * per finding are kept, the exact count travels along in n.
 */
export async function addEvidence(db: EngagementDb, select: string): Promise<void> {
  evidenceBatch += 1;
  // Windows, not a top-N aggregate: a window sorts and can spill to disk, while a min_by(..., 1000) heap per
  // finding is held in memory and ran out of it at millions of sessions.
  await db.run(`INSERT INTO _ev SELECT finding_id, table_name, source_id, line, note, $1, n FROM (
      SELECT x.*, count(*) OVER w AS n, row_number() OVER (w ORDER BY table_name, source_id, line) AS rn
      FROM (${select}) x(finding_id, table_name, source_id, line, note)
      WINDOW w AS (PARTITION BY finding_id)) WHERE rn <= $2`, [evidenceBatch, EVIDENCE_CAP]);
}

/**
 * Usage rows of one user as evidence, fetched later in ONE pass over _u for all rules (fetchWantedUsage):
 * each rule would otherwise scan every usage row again. The select gives, per finding and user:
 * (finding_id, usr, product or NULL for any, lo exclusive or NULL, hi inclusive, named_only: only named-user/unknown
 * claims, unassigned_days: only the (user, product, day)s of _un_days, note, note_day: append the row's day to note).
 * The batch number is taken now, so the finding's evidence keeps the order of the addEvidence/wantUsage calls.
 */
export async function wantUsage(db: EngagementDb, select: string): Promise<void> {
  evidenceBatch += 1;
  await db.run(`INSERT INTO _want SELECT *, $1 FROM (${select}) x(finding_id, usr, product, lo, hi, named_only, unassigned_days, note, note_day)`, [evidenceBatch]);
}

/** Stages the evidence asked for with wantUsage: one join of the usage rows on user, capped like addEvidence. */
export async function fetchWantedUsage(db: EngagementDb): Promise<void> {
  const any = await db.one<{ n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM _want LIMIT 1)');
  if (Number(any?.n ?? 0) === 0) return;
  // Windows that can spill (see addEvidence); the note is built for the kept rows only.
  await db.run(`INSERT INTO _ev SELECT finding_id, tbl, source_id, line, CASE WHEN note_day THEN note || CAST(day AS VARCHAR) ELSE note END, batch, n FROM (
      SELECT w.finding_id, w.batch, w.note, w.note_day, u.tbl, u.source_id, u.line, u.day,
        count(*) OVER p AS n, row_number() OVER (p ORDER BY u.tbl, u.source_id, u.line) AS rn
      FROM _u u JOIN _want w ON w.usr = u.usr
        LEFT JOIN _un_days x ON x.usr = u.usr AND x.product = u.product AND x.day = u.day
      WHERE u.day <= w.hi AND (w.lo IS NULL OR u.day > w.lo) AND (w.product IS NULL OR u.product = w.product)
        AND (NOT w.named_only OR u.claim IN ('named_user', 'unknown')) AND (NOT w.unassigned_days OR x.usr IS NOT NULL)
      WINDOW p AS (PARTITION BY w.finding_id, w.batch)) WHERE rn <= $1`, [EVIDENCE_CAP]);
}

/** Drops the temp tables and views (they live on the connection until then). */
export async function releaseContext(db: EngagementDb): Promise<void> {
  const rows = await db.all<{ name: string; kind: string }>(
    `SELECT table_name AS name, table_type AS kind FROM information_schema.tables WHERE table_catalog = 'temp'`,
  );
  for (const r of rows) {
    if (!/^_[a-z0-9_]+$/.test(r.name)) continue;
    await db.run(`DROP ${r.kind === 'VIEW' ? 'VIEW' : 'TABLE'} IF EXISTS ${r.name}`);
  }
}

/**
 * list(o) in precedence order: the subscription line's list price, the settings', the book's, else the unit price
 * (a list price nowhere given is the unit price). When the book is in another currency than the engagement, its list
 * price comes after the engagement-currency unit prices. `source` gives where the value came from, for prices.csv.
 */
function listPrice(as: 'coalesce' | 'source', bookInCurrency: boolean): string {
  const order: Array<[string, string]> = bookInCurrency
    ? [['sub.list_price', 'subscription line'], ['o.list_annual', 'engagement settings'], ['k.list_annual', 'price book'], ['sub.unit_price', 'the unit price'], ['o.annual', 'the unit price'], ['k.annual', 'the unit price']]
    : [['sub.list_price', 'subscription line'], ['o.list_annual', 'engagement settings'], ['sub.unit_price', 'the unit price'], ['o.annual', 'the unit price'], ['k.list_annual', 'price book'], ['k.annual', 'the unit price']];
  if (as === 'coalesce') return `coalesce(${order.map(([x]) => x).join(', ')}, 0)`;
  return `CASE ${order.map(([x, label]) => `WHEN ${x} IS NOT NULL THEN '${label}'`).join(' ')} ELSE 'none' END`;
}
