// Runs the whole quarterly review (RULES.md): savings, gaps, signals, renewal brief, settlement scenarios.
// The previous run's findings, evidence and renewal rows are replaced in one transaction; decisions are
// kept (they are keyed by stable finding ids). Re-running on the same data and settings gives the same
// findings with the same ids.
import type { EngagementDb } from './db/engine';
import type { Settings, ScenarioAssumptions } from './settings';
import type { ProgressEvent } from './api/contract';
import { ApiError } from './api/contract';
import { FINDING_TYPES, SAVINGS_TYPES, FindingSchema, type Finding, type Scenarios, type UsageEntry } from './model';
import { computeUsage } from './usage';
import { loadCatalogue, type Catalogue } from './catalogue/catalogue';
import { prepareContext, releaseContext, fetchWantedUsage } from './rules/context';
import { runSavings } from './rules/savings';
import { runGaps } from './rules/gaps';
import { runSignals } from './rules/signals';
import { runRenewal, saveRenewal } from './rules/renewal';
import { saveEvidence } from './rules/evidence';
import { gapLinesForScenarios } from './rules/gap-lines';
import { computeScenarios } from './scenarios';

export interface ReviewOptions {
  signal?: AbortSignal;
  onProgress?: (e: Omit<ProgressEvent, 'jobId'>) => void;
  /** The shipped catalogue unless given (tests pass a small one). */
  catalogue?: Catalogue;
}

export interface ReviewResult {
  as_of: string;
  /** summary.json `usage`, taken from the review's own (user, product, day) grouping before it is released. */
  usage?: Record<string, UsageEntry>;
  findings: Record<string, number>;
  savings_annual: Record<string, number> & { total: number };
  gap_units: number;
  scenarios: Scenarios;
}

const STEPS = ['Preparing usage, assignments and entitlements', 'Savings', 'Compliance gaps', 'Signals', 'Renewal brief', 'Saving findings'] as const;

export async function runReview(db: EngagementDb, settings: Settings, opts: ReviewOptions = {}): Promise<ReviewResult> {
  const started = Date.now();
  const step = (i: number, finished = false) => {
    if (opts.signal?.aborted) throw new ApiError('cancelled', 'The review was cancelled; the previous findings are unchanged.');
    opts.onProgress?.({ phase: 'review', file: null, done: i, total: STEPS.length, rows_per_second: null, message: finished ? 'Review finished' : `${STEPS[i]}…`, finished });
  };
  try {
    step(0);
    const ctx = await prepareContext(db, settings, opts.catalogue ?? loadCatalogue());
    step(1);
    await runSavings(ctx);
    step(2);
    await runGaps(ctx);
    step(3);
    await runSignals(ctx);
    await fetchWantedUsage(db);
    step(4);
    await runRenewal(ctx);
    step(5);
    await db.transaction(async () => {
      await db.run('DELETE FROM findings');
      await db.run(`INSERT INTO findings (finding_id, type, family, severity, "user", product, offering, units, annual_value, price, list_price, months,
          first_seen, last_seen, evidence_count, detail, counted_in_savings)
        SELECT finding_id, type, family, severity, usr, product, offering, units, annual_value, price, list_price, months,
          first_seen, last_seen, 0, detail, counted_in_savings FROM _f`);
      await saveEvidence(db);
      await saveRenewal(db);
      // The prices of what this review read: the products used, the offerings assigned or under contract.
      await db.run('DELETE FROM review_prices');
      // A network line priced apart has a row of its own (network over-use is priced from it).
      await db.run(`INSERT INTO review_prices
        SELECT code, NULL, name, price_raw, CASE WHEN price_raw IS NOT NULL THEN list_price END, tokens, price_source, CASE WHEN price_raw IS NOT NULL THEN list_source END FROM _price
        WHERE code IN (SELECT product FROM _f UNION SELECT offering FROM _f UNION SELECT product FROM _upm UNION SELECT offering FROM _a UNION SELECT offering FROM _e)
        UNION ALL
        SELECT n.code, 'network', p.name, n.price, coalesce(n.list_price, n.price), NULL, 'subscription line (network)',
          CASE WHEN n.list_price IS NOT NULL THEN 'subscription line (network)' ELSE 'the unit price' END
        FROM _price_net n LEFT JOIN _price p USING (code)`);
      // The Flex token price (Flex estimates, a Flex pool's overage and cost): a price the review used like any other.
      await db.run(`INSERT INTO review_prices VALUES ('FLEX', 'flex', 'Flex token (price a token)', $1, $1, NULL, $2, $2)`, [
        settings.flex_token_price, 'the Flex token price setting',
      ]);
      const run = await db.one<{ id: number }>('SELECT coalesce(max(run_id), 0) + 1 AS id FROM review_runs');
      await db.run('INSERT INTO review_runs (run_id, as_of, settings) VALUES ($1, CAST($2 AS DATE), $3)', [Number(run?.id ?? 1), ctx.asOf, JSON.stringify(settings)]);
      await db.audit('review', { as_of: ctx.asOf, findings: await countFindings(db), seconds: (Date.now() - started) / 1000 });
    });
    const result = await reviewTotals(db, ctx.asOf, settings.scenario);
    const usage = await computeUsage(db, { reviewedUpTo: ctx.asOf });
    step(STEPS.length, true);
    return { ...result, usage };
  } finally {
    await releaseContext(db).catch(() => undefined);
  }
}

