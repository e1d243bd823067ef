// summary.json `usage`, `sources` and `refused` (DATA-CONTRACT §3.2), computed in SQL over the canonical tables.
import type { EngagementDb } from './db/engine';
import { loadCatalogue } from './catalogue/catalogue';
import { seatDenialSql } from './rules/denials';
import type { Refused, SourceSummary, UsageEntry } from './model';

interface UsageRow {
  product: string;
  sessions: number;
  usage_days: number;
  users: number;
  devices: number;
  first_day: string | null;
  last_day: string | null;
  denials: number;
  tokens: number | null;
  [k: string]: unknown;
}

/**
 * One entry per catalogue product seen in any source. Usage days and users come from rows that name a
 * user (sessions, usage_daily, tokenflex); Token Flex rows without a user are product-level consumption
 * and count only toward first/last day and tokens.
 */
export async function computeUsage(db: EngagementDb, opts: { reviewedUpTo?: string | null } = {}): Promise<Record<string, UsageEntry>> {
  // Right after a review, its temp table _upd already holds this grouping for every day up to the as-of
  // date (rules/context.ts): only later days ($1) are grouped here. Otherwise every fact row is.
  const upTo = opts.reviewedUpTo ?? null;
  const after = (cond: string) => (upTo ? cond : 'true');
  const grouped = `SELECT product, "user", day FROM (
      SELECT product, "user", CAST(start_time AS DATE) AS day FROM sessions WHERE ${after('start_time >= CAST($1 AS DATE) + INTERVAL 1 DAY')}
      UNION ALL SELECT product, "user", day FROM usage_daily WHERE ${after('day > CAST($1 AS DATE)')}
      UNION ALL SELECT product, "user", usage_date FROM tokenflex WHERE product IS NOT NULL AND ${after('usage_date > CAST($1 AS DATE)')}
    ) GROUP BY ALL`;
  const pud = upTo ? `SELECT product, usr AS "user", day FROM temp.main._upd UNION ALL ${grouped}` : grouped;
  const rows = await db.all<UsageRow>(`
    WITH pud AS (
      -- One row per product, user and day first: usage days, users and first/last day then count rows
      -- of this much smaller set instead of distinct user-day strings over every fact row.
      ${pud}
    ),
    d AS (
      SELECT product, count("user") AS usage_days, count(DISTINCT "user") AS users,
        CAST(min(day) AS VARCHAR) AS first_day, CAST(max(day) AS VARCHAR) AS last_day
      FROM pud GROUP BY product
    ),
    -- Denials name a product but are not usage: the product is listed, its days and users are not counted.
    products AS (SELECT DISTINCT product FROM (SELECT product FROM d UNION ALL SELECT product FROM flexnet_events) WHERE product IS NOT NULL),
    s AS (SELECT product, count(*) AS sessions FROM sessions GROUP BY product),
    dev AS (
      SELECT product, count(DISTINCT device) AS devices FROM (
        SELECT product, COALESCE(lower(device_name), device_id) AS device FROM (SELECT DISTINCT product, device_name, device_id FROM sessions)
        UNION ALL SELECT product, lower(machine) FROM tokenflex
      ) WHERE device IS NOT NULL GROUP BY product
    ),
    den AS (SELECT product, count(*) AS denials FROM flexnet_events WHERE event = 'DENIED' AND true_denial IS DISTINCT FROM false AND ${seatDenialSql('reason')} GROUP BY product),
    tf AS (SELECT product, sum(tokens) AS tokens FROM tokenflex GROUP BY product),
    ud AS (SELECT product, sum(tokens) AS tokens FROM usage_daily WHERE tokens IS NOT NULL GROUP BY product)
    SELECT p.product,
      COALESCE(s.sessions, 0) AS sessions, COALESCE(d.usage_days, 0) AS usage_days, COALESCE(d.users, 0) AS users,
      COALESCE(dev.devices, 0) AS devices, d.first_day, d.last_day, COALESCE(den.denials, 0) AS denials,
      COALESCE(tf.tokens, ud.tokens) AS tokens
    FROM products p
    LEFT JOIN s USING (product) LEFT JOIN d USING (product) LEFT JOIN dev USING (product)
    LEFT JOIN den USING (product) LEFT JOIN tf USING (product) LEFT JOIN ud USING (product)
    ORDER BY p.product`, upTo ? [upTo] : []);
  const cat = loadCatalogue();
  const out: Record<string, UsageEntry> = {};
  for (const r of rows) {
    const entry = cat.get(r.product);
    if (!entry) continue; // unknown products are listed by data quality, not here
    const u: UsageEntry = {
      sessions: Number(r.sessions),
      usage_days: Number(r.usage_days),
      users: Number(r.users),
      devices: Number(r.devices),
      first_day: r.first_day,
      last_day: r.last_day,
      denials: Number(r.denials),
    };
    if (r.tokens !== null && r.tokens !== undefined) u.tokens = Number(r.tokens);
    out[entry.code] = u;
  }
  return out;
}

export async function listSources(db: EngagementDb): Promise<SourceSummary[]> {
  const rows = await db.all<{ source_id: number; file: string; kind: string; sha256: string; rows_read: number; rows_loaded: number; rows_rejected: number; rows_duplicate: number }>(
    `SELECT source_id, file, kind, sha256, rows_read, rows_loaded, rows_rejected, rows_duplicate FROM sources ORDER BY source_id`,
  );
  return rows.map((r) => ({
    source_id: Number(r.source_id),
    file: r.file,
    kind: r.kind,
    sha256: r.sha256,
    rows_read: Number(r.rows_read),
    rows_loaded: Number(r.rows_loaded),
    rows_rejected: Number(r.rows_rejected),
    rows_duplicate: Number(r.rows_duplicate),
  }));
}

export async function listRefused(db: EngagementDb): Promise<Refused[]> {
  const rows = await db.all<{ file: string; reason: string }>(`SELECT file, reason FROM refused ORDER BY refused_at, file`);
  return rows.map((r) => ({ file: r.file, reason: r.reason }));
}
