// Identity resolution (DATA-CONTRACT §1.5): one canonical user per person across every source.
// Rebuilds `identities` (alias -> user, method, detail) and rewrites the `user` column of the fact tables
// from `user_raw`, so the result depends only on the loaded data: re-running gives the same answer.
//
// Precedence per alias (lower-cased, trimmed):
//   1 map        identity_map rows (the analyst's word wins over every default join; the latest row wins a conflict)
//   2 email      an e-mail address is its own identity, lower-cased
//   3 hashed     a hashed Autodesk id that usage_report / usage_daily pair with exactly one e-mail -> that e-mail
//   4 local_part a login (FlexNet user, session user without '@') equal to the local part of exactly one roster
//                e-mail (users, usage_report) -> that e-mail; the detail names it
//   5 login      any other login stays its own user (lower-cased); the detail says why (none or ambiguous)
//   5 hashed     masked rows (`*****`) identified only by hashed_autodesk_id stay their own user
import type { EngagementDb } from './db/engine';

export interface IdentityReport {
  joined: Array<{ alias: string; user: string; method: string; detail: string | null }>;
  unmatched: Array<{ alias: string; seen_in: string }>;
}

const MASKED = `regexp_full_match(trim(%s), '\\*{3,}')`;
const isMasked = (col: string) => MASKED.replace('%s', col);
/** Empty, NULL or `*****`: the row is identified by its hashed id, if any. */
const noUser = (col: string) => `(${col} IS NULL OR trim(${col}) = '' OR ${isMasked(col)})`;

/**
 * An alias's key as normaliseUser reads the value: invisible characters dropped, trimmed, an e-mail address taken
 * out of the forms mail clients write (`Ann Lee <ann@x.com>`, `mailto:`, quoted, a trailing list separator), and
 * lower-cased. Keyed on the raw text alone, `Ann Lee <ann@x.com>` was a user of its own beside ann@x.com.
 */
const USER_KEY_MACROS = [
  // The plain case (ASCII, none of < " ' ; , mailto:) costs what lower(trim()) did: millions of rows take it.
  `CREATE OR REPLACE TEMP MACRO user_key(v) AS CASE
     WHEN strlen(v) = length(v) AND NOT (contains(v, '<') OR contains(v, '"') OR contains(v, '''') OR contains(v, ';') OR contains(v, ',') OR contains(v, '[') OR contains(v, '(') OR v ILIKE '%mailto:%')
     THEN lower(trim(v)) ELSE user_key_written(trim(regexp_replace(v, '[\\x{200B}-\\x{200D}\\x{2060}\\x{FEFF}]', '', 'g'))) END`,
  `CREATE OR REPLACE TEMP MACRO user_key_written(x) AS CASE WHEN NOT contains(x, '@') THEN lower(x)
     ELSE lower(coalesce(nullif(regexp_extract(x, '<\\s*([^<>\\s]+@[^<>\\s]+?)\\s*>', 1), ''),
       trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(x, '\\s*\\([^()]*\\)\\s*$', ''), '^\\[|\\]$', '', 'g'), '^mailto:', '', 'i'), '^["'']+|["'';,]+$', '', 'g')))) END`,
];

