// Savings findings (RULES.md "Savings findings"): dormant_user, unused_assignment, duplicate_access,
// collection_single_product, low_frequency_user. A (user, offering) is counted once, in that order:
// a later finding over an already-counted (user, offering) stays on the list (it is true) but carries
// annual_value 0 and counted_in_savings false, so summary savings never count an assignment twice.
import { addEvidence, wantUsage, type RuleContext } from './context';

/**
 * How a low-frequency finding names the products with no Flex token rate (their Flex cost is unknown, so no
 * saving is counted); review-warnings.ts reads them back from the detail to say so before the figures.
 */
export const NO_FLEX_RATE = '; no Flex token rate for ';
export const NO_FLEX_RATE_END = ', so the Flex cost is unknown and no saving is counted: set its Flex tokens per day in the price book';

export async function runSavings(ctx: RuleContext): Promise<void> {
  const { db } = ctx;
  // First and last use per (user, product) and per user: every "last used" question reads these small tables.
  await db.run(`CREATE OR REPLACE TEMP TABLE _last_up AS SELECT usr, product, min(first_day) AS first_day, max(last_day) AS last_day FROM _act GROUP BY usr, product`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _user_act AS
    SELECT usr, min(first_day) AS first_day, max(last_day) AS last_day, max(last_day) > any_value(_p.d_dd) AS recent
    FROM _last_up, _p GROUP BY usr`);

  // dormant_user
  await db.run(`CREATE OR REPLACE TEMP TABLE _dormant AS
    SELECT aa.usr, count(*) AS n, sum(pr.price) AS value, min(aa.asg) AS first_asg, any_value(ua.first_day) AS first_day,
      any_value(ua.last_day) AS last_day, string_agg(aa.offering, ', ' ORDER BY aa.offering) AS offerings
    FROM _aa aa JOIN _price pr ON pr.code = aa.offering LEFT JOIN _user_act ua ON ua.usr = aa.usr, _p
    GROUP BY aa.usr, _p.d_dd
    HAVING min(aa.asg) <= _p.d_dd AND NOT coalesce(bool_or(ua.recent), false)`);
  // A user with no use by D may still have used something after it (an export running past the review date):
  // "never used" would then contradict the data the analyst can see, so the detail says when.
  // Each usage table filtered by D as a constant, so its time-ordered blocks are skipped by their min/max, not read.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE _after_d AS
     SELECT usr, min(d) AS first_after FROM (
       SELECT "user" AS usr, CAST(start_time AS DATE) AS d FROM sessions WHERE start_time >= CAST($1 AS DATE) + INTERVAL 1 DAY
       UNION ALL SELECT "user", day FROM usage_daily WHERE day > CAST($1 AS DATE)
       UNION ALL SELECT "user", usage_date FROM tokenflex WHERE usage_date > CAST($1 AS DATE))
     WHERE usr IN (SELECT usr FROM _dormant WHERE last_day IS NULL) GROUP BY usr`,
    [ctx.asOf],
  );
  // The offering is named when the user holds one assignment (most do); with several, the detail lists them.
  await db.run(`INSERT INTO _f SELECT fid('dormant_user', usr, NULL, NULL, NULL), 'dormant_user', 'savings', 'medium', usr, NULL,
      CASE WHEN n = 1 THEN offerings END,
      n, value, NULL, NULL, NULL, first_day, last_day,
      CASE WHEN last_day IS NOT NULL THEN 'last used ' || CAST(last_day AS VARCHAR)
           WHEN (SELECT first_after FROM _after_d a WHERE a.usr = _dormant.usr) IS NOT NULL
             THEN 'no use by the review date (first use ' || CAST((SELECT first_after FROM _after_d a WHERE a.usr = _dormant.usr) AS VARCHAR) || ', after it)'
           ELSE 'never used' END || '; assignments: ' || offerings
        || coalesce('; the usage report says last accessed ' || CAST((SELECT CASE WHEN max(r.last_accessed) IS DISTINCT FROM _dormant.last_day THEN max(r.last_accessed) END
             FROM usage_report r WHERE r."user" = _dormant.usr AND r.last_accessed IS NOT NULL) AS VARCHAR) || ' (sources disagree)', ''),
      value > 0
    FROM _dormant`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _claimed AS SELECT aa.usr, aa.offering, 'dormant_user' AS claimed_by FROM _aa aa JOIN _dormant USING (usr)`);
  await addEvidence(db, `SELECT fid('dormant_user', a.usr, NULL, NULL, NULL), a.tbl, a.source_id, a.line, 'active assignment ' || a.offering
    FROM _a a JOIN _aa aa USING (usr, offering) JOIN _dormant USING (usr), _p
    WHERE coalesce(a.assigned, DATE '0001-01-01') <= _p.d AND (a.unassigned IS NULL OR a.unassigned > _p.d)`);
  // And the rows of the last day they used anything: what "last used" rests on.
  await wantUsage(db, `SELECT fid('dormant_user', usr, NULL, NULL, NULL), usr, NULL, CAST(last_day - 1 AS DATE), last_day, false, false, 'last usage, on ', true
    FROM _dormant WHERE last_day IS NOT NULL`);

  // unused_assignment: not dormant, assigned before the window, no use of any covered product inside it.
  await db.run(`CREATE OR REPLACE TEMP TABLE _unused AS
    SELECT aa.usr, aa.offering, pr.price, max(x.last_day) AS last_day, min(x.first_day) AS first_day
    FROM _aa aa JOIN _price pr ON pr.code = aa.offering
      LEFT JOIN (SELECT lu.usr, c.offering, lu.first_day, lu.last_day FROM _last_up lu JOIN _covers c ON c.product = lu.product) x
        ON x.usr = aa.usr AND x.offering = aa.offering, _p
    WHERE aa.usr NOT IN (SELECT usr FROM _dormant) AND aa.asg <= _p.d_dd
    GROUP BY aa.usr, aa.offering, pr.price, _p.d_dd
    HAVING NOT coalesce(bool_or(x.last_day > _p.d_dd), false)`);
  await db.run(`INSERT INTO _f SELECT fid('unused_assignment', usr, NULL, offering, NULL), 'unused_assignment', 'savings', 'medium', usr, NULL, offering,
      1, price, price, NULL, NULL, first_day, last_day,
      CASE WHEN last_day IS NULL THEN 'never used' ELSE 'last used ' || CAST(last_day AS VARCHAR) END || '; assignment: ' || offering, price > 0
    FROM _unused`);
  await db.run(`INSERT INTO _claimed SELECT usr, offering, 'unused_assignment' FROM _unused`);
  await addEvidence(db, `SELECT fid('unused_assignment', a.usr, NULL, a.offering, NULL), a.tbl, a.source_id, a.line, 'active assignment'
    FROM _a a JOIN _unused USING (usr, offering), _p
    WHERE coalesce(a.assigned, DATE '0001-01-01') <= _p.d AND (a.unassigned IS NULL OR a.unassigned > _p.d)`);

  // duplicate_access: covered offering beside its cover, or two standalone products of one function group.
  await db.run(`CREATE OR REPLACE TEMP TABLE _pairs AS
    WITH pa AS (
      SELECT a.usr, a.offering AS o1, b.offering AS o2, p1.price AS c1, p2.price AS c2, p1.kind AS k1, p2.kind AS k2, p1.fgroup AS g1, p2.fgroup AS g2,
        NOT EXISTS (SELECT 1 FROM _members m WHERE m.offering = a.offering AND m.product NOT IN (SELECT product FROM _members n WHERE n.offering = b.offering)) AS sub12,
        NOT EXISTS (SELECT 1 FROM _members m WHERE m.offering = b.offering AND m.product NOT IN (SELECT product FROM _members n WHERE n.offering = a.offering)) AS sub21
      FROM _aa a JOIN _aa b ON a.usr = b.usr AND a.offering <> b.offering
        JOIN _price p1 ON p1.code = a.offering JOIN _price p2 ON p2.code = b.offering)
    SELECT usr, o1 AS redundant, o2 AS kept, c1 AS price,
      CASE WHEN sub12 AND NOT sub21 THEN 'covered by ' || o2 WHEN sub12 AND sub21 THEN 'same products as ' || o2 || ', the cheaper one'
           ELSE 'same function group (' || g1 || ') as ' || o2 || ', the cheaper one' END AS why,
      CASE WHEN sub12 AND NOT sub21 THEN 0 ELSE 1 END AS pref
    FROM pa
    WHERE (sub12 AND NOT sub21)
       OR (((sub12 AND sub21) OR (k1 = 'product' AND k2 = 'product' AND g1 IS NOT NULL AND g1 = g2 AND NOT sub12 AND NOT sub21))
           AND (c1 < c2 OR (c1 = c2 AND o1 > o2)))`);
  await db.run(`CREATE OR REPLACE TEMP TABLE _dup AS
    SELECT usr, redundant AS offering, any_value(price) AS price, arg_min(kept, (pref, kept)) AS kept, arg_min(why, (pref, kept)) AS why,
      (usr, redundant) IN (SELECT (usr, offering) FROM _claimed) AS already
    FROM _pairs GROUP BY usr, redundant`);
  await db.run(`INSERT INTO _f SELECT fid('duplicate_access', d.usr, NULL, d.offering, NULL), 'duplicate_access', 'savings', 'low', d.usr, NULL, d.offering,
      1, CASE WHEN already THEN 0 ELSE price END, price, NULL, NULL, NULL, NULL,
      why || CASE WHEN already THEN '; already counted as ' || (SELECT min(claimed_by) FROM _claimed c WHERE c.usr = d.usr AND c.offering = d.offering) ELSE '' END,
      NOT already AND price > 0
    FROM _dup d`);
  await addEvidence(db, `SELECT fid('duplicate_access', d.usr, NULL, d.offering, NULL), a.tbl, a.source_id, a.line,
      CASE WHEN a.offering = d.offering THEN 'redundant assignment' ELSE 'kept assignment' END
    FROM _dup d JOIN _a a ON a.usr = d.usr AND a.offering IN (d.offering, d.kept), _p
    WHERE coalesce(a.assigned, DATE '0001-01-01') <= _p.d AND (a.unassigned IS NULL OR a.unassigned > _p.d)`);
  await db.run(`INSERT INTO _claimed SELECT usr, offering, 'duplicate_access' FROM _dup WHERE NOT already`);

  // collection_single_product: exactly one member product used inside the frequency window.
  await db.run(`CREATE OR REPLACE TEMP TABLE _coll AS
    WITH used AS (
      SELECT aa.usr, aa.offering, m.product, count(*) AS days, min(u.day) AS first_day, max(u.day) AS last_day
      FROM _aa aa JOIN _price pc ON pc.code = aa.offering AND pc.kind = 'collection'
        JOIN _members m ON m.offering = aa.offering AND m.product <> aa.offering
        JOIN _ud u ON u.usr = aa.usr AND u.product = m.product, _p
      WHERE u.day > _p.d_fw AND u.day <= _p.d AND aa.usr NOT IN (SELECT usr FROM _dormant)
      GROUP BY ALL)
    SELECT u.usr, u.offering, any_value(u.product) AS product, any_value(u.days) AS days, any_value(u.first_day) AS first_day,
      any_value(u.last_day) AS last_day, any_value(pc.price) AS cprice, any_value(pp.price) AS pprice,
      any_value(pc.price) - any_value(pp.price) AS saving
    FROM used u JOIN _price pc ON pc.code = u.offering JOIN _price pp ON pp.code = u.product
    GROUP BY u.usr, u.offering HAVING count(*) = 1 AND any_value(pc.price) - any_value(pp.price) > 0`);
  await db.run(`ALTER TABLE _coll ADD COLUMN already BOOLEAN`);
  await db.run(`UPDATE _coll SET already = (usr, offering) IN (SELECT (usr, offering) FROM _claimed)`);
  await db.run(`INSERT INTO _f SELECT fid('collection_single_product', c.usr, c.product, c.offering, NULL), 'collection_single_product', 'savings', 'low',
      c.usr, c.product, c.offering, 1, CASE WHEN already THEN 0 ELSE saving END, cprice, NULL, NULL, first_day, last_day,
      printf('uses only %s (%s): %s at %s/yr against %s alone at %s/yr', c.product, plural(days, 'usage day'), c.offering, money_text(cprice), c.product, money_text(pprice))
        || CASE WHEN already THEN '; already counted as ' || (SELECT min(claimed_by) FROM _claimed x WHERE x.usr = c.usr AND x.offering = c.offering) ELSE '' END,
      NOT already
    FROM _coll c`);
  await addEvidence(db, `SELECT fid('collection_single_product', c.usr, c.product, c.offering, NULL), a.tbl, a.source_id, a.line, 'active assignment'
    FROM _coll c JOIN _a a ON a.usr = c.usr AND a.offering = c.offering, _p
    WHERE coalesce(a.assigned, DATE '0001-01-01') <= _p.d AND (a.unassigned IS NULL OR a.unassigned > _p.d)`);
  await wantUsage(db, `SELECT fid('collection_single_product', c.usr, c.product, c.offering, NULL), c.usr, c.product, _p.d_fw, _p.d, false, false,
      'use of ' || c.product, false
    FROM _coll c, _p`);
  await db.run(`INSERT INTO _claimed SELECT usr, offering, 'collection_single_product' FROM _coll WHERE NOT already`);

  // low_frequency_user: usage days per observed month below the threshold; compare with a Flex estimate.
  await db.run(`CREATE OR REPLACE TEMP TABLE _lf AS
    WITH obs AS (
      SELECT _aa.usr, least(12, complete_months(greatest(_p.d_fw, min(asg)), _p.d)) AS months, sum(pr.price) AS total,
        -- The offering, when the user holds one assignment (the finding is the user's: several are summed).
        CASE WHEN count(*) = 1 THEN min(_aa.offering) END AS offering,
        sum(pr.price) FILTER (WHERE c.usr IS NULL) AS remaining,
        string_agg(_aa.offering || ' (' || replace(c.claimed_by, '_', ' ') || ')', ', ' ORDER BY _aa.offering) FILTER (WHERE c.usr IS NOT NULL) AS claimed
      FROM _aa JOIN _price pr ON pr.code = _aa.offering LEFT JOIN (SELECT usr, offering, min(claimed_by) AS claimed_by FROM _claimed GROUP BY ALL) c
        ON c.usr = _aa.usr AND c.offering = _aa.offering, _p
      -- Frequency is counted in usage days, so only a user with usage rows has one: a user known to be active only
      -- from usage_report.last_accessed has an unknown frequency, not zero days (no saving is claimed on them).
      WHERE _aa.usr NOT IN (SELECT usr FROM _dormant) AND _aa.usr IN (SELECT usr FROM _upm) GROUP BY _aa.usr, _p.d_fw, _p.d),
    days AS (
      SELECT u.usr, u.product, count(*) AS n, any_value(pr.tokens) AS tokens, min(u.day) AS first_day, max(u.day) AS last_day
      FROM _ud u JOIN _price pr ON pr.code = u.product, _p WHERE u.day > _p.d_fw AND u.day <= _p.d GROUP BY u.usr, u.product),
    per_user AS (
      SELECT o.usr, o.months, o.total, o.offering, coalesce(o.remaining, 0) AS remaining, o.claimed, coalesce(sum(d.n), 0) AS n,
        coalesce(sum(d.n * coalesce(d.tokens, 0)), 0) AS tokens, string_agg(d.product, ', ' ORDER BY d.product) FILTER (WHERE d.tokens IS NULL) AS no_rate,
        min(d.first_day) AS first_day, max(d.last_day) AS last_day
      FROM obs o LEFT JOIN days d USING (usr) GROUP BY o.usr, o.months, o.total, o.offering, o.remaining, o.claimed)
    SELECT p.*, p.tokens * _p.tp * 12.0 / p.months AS flex, p.n / p.months AS per_month
    FROM per_user p, _p
    WHERE p.months >= 3 AND p.n / p.months < _p.lfd AND p.total - p.tokens * _p.tp * 12.0 / p.months > 0`);
  // The saving is the assignments not already counted, less the Flex estimate. A product used without a Flex token
  // rate leaves the Flex cost unknown, so no saving is claimed until the rate is set (it would be overstated).
  await db.run(`INSERT INTO _f SELECT fid('low_frequency_user', usr, NULL, NULL, NULL), 'low_frequency_user', 'savings', 'low', usr, NULL, offering,
      1, CASE WHEN no_rate IS NULL THEN greatest(0, remaining - flex) ELSE 0 END, total, NULL, months, first_day, last_day,
      -- The estimate's arithmetic is given, so it can be checked: tokens (usage days x each product's tokens a day) x the
      -- token price, scaled from the observed months to a year.
      -- With a product lacking a rate, the figure is only the rated products' part: said so, not as the estimate.
      printf('%s in %d observed months (%.2f/month); %s %s/yr (%s tokens x %s %s a token x 12/%d months) against %s/yr of assignments',
        plural(n, 'usage day'), months, per_month, CASE WHEN no_rate IS NULL THEN 'Flex estimate' ELSE 'Flex estimate for the products with a rate' END,
        money_text(flex), format('{:,}', CAST(round(tokens) AS BIGINT)), (SELECT code FROM _currency),
        format('{:.2f}', _p.tp), months, money_text(total))
        || CASE WHEN claimed IS NOT NULL THEN '; already counted: ' || claimed ELSE '' END
        || CASE WHEN no_rate IS NOT NULL THEN '${NO_FLEX_RATE}' || no_rate || '${NO_FLEX_RATE_END}' ELSE '' END,
      no_rate IS NULL AND remaining - flex > 0
    FROM _lf, _p`);
  await wantUsage(db, `SELECT fid('low_frequency_user', l.usr, NULL, NULL, NULL), l.usr, NULL, _p.d_fw, _p.d, false, false,
      'use in the frequency window', false
    FROM _lf l, _p`);
  await addEvidence(db, `SELECT fid('low_frequency_user', l.usr, NULL, NULL, NULL), a.tbl, a.source_id, a.line, 'active assignment ' || a.offering
    FROM _lf l JOIN _a a ON a.usr = l.usr, _p
    WHERE coalesce(a.assigned, DATE '0001-01-01') <= _p.d AND (a.unassigned IS NULL OR a.unassigned > _p.d)`);
}
