// Compliance gaps (RULES.md "Compliance gaps"): out_of_scope_product, unassigned_usage, contractor_unassigned,
// shared_account, legacy_serial_use, network_over_use. Gap rules look only inside the lookback
// (D - lookback_months, D]. Each line carries units, price(product), list(product), months of exposure
// (months rounded up from first_seen to D, at least 1, at most lookback_months) and first/last seen.
//
// Entitlement choices where RULES leaves room:
// - a Flex-claimed usage row is never out of scope: tokens are spent on any product, and a claim that took
//   tokens was metered and billed by Autodesk against a Flex agreement, even one the subscriptions export lacks
//   or whose term it does not show (the review warns, flex_pool_missing). Read as use without a licence, a
//   Token Flex export gave a gap line per product used (142 on Autodesk's own sample);
// - out-of-scope use (no line entitles the product that day) is never also unassigned use: the
//   unassigned rules only look at days the product is entitled.
import { addEvidence, wantUsage, type RuleContext } from './context';

/**
 * Inserts staged gap lines (_gap_stage) into _f with prices and months of exposure. A product-level line (no
 * user) is identified by its type and product alone: the offering it names is the entitlement in force, which
 * can change with the contract without the line becoming another finding (its decisions stay with it).
 */
async function emitGapLines(ctx: RuleContext): Promise<void> {
  // Network over-use is priced from the product's own network line when that line carries a unit price.
  await ctx.db.run(`INSERT INTO _f SELECT fid(g.type, g.usr, g.product, CASE WHEN g.usr IS NOT NULL THEN g.offering END, NULL), g.type, 'gap', g.severity, g.usr, g.product, g.offering,
      g.units, g.units * coalesce(pn.price, pr.price, 0), coalesce(pn.price, pr.price, 0), coalesce(pn.list_price, pn.price, pr.list_price, pr.price, 0),
      least(_p.lbm, greatest(1, months_up(g.first_day, _p.d))), g.first_day, g.last_day,
      g.detail || CASE WHEN pr.price_raw IS NULL AND pn.price IS NULL THEN '; no price for ' || g.product || ' in the price book' ELSE '' END, false
    FROM _gap_stage g LEFT JOIN _price pr ON pr.code = g.product
      LEFT JOIN _price_net pn ON pn.code = g.product AND g.type = 'network_over_use', _p`);
  await ctx.db.run(`DELETE FROM _gap_stage`);
}

/**
 * SQL for the sessions of `rel` (columns st, et and `keys`, both constant SQL) with each key's overlapping or touching
 * sessions merged into one span: what one holder occupies, for a sweep that counts holders at once.
 */
const mergedSpans = (rel: string, keys: string): string => `(
  WITH ordered AS (
    SELECT ${keys}, st, et, max(et) OVER (PARTITION BY ${keys} ORDER BY st, et ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM ${rel}),
  islands AS (
    SELECT *, sum(CASE WHEN prev_end IS NULL OR st > prev_end THEN 1 ELSE 0 END) OVER (PARTITION BY ${keys} ORDER BY st, et ROWS UNBOUNDED PRECEDING) AS isl FROM ordered)
  SELECT ${keys}, min(st) AS st, max(et) AS et FROM islands GROUP BY ${keys}, isl)`;