/** Every identity-bearing value in the fact tables: key (lower-cased), value as written, kind and where seen (in the analyst's words). */
const SEEN_SQL = `
  CREATE OR REPLACE TEMP TABLE id_seen AS
  WITH raw(val, kind, tbl) AS (
    SELECT user_raw, 'user', 'session exports or FlexNet logs' FROM sessions WHERE NOT ${noUser('user_raw')}
    UNION ALL SELECT user_raw, 'user', 'session exports or FlexNet logs' FROM flexnet_events WHERE NOT ${noUser('user_raw')}
    UNION ALL SELECT user_raw, 'user', 'Token Flex exports' FROM tokenflex WHERE NOT ${noUser('user_raw')}
    UNION ALL SELECT user_raw, 'user', 'daily usage' FROM usage_daily WHERE NOT ${noUser('user_raw')}
    UNION ALL SELECT hashed_autodesk_id, 'hashed', 'daily usage' FROM usage_daily
      WHERE ${noUser('user_raw')} AND NOT ${noUser('hashed_autodesk_id')}
    UNION ALL SELECT user_raw, 'user', 'the Usage Report' FROM usage_report WHERE NOT ${noUser('user_raw')}
    UNION ALL SELECT hashed_autodesk_id, 'hashed', 'the Usage Report' FROM usage_report
      WHERE ${noUser('user_raw')} AND NOT ${noUser('hashed_autodesk_id')}
    UNION ALL SELECT coalesce(user_raw, "user"), 'user', 'user exports' FROM users WHERE NOT ${noUser('coalesce(user_raw, "user")')}
  )
  SELECT user_key(val) AS key, min(trim(val)) AS val,
         CASE WHEN bool_or(kind = 'hashed') AND NOT bool_or(kind = 'user') THEN 'hashed'
              WHEN user_key(val) LIKE '%_@_%' THEN 'email' ELSE 'login' END AS kind,
         string_agg(DISTINCT tbl, ', ' ORDER BY tbl) AS seen_in
  FROM raw GROUP BY user_key(val)`;

/** Roster e-mails (users, usage_report) by local part. */
const ROSTER_SQL = `
  CREATE OR REPLACE TEMP TABLE id_roster AS
  SELECT split_part(e, '@', 1) AS local_part, count(DISTINCT e) AS n, string_agg(DISTINCT e, ', ' ORDER BY e) AS emails, min(e) AS email
  FROM (
    SELECT user_key(coalesce(user_raw, "user")) AS e FROM users
    UNION ALL SELECT user_key(user_raw) FROM usage_report
  ) WHERE e LIKE '%_@_%'
  GROUP BY 1`;

/** Hashed ids that exports print next to exactly one e-mail. */
const PAIRS_SQL = `
  CREATE OR REPLACE TEMP TABLE id_pairs AS
  SELECT lower(trim(hashed_autodesk_id)) AS key, min(user_key(user_raw)) AS email, count(DISTINCT user_key(user_raw)) AS n
  FROM (SELECT hashed_autodesk_id, user_raw FROM usage_report UNION ALL SELECT hashed_autodesk_id, user_raw FROM usage_daily)
  WHERE NOT ${noUser('hashed_autodesk_id')} AND NOT ${noUser('user_raw')} AND user_key(user_raw) LIKE '%_@_%'
  GROUP BY 1`;

const BUILD_SQL = `
  INSERT INTO identities (alias, "user", method, detail)
  WITH cand(alias, "user", method, detail, prio, tiebreak) AS (
    SELECT user_key(alias),
           CASE WHEN trim("user") LIKE '%_@_%' THEN user_key("user") ELSE trim("user") END,
           'map', 'the identity map (' || coalesce((SELECT s.file FROM sources s WHERE s.source_id = m.source_id), 'source ' || m.source_id) || ', line ' || line || ')', 1, -(source_id * 1e9 + line)
    FROM identity_map m WHERE trim(alias) <> '' AND trim("user") <> ''
    UNION ALL SELECT key, key, 'email', NULL, 2, 0 FROM id_seen WHERE kind = 'email'
    UNION ALL SELECT p.key, p.email, 'hashed', 'paired with ' || p.email || ' in the Autodesk export', 3, 0
      FROM id_pairs p JOIN id_seen s ON s.key = p.key WHERE p.n = 1
    UNION ALL SELECT s.key, r.email, 'local_part', 'login ' || s.val || ' = local part of ' || r.email, 4, 0
      FROM id_seen s JOIN id_roster r ON r.local_part = s.key WHERE s.kind = 'login' AND r.n = 1
    UNION ALL SELECT s.key, s.key, 'login',
           CASE WHEN r.n > 1 THEN 'ambiguous: local part of ' || r.n || ' roster e-mails (' || r.emails || '); add an identity_map row'
                ELSE 'no roster e-mail has this local part' END || ' (seen in ' || s.seen_in || ')', 5, 0
      FROM id_seen s LEFT JOIN id_roster r ON r.local_part = s.key WHERE s.kind = 'login'
    UNION ALL SELECT key, val, 'hashed', 'masked identity (hashed Autodesk id) kept as its own user (seen in ' || seen_in || ')', 5, 0 FROM id_seen WHERE kind = 'hashed'
  )
  SELECT alias, "user", method, detail FROM cand
  QUALIFY row_number() OVER (PARTITION BY alias ORDER BY prio, tiebreak, "user") = 1`;