async function countFindings(db: EngagementDb): Promise<number> {
  return Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM findings'))?.n ?? 0);
}

/** Totals of the stored findings (summary.json §3.2): savings are the sums of findings.csv annual_value. */
export async function reviewTotals(db: EngagementDb, asOf: string, assumptions: Partial<ScenarioAssumptions> = {}): Promise<ReviewResult> {
  const rows = await db.all<{ type: string; n: number; value: number; units: number; family: string }>(
    'SELECT type, family, count(*) AS n, sum(annual_value) AS value, sum(units) AS units FROM findings GROUP BY type, family',
  );
  const findings: Record<string, number> = Object.fromEntries(FINDING_TYPES.map((t) => [t, 0]));
  const savings = Object.fromEntries(SAVINGS_TYPES.map((t) => [t, 0])) as Record<string, number> & { total: number };
  savings.total = 0;
  let gapUnits = 0;
  for (const r of rows) {
    findings[r.type] = Number(r.n);
    if (r.family === 'savings') {
      savings[r.type] = Number(r.value ?? 0);
      savings.total += Number(r.value ?? 0);
    }
    if (r.family === 'gap') gapUnits += Number(r.units ?? 0);
  }
  return { as_of: asOf, findings, savings_annual: savings, gap_units: gapUnits, scenarios: computeScenarios(await gapLinesForScenarios(db), assumptions) };
}

type FindingRow = {
  finding_id: string; type: string; family: string; severity: string; user: string | null; product: string | null; offering: string | null;
  units: number; annual_value: number; price: number | null; list_price: number | null; months: number | null;
  first_seen: string | null; last_seen: string | null; evidence_count: number; detail: string | null; counted_in_savings: boolean;
};

/** Findings of the last review, optionally of some types only, in register order. */
export async function listFindings(db: EngagementDb, types?: string[]): Promise<Finding[]> {
  const filter = types && types.length > 0 ? types.join('\u001f') : null;
  const rows = await db.all<FindingRow>(
    `SELECT finding_id, type, family, severity, "user", product, offering, units, annual_value, price, list_price, months,
       CAST(first_seen AS VARCHAR) AS first_seen, CAST(last_seen AS VARCHAR) AS last_seen, evidence_count, detail, counted_in_savings
     FROM findings WHERE $1 IS NULL OR list_contains(string_split($1, chr(31)), type)
     ORDER BY CASE family WHEN 'savings' THEN 0 WHEN 'gap' THEN 1 ELSE 2 END, type, annual_value DESC, finding_id`,
    [filter],
  );
  return rows.map((r) =>
    FindingSchema.parse({
      ...r,
      units: Number(r.units),
      annual_value: Number(r.annual_value),
      price: r.price === null ? null : Number(r.price),
      list_price: r.list_price === null ? null : Number(r.list_price),
      months: r.months === null ? null : Number(r.months),
      evidence_count: Number(r.evidence_count),
    }),
  );
}