export async function runGaps(ctx: RuleContext): Promise<void> {
  const { db } = ctx;
  await db.run(`CREATE OR REPLACE TEMP TABLE _gap_stage (type VARCHAR, severity VARCHAR, usr VARCHAR, product VARCHAR, offering VARCHAR,
    units DOUBLE, first_day DATE, last_day DATE, detail VARCHAR)`);
  await db.run(`CREATE OR REPLACE TEMP VIEW _lb AS SELECT u.* FROM _u u, _p WHERE u.day > _p.lb_start AND u.day <= _p.d AND u.product IS NOT NULL`);
  // Row-level questions join _u (not _lb) to small key tables whose days already lie inside the lookback (_pd,
  // _un_days): the join then restricts the rows to the lookback by itself, and DuckDB can push the small key set
  // down into the scans, which a filter against _p in the same query prevents (ten times slower).
  await db.run(`CREATE OR REPLACE TEMP TABLE _pd AS
    SELECT x.product, x.day,
      EXISTS (SELECT 1 FROM _ent e WHERE e.product = x.product AND x.day BETWEEN e.s AND e.e) AS ent,
      EXISTS (SELECT 1 FROM _ent e WHERE e.model = 'serial' AND e.product = x.product AND x.day BETWEEN e.s AND e.e) AS serial_ent
    FROM (SELECT DISTINCT product, day FROM _upd, _p WHERE day > _p.lb_start AND day <= _p.d) x`);

  // out_of_scope_product
  await db.run(`CREATE OR REPLACE TEMP TABLE _oos_rows AS
    SELECT l.tbl, l.source_id, l.line, l.usr, l.product, l.day, l.claim, l.device
    FROM _u l JOIN (SELECT product, day FROM _pd WHERE NOT ent) x USING (product, day) WHERE l.claim IS DISTINCT FROM 'flex'`);
  await db.run(`INSERT INTO _gap_stage
    WITH monthly AS (
      SELECT product, date_trunc('month', day) AS m, count(DISTINCT coalesce(usr, 'device:' || device)) AS users
      FROM _oos_rows GROUP BY ALL),
    span AS (SELECT product, min(day) AS first_day, max(day) AS last_day, count(DISTINCT day) AS days FROM _oos_rows GROUP BY product)
    SELECT 'out_of_scope_product', 'high', NULL, s.product, NULL, greatest(1, max(m.users)), s.first_day, s.last_day,
      printf('used on %s with no subscription line entitling it; peak %s in a month', plural(s.days, 'day'), plural(max(m.users), 'user'))
    FROM span s JOIN monthly m USING (product) GROUP BY s.product, s.first_day, s.last_day, s.days`);
  await addEvidence(db, `SELECT fid('out_of_scope_product', NULL, product, NULL, NULL), tbl, source_id, line, 'use on ' || CAST(day AS VARCHAR) || ' without entitlement'
    FROM _oos_rows`);
  await emitGapLines(ctx);

  // unassigned_usage / contractor_unassigned
  await db.run(`CREATE OR REPLACE TEMP TABLE _acov AS SELECT a.usr, c.product, coalesce(a.assigned, DATE '0001-01-01') AS s, coalesce(a.unassigned, DATE '9999-12-31') AS e
    FROM _a a JOIN _covers c ON c.offering = a.offering`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _contractor AS SELECT DISTINCT "user" AS usr FROM users WHERE lower(trim(coalesce(user_type, ''))) = 'contractor'`);
  // Distinct (user, product, day) from _upd (its `named` flag marks named-user/unknown claims; _pd holds the
  // lookback's days only), then an anti-join on the covering assignments (hash join on user and product with
  // the date range as a residual). The rows themselves are fetched for evidence with wantUsage.
  await db.run(`CREATE OR REPLACE TEMP TABLE _un_days AS
    WITH d AS (
      SELECT u.usr, u.product, u.day FROM _upd u JOIN _pd USING (product, day) WHERE _pd.ent AND u.named AND u.usr IS NOT NULL),
    -- (user, product) pairs whose whole span of days sits inside one assignment are covered on every day:
    -- only the other pairs need the day-by-day check.
    span AS (SELECT usr, product, min(day) AS f, max(day) AS l FROM d GROUP BY usr, product),
    open_pairs AS (
      SELECT s.usr, s.product FROM span s LEFT JOIN _acov a ON a.usr = s.usr AND a.product = s.product AND a.s <= s.f AND a.e > s.l
      WHERE a.usr IS NULL)
    SELECT d.* FROM d SEMI JOIN open_pairs o ON o.usr = d.usr AND o.product = d.product
      LEFT JOIN _acov a ON a.usr = d.usr AND a.product = d.product AND a.s <= d.day AND a.e > d.day
    WHERE a.usr IS NULL`);
  await db.run(`INSERT INTO _gap_stage
    WITH per AS (
      -- Every day of _un_days has a named-user/unknown usage row in the lookback (_upd.named), so the days
      -- are those of the rows that prove the line; the rows themselves are fetched once, with the other usage evidence.
      SELECT usr, product, min(day) AS first_day, max(day) AS last_day, count(DISTINCT day) AS days FROM _un_days GROUP BY usr, product),
    corp AS (
      SELECT p.*, (NOT _p.any_corp OR lower(split_part(p.usr, '@', 2)) IN (SELECT domain FROM _corp_domain))
        AND p.usr NOT IN (SELECT usr FROM _contractor) AS corporate
      FROM per p, _p)
    SELECT CASE WHEN corporate THEN 'unassigned_usage' ELSE 'contractor_unassigned' END, 'high', c.usr, c.product,
      entitlement_of(c.product, c.last_day, NULL),
      1, first_day, last_day,
      printf('%s without an assignment covering %s', plural(days, 'usage day'), c.product)
        || CASE WHEN corporate THEN '' WHEN c.usr IN (SELECT usr FROM _contractor) THEN '; contractor' ELSE '; e-mail domain outside the corporate domains' END
    FROM corp c`);
  // Where the sessions show it: on how many of those days use came from off the corporate network.
  await db.run(`UPDATE _gap_stage g SET detail = g.detail || printf('; %s of them off the corporate network', plural(o.days, 'day'))
    FROM (
      SELECT s."user" AS usr, s.product, count(DISTINCT CAST(s.start_time AS DATE)) AS days
      FROM sessions s JOIN _un_days x ON x.usr = s."user" AND x.product = s.product AND x.day = CAST(s.start_time AS DATE)
      WHERE off_network(s.ip_address, s.network_domain)
      GROUP BY ALL) o
    WHERE o.usr = g.usr AND o.product = g.product`);
  await wantUsage(db, `SELECT fid(g.type, g.usr, g.product, g.offering, NULL), g.usr, g.product, _p.lb_start, _p.d, true, true, 'unassigned use on ', true
    FROM _gap_stage g, _p`);
  await emitGapLines(ctx);

  // shared_account: overlapping sessions of one user and product on distinct devices. A network check-out is a seat
  // of the server's pool, not a person's licence: one login on two hosts holds two network seats, which the peak of
  // network seats (network_over_use) already counts, so network sessions are no sign of a shared Named User account.
  await db.run(`CREATE OR REPLACE TEMP TABLE _ss AS
    SELECT row_number() OVER () AS sid, tbl, source_id, line, usr, product, device, st, et
    FROM _lb l SEMI JOIN (SELECT usr, product FROM _lb WHERE tbl = 'sessions' AND claim IS DISTINCT FROM 'network' AND usr IS NOT NULL AND device IS NOT NULL
                          GROUP BY usr, product HAVING min(device) <> max(device)) m ON m.usr = l.usr AND m.product = l.product
    WHERE l.tbl = 'sessions' AND l.claim IS DISTINCT FROM 'network' AND l.usr IS NOT NULL AND l.device IS NOT NULL AND l.et IS NOT NULL AND l.et > l.st`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _ss_day AS
    SELECT sid, usr, product, device, st, et, unnest(generate_series(CAST(st AS DATE), least(CAST(et AS DATE), CAST(st AS DATE) + 2), INTERVAL 1 DAY)) AS bucket
    FROM _ss`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _overlaps AS
    SELECT DISTINCT a.sid AS sid1, b.sid AS sid2, a.usr, a.product, CAST(greatest(a.st, b.st) AS DATE) AS day
    FROM _ss_day a JOIN _ss_day b ON a.usr = b.usr AND a.product = b.product AND a.bucket = b.bucket AND a.device < b.device, _p
    WHERE least(a.et, b.et) - greatest(a.st, b.st) >= to_microseconds(CAST(round(_p.ovl * 60000000) AS BIGINT))
      AND CAST(greatest(a.st, b.st) AS DATE) > _p.lb_start AND CAST(greatest(a.st, b.st) AS DATE) <= _p.d`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _shared AS
    SELECT usr, product, min(day) AS first_day, max(day) AS last_day, count(DISTINCT day) AS days
    FROM _overlaps GROUP BY usr, product HAVING count(DISTINCT day) >= (SELECT smd FROM _p)`);
  // Peak simultaneous devices: merge each device's own overlapping sessions, then sweep.
  await db.run(`CREATE OR REPLACE TEMP TABLE _shared_peak AS
    WITH s AS (SELECT ss.* FROM _ss ss JOIN _shared USING (usr, product)),
    merged AS ${mergedSpans('s', 'usr, product, device')},
    ev AS (SELECT usr, product, st AS t, 1 AS delta FROM merged UNION ALL SELECT usr, product, et, -1 FROM merged),
    run AS (SELECT usr, product, sum(delta) OVER (PARTITION BY usr, product ORDER BY t, delta ROWS UNBOUNDED PRECEDING) AS level FROM ev)
    SELECT usr, product, max(level) AS peak FROM run GROUP BY usr, product`);
  await db.run(`INSERT INTO _gap_stage SELECT 'shared_account', 'medium', s.usr, s.product, NULL, greatest(1, p.peak - 1), s.first_day, s.last_day,
      printf('sessions on distinct devices overlapped on %s; peak %d devices at once', plural(s.days, 'day'), p.peak)
    FROM _shared s JOIN _shared_peak p USING (usr, product)`);
  await addEvidence(db, `SELECT DISTINCT fid('shared_account', o.usr, o.product, NULL, NULL), ss.tbl, ss.source_id, ss.line, 'overlapping session on ' || ss.device
    FROM _overlaps o JOIN _shared USING (usr, product) JOIN _ss ss ON ss.sid IN (o.sid1, o.sid2)`);
  await emitGapLines(ctx);

  // legacy_serial_use
  await db.run(`CREATE OR REPLACE TEMP TABLE _serial_rows AS
    SELECT l.tbl, l.source_id, l.line, l.usr, l.product, l.day, l.claim, l.device FROM _u l JOIN _pd USING (product, day) WHERE l.claim = 'serial' AND NOT _pd.serial_ent`);
  await db.run(`INSERT INTO _gap_stage SELECT 'legacy_serial_use', 'high', NULL, product, NULL,
      greatest(1, count(DISTINCT coalesce(device, 'user:' || usr))), min(day), max(day),
      printf('serial-number use on %s on %s with no serial entitlement', plural(count(DISTINCT day), 'day'), plural(count(DISTINCT device), 'device'))
    FROM _serial_rows GROUP BY product`);
  await addEvidence(db, `SELECT fid('legacy_serial_use', NULL, product, NULL, NULL), tbl, source_id, line, 'serial use on ' || coalesce(device, 'unknown device')
    FROM _serial_rows`);
  await emitGapLines(ctx);

  // network_over_use: sustained months where the peak of network seats held at once exceeds the network seats.
  // The seats a network session holds are its pool's: the offering whose licence it took when that is known (FlexNet
  // logs name the package: Civil 3D through the AEC Collection uses a Collection seat, AutoCAD through its own package
  // an AutoCAD seat, even where a network Collection covering AutoCAD is bought and the AutoCAD package is not: its
  // seats are then none of the contract's network lines, and it is compared with none), else its product when bought
  // as network, else the network collection covering the product (the one with most seats), where it joins the
  // collection's own sessions.
  // Each pool is compared with its own seats: one Collection seat is never counted for AutoCAD and Civil 3D at once,
  // and Map 3D checked out beside three Collection seats in use is a fourth.
  await db.run(`CREATE OR REPLACE TEMP TABLE _net_direct AS SELECT DISTINCT offering FROM _e WHERE model = 'network' AND offering IS NOT NULL`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _cover_pool AS
    SELECT product, arg_min(offering, (-seats, offering)) AS pool FROM _ent
    WHERE model = 'network' AND product NOT IN (SELECT offering FROM _net_direct) GROUP BY product`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _ns AS
    SELECT l.tbl, l.source_id, l.line, l.usr,
      CASE WHEN l.lo IS NOT NULL THEN l.lo WHEN l.product IN (SELECT offering FROM _net_direct) THEN l.product ELSE cp.pool END AS product,
      l.st, CASE WHEN l.et IS NULL OR l.et <= l.st THEN l.st + INTERVAL 1 SECOND ELSE l.et END AS et,
      -- Who holds the seat: FlexNet counts one user's check-outs on one host as one seat (Autodesk's licences group
      -- duplicates by user and host), so a second AutoCAD window is no second seat. A row naming no user or no host
      -- holds a seat of its own.
      CASE WHEN l.usr IS NOT NULL AND l.device IS NOT NULL THEN l.usr || chr(10) || lower(l.device) ELSE l.tbl || chr(10) || l.source_id || chr(10) || l.line END AS who
    FROM _lb l LEFT JOIN _cover_pool cp ON cp.product = l.product WHERE l.claim = 'network' AND l.st IS NOT NULL
      AND (l.lo IN (SELECT offering FROM _net_direct) OR (l.lo IS NULL AND l.product IN (SELECT product FROM _ent WHERE model = 'network')))`);
  // Each pool's network seats: the network lines of that offering itself.
  await db.run(`CREATE OR REPLACE TEMP TABLE _pool_ent AS SELECT e.* FROM _ent e WHERE e.model = 'network' AND e.offering = e.product`);
  // The seats held: each holder's overlapping sessions of a product merged into one span.
  await db.run(`CREATE OR REPLACE TEMP TABLE _nseat AS SELECT product, st, et FROM ${mergedSpans('_ns', 'product, who')}`);
  // Peak seats held at once per product and day (the renewal brief sizes network lines by it too).
  // peak_at: the first instant of the day's peak (the sessions open then are the ones over the seats).
  // A seat held across midnight is in use on the next day too, though no session starts then: each day a pool's seats
  // span gets a probe at its first instant (delta 0), where the running level counts what is open.
  await db.run(`CREATE OR REPLACE TEMP TABLE _net_daily AS
    WITH probes AS (
      SELECT product, unnest(generate_series(date_trunc('day', min(st)) + INTERVAL 1 DAY, date_trunc('day', max(et)), INTERVAL 1 DAY)) AS t
      FROM _nseat GROUP BY product),
    ev AS (SELECT product, st AS t, 1 AS delta FROM _nseat UNION ALL SELECT product, et, -1 FROM _nseat UNION ALL SELECT product, t, 0 FROM probes),
    run AS (SELECT product, t, delta, sum(delta) OVER (PARTITION BY product ORDER BY t, delta ROWS UNBOUNDED PRECEDING) AS level FROM ev)
    SELECT product, CAST(t AS DATE) AS day, max(level) AS peak, arg_max(t, (level, -epoch(t))) AS peak_at FROM run WHERE delta >= 0 GROUP BY ALL HAVING max(level) > 0`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _net_month AS
    WITH daily AS (SELECT * FROM _net_daily),
    seats AS (
      SELECT d.product, d.day, d.peak, d.peak_at, coalesce(sum(e.seats), 0) AS seats
      FROM daily d LEFT JOIN _pool_ent e ON e.product = d.product AND d.day BETWEEN e.s AND e.e, _p
      WHERE d.day > _p.lb_start AND d.day <= _p.d GROUP BY d.product, d.day, d.peak, d.peak_at),
    -- peak_day: the month's day of largest excess, the earliest of equal ones (a tie must not pick at random).
    monthly AS (
      SELECT product, date_trunc('month', day) AS m, max(peak - seats) AS excess, min(day) FILTER (WHERE peak > seats) AS first_day,
        max(day) FILTER (WHERE peak > seats) AS last_day, arg_max(day, (peak - seats, -epoch(day))) AS peak_day,
        arg_max(peak_at, (peak - seats, -epoch(day))) AS peak_at, arg_max(peak, (peak - seats, -epoch(day))) AS peak_n,
        arg_max(seats, (peak - seats, -epoch(day))) AS peak_seats
      FROM seats GROUP BY ALL HAVING max(peak - seats) > 0),
    runs AS (
      SELECT *, (year(m) * 12 + month(m)) - row_number() OVER (PARTITION BY product ORDER BY m) AS grp FROM monthly)
    SELECT r.* FROM runs r JOIN (SELECT product, grp FROM runs GROUP BY ALL HAVING count(*) >= (SELECT sus FROM _p)) q USING (product, grp)`);
  // The offering is the network entitlement exceeded: the one in force on the last day of over-use.
  await db.run(`INSERT INTO _gap_stage
    WITH g AS (
      SELECT product, max(excess) AS units, min(first_day) AS first_day, max(last_day) AS last_day, count(*) AS months,
        -- The month of the largest excess, as the evidence shows it: so many at once on so many seats, when.
        arg_max({'n': peak_n, 's': peak_seats, 'at': peak_at}, (excess, -epoch(peak_at))) AS top
      FROM _net_month GROUP BY product)
    SELECT 'network_over_use', 'medium', NULL, g.product,
      entitlement_of(g.product, g.last_day, 'network'),
      g.units, g.first_day, g.last_day,
      printf('peak network seats in use at once (one per user and host) above the network seats in %s (largest excess %d: %d at once on %s, %s)',
        plural(g.months, 'month'), g.units, g.top.n, plural(CAST(g.top.s AS BIGINT), 'seat'), strftime(g.top.at, '%Y-%m-%d %H:%M'))
    FROM g`);
  // Each month's evidence is the sessions open at its peak instant: exactly the peak, against the seats then.
  await addEvidence(db, `SELECT fid('network_over_use', NULL, n.product, NULL, NULL), s.tbl, s.source_id, s.line,
      printf('network session open at %s: %d at once against %s', strftime(n.peak_at, '%Y-%m-%d %H:%M:%S'), n.peak_n, plural(CAST(n.peak_seats AS BIGINT), 'seat'))
    FROM _net_month n JOIN _ns s ON s.product = n.product AND s.st <= n.peak_at AND s.et > n.peak_at`);
  // And the other side of the comparison: the network subscription lines whose seats were exceeded.
  await addEvidence(db, `SELECT DISTINCT fid('network_over_use', NULL, g.product, NULL, NULL), e.tbl, e.source_id, e.line,
      printf('network entitlement: %s of %s', plural(CAST(e.seats AS BIGINT), 'seat'), e.offering)
    FROM (SELECT product, min(m) AS first_m, max(last_day) AS last_day FROM _net_month GROUP BY product) g
      JOIN _pool_ent e ON e.product = g.product AND e.s <= g.last_day AND e.e >= g.first_m`);
  await emitGapLines(ctx);
}