/** Fact tables whose `user` is rewritten, and the expression that gives each row's alias key. */
const FACT_KEYS: Array<{ table: string; key: string }> = [
  { table: 'sessions', key: 'user_key(t.user_raw)' },
  { table: 'flexnet_events', key: 'user_key(t.user_raw)' },
  { table: 'tokenflex', key: 'user_key(t.user_raw)' },
  { table: 'usage_daily', key: `CASE WHEN ${noUser('t.user_raw')} THEN lower(trim(t.hashed_autodesk_id)) ELSE user_key(t.user_raw) END` },
  { table: 'usage_report', key: `CASE WHEN ${noUser('t.user_raw')} THEN lower(trim(t.hashed_autodesk_id)) ELSE user_key(t.user_raw) END` },
];

/** Rebuilds `identities` from identity_map rows and the default joins, then rewrites `user` in every fact table. */
export async function resolveIdentities(db: EngagementDb): Promise<IdentityReport> {
  const owned = await beginIfNone(db);
  try {
    // user_key_written first: user_key's body names it.
    for (const m of [...USER_KEY_MACROS].reverse()) await db.run(m);
    await db.run(SEEN_SQL);
    await db.run(ROSTER_SQL);
    await db.run(PAIRS_SQL);
    await db.run('DELETE FROM identities');
    await db.run(BUILD_SQL);
    // Set-based rewrite: one UPDATE per table. Rows without a user_raw keep the user the loader gave them.
    for (const f of FACT_KEYS) {
      await db.run(
        `UPDATE ${f.table} AS t SET "user" = i."user" FROM identities i WHERE i.alias = ${f.key} AND t."user" IS DISTINCT FROM i."user"`,
      );
    }
    const joined = await db.all<{ alias: string; user: string; method: string; detail: string | null }>(
      `SELECT alias, "user", method, detail FROM identities WHERE method IN ('map', 'hashed', 'local_part') AND alias <> lower("user") ORDER BY method, alias`,
    );
    const unmatched = await db.all<{ alias: string; seen_in: string }>(
      `SELECT i.alias, s.seen_in FROM identities i JOIN id_seen s ON s.key = i.alias
       WHERE i.method = 'login' OR (i.method = 'hashed' AND i.alias = lower(i."user")) ORDER BY i.alias`,
    );
    for (const t of ['id_seen', 'id_roster', 'id_pairs']) await db.run(`DROP TABLE IF EXISTS ${t}`);
    if (owned) await db.run('COMMIT');
    return { joined, unmatched };
  } catch (e) {
    if (owned) await db.run('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Opens a transaction unless the caller (the import) already holds one; true when this call owns it.
 * DuckDB gives every auto-committed statement a new transaction id, so two equal ids mean an open transaction
 * (a failed BEGIN would abort the caller's transaction, hence no try-and-see). */
async function beginIfNone(db: EngagementDb): Promise<boolean> {
  const a = await db.one<{ t: number }>('SELECT txid_current() AS t');
  const b = await db.one<{ t: number }>('SELECT txid_current() AS t');
  if (a && b && a.t === b.t) return false;
  await db.run('BEGIN TRANSACTION');
  return true;
}
