// summary.json (DATA-CONTRACT §3.2): assembled from the sources, the usage block and the review's
// totals, stored with the review run so the UI and the next export read the same figures.
import type { EngagementDb } from './db/engine';
import type { Settings } from './settings';
import { z } from 'zod';
import { SummarySchema, FindingSchema, type Summary, type Scenarios, type Finding, type UsageEntry } from './model';
import { listSources, listRefused, computeUsage } from './usage';
import { refreshQualityCache } from './quality';
import { profiled } from './db/profile';
import { cachedView } from './view-cache';
import { listFindings } from './review';
import { reviewWarnings } from './review-warnings';

export interface ReviewTotals {
  as_of: string;
  /** Usage computed by the review itself (runReview); read from the tables when absent. */
  usage?: Record<string, UsageEntry>;
  findings: Record<string, number>;
  savings_annual: Record<string, number>;
  gap_units: number;
  scenarios: Scenarios;
}

const ZERO_SCENARIOS: Scenarios = {
  self_review_best: 0, self_review_typical: 0, audit_negotiated_low: 0, audit_negotiated_high: 0,
  audit_no_cooperation_low: 0, audit_no_cooperation_high: 0,
};

async function warningsOf(db: EngagementDb, settings: Settings, asOf: string | null): Promise<{ warnings: string[]; warning_codes: string[] }> {
  const w = asOf ? await reviewWarnings(db, settings, asOf) : [];
  return { warnings: w.map((x) => x.message), warning_codes: w.map((x) => x.code) };
}

export async function buildSummary(db: EngagementDb, settings: Settings, review: ReviewTotals | null, outputs: Summary['outputs']): Promise<Summary> {
  const summary: Summary = SummarySchema.parse({
    client: settings.client,
    as_of: review?.as_of ?? settings.as_of ?? null,
    currency: settings.currency,
    sources: await listSources(db),
    refused: await listRefused(db),
    findings: review?.findings ?? {},
    savings_annual: review?.savings_annual ?? { total: 0 },
    usage: review?.usage ?? (await computeUsage(db)),
    gap_units: review?.gap_units ?? 0,
    scenarios: review?.scenarios ?? ZERO_SCENARIOS,
    outputs,
    ...(await warningsOf(db, settings, review?.as_of ?? null)),
  });
  if (review) {
    await db.run('UPDATE review_runs SET summary = $1 WHERE run_id = (SELECT max(run_id) FROM review_runs)', [JSON.stringify(summary)]);
    // The review's data is final now: the views the UI reads on every visit are computed once, here.
    await profiled('data quality (view cache)', () => refreshQualityCache(db));
    await profiled('findings list (view cache)', () => cachedView(db, FINDINGS_VIEW, () => listFindings(db), { store: true }));
  }
  return summary;
}

/** Every finding, as the steps list them (12,000+ at scale): stored after each review, so opening an engagement does not re-read them row by row. */
const FINDINGS_VIEW = { name: 'findings', version: 1, schema: z.array(FindingSchema) };

/** All findings in listFindings' order: the stored view when it matches the data, else read now (and stored when `store`). */
export async function listAllFindings(db: EngagementDb, opts: { store?: boolean } = {}): Promise<Finding[]> {
  return cachedView(db, FINDINGS_VIEW, () => listFindings(db), opts);
}

/** The summary of the latest review run, or null before the first review. */
export async function readSummary(db: EngagementDb): Promise<Summary | null> {
  const row = await db.one<{ summary: string | null }>('SELECT summary FROM review_runs WHERE summary IS NOT NULL ORDER BY run_id DESC LIMIT 1');
  if (!row?.summary) return null;
  const r = SummarySchema.safeParse(JSON.parse(row.summary));
  return r.success ? r.data : null;
}

/** Changes fields of the latest stored summary (the one readSummary reads); null before the first review. */
async function patchSummary(db: EngagementDb, patch: Partial<Summary>): Promise<Summary | null> {
  const s = await readSummary(db);
  if (!s) return null;
  const next = { ...s, ...patch };
  await db.run('UPDATE review_runs SET summary = $1 WHERE run_id = (SELECT max(run_id) FROM review_runs WHERE summary IS NOT NULL)', [JSON.stringify(next)]);
  return next;
}

/**
 * The stored summary's settlement scenarios after the analyst saved new assumptions: the headline, the
 * recent list, the workbook and the pack then show one figure (the gap lines are the review's; only the
 * rates changed).
 */
export const setSummaryScenarios = (db: EngagementDb, scenarios: Summary['scenarios']) => patchSummary(db, { scenarios });

/** Records where the outputs were written, on the stored summary. */
export const setSummaryOutputs = (db: EngagementDb, outputs: Summary['outputs']) => patchSummary(db, { outputs });
