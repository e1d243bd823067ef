// Shapes shared by the engine, the CLI, the workbook and the UI: sources, findings, summary.json.
// Schemas are zod so the same definitions validate data at every boundary.
import { z } from 'zod';

export const INPUT_KINDS = ['sessions', 'usage_report', 'usage_daily', 'users', 'subscriptions', 'tokenflex', 'flexnet_log', 'identity_map'] as const;
export const InputKindSchema = z.enum(INPUT_KINDS);
export type InputKind = z.infer<typeof InputKindSchema>;

export const CLAIMS = ['named_user', 'flex', 'network', 'serial', 'unknown'] as const;
export type Claim = (typeof CLAIMS)[number];

export const SAVINGS_TYPES = ['dormant_user', 'unused_assignment', 'duplicate_access', 'collection_single_product', 'low_frequency_user'] as const;
export const GAP_TYPES = ['out_of_scope_product', 'unassigned_usage', 'contractor_unassigned', 'shared_account', 'legacy_serial_use', 'network_over_use'] as const;
export const SIGNAL_TYPES = ['telemetry_gap', 'usage_spike', 'new_domain', 'network_denials'] as const;
export const FINDING_TYPES = [...SAVINGS_TYPES, ...GAP_TYPES, ...SIGNAL_TYPES] as const;
export const FindingTypeSchema = z.enum(FINDING_TYPES);
export type FindingType = z.infer<typeof FindingTypeSchema>;
export type FindingFamily = 'savings' | 'gap' | 'signal';
export function familyOf(t: FindingType): FindingFamily {
  if ((SAVINGS_TYPES as readonly string[]).includes(t)) return 'savings';
  if ((GAP_TYPES as readonly string[]).includes(t)) return 'gap';
  return 'signal';
}

/** How each finding type is named to people: UI, workbook and report use these words. */
export const FINDING_LABELS: Record<FindingType, string> = {
  dormant_user: 'Dormant user',
  unused_assignment: 'Unused assignment',
  duplicate_access: 'Duplicate access',
  collection_single_product: 'Collection used for one product',
  low_frequency_user: 'Low-frequency user (Flex)',
  out_of_scope_product: 'Out-of-scope product',
  unassigned_usage: 'Unassigned usage',
  contractor_unassigned: 'Contractor, unassigned',
  shared_account: 'Shared account',
  legacy_serial_use: 'Legacy serial use',
  network_over_use: 'Network over-use',
  telemetry_gap: 'Telemetry gap',
  usage_spike: 'Usage spike',
  new_domain: 'New domain',
  network_denials: 'Network denials',
};

/** Renewal recommendations as the app, the workbook and the report word them. */
/**
 * A file most of whose rows were rejected: its figures are largely missing from the review (a date order or
 * export layout the reader could not follow), so the import and the review say so instead of "Loaded".
 */
export const MOSTLY_REJECTED_SHARE = 0.5;
export const mostlyRejected = (s: { rows_read: number; rows_rejected: number }): boolean => s.rows_read > 0 && s.rows_rejected >= s.rows_read * MOSTLY_REJECTED_SHARE;

/** A subscription line's licence model as the Autodesk Account names it (renewal lines of one offering). */
export const LICENCE_MODEL_LABELS: Record<string, string> = { named_user: 'Named User', network: 'Network', flex: 'Flex', serial: 'Serial' };
/**
 * What a renewal line's seats, peak and target count: users on seats, (a network line) seats in use at once, or
 * (a Flex token pool) tokens, its seats and target then being tokens a year.
 */
export type RenewalMeasure = 'users' | 'concurrent' | 'tokens';
export const renewalMeasure = (model: string | null): RenewalMeasure => (model === 'network' ? 'concurrent' : model === 'flex' ? 'tokens' : 'users');
/** A decision's action as the analyst reads it, in the app, the workbook and the pack's report. */
export const DECISION_LABELS: Readonly<Record<string, string>> = {
  reclaim: 'Reclaim', keep: 'Keep', buy: 'Buy', remediate: 'Remediate', dispute: 'Dispute', investigate: 'Investigate', accept: 'Accept', reject: 'Reject',
};
export const RECOMMENDATION_LABELS: Record<string, string> = { increase: 'Increase', reduce: 'Reduce', convert_to_flex: 'Convert to Flex', keep: 'Keep' };

/** Each input kind as the analyst knows it (Load data, the engine's refusals). */
export const KIND_LABELS: Record<InputKind, string> = {
  sessions: 'LRT sessions',
  usage_report: 'Usage report (Autodesk Account)',
  usage_daily: 'Daily usage (Autodesk Account)',
  users: 'Users roster',
  subscriptions: 'Subscriptions',
  tokenflex: 'Token Flex usage',
  flexnet_log: 'FlexNet debug log',
  identity_map: 'Identity map',
};

export function typeLabel(t: string): string {
  return (FINDING_LABELS as Record<string, string>)[t] ?? t;
}

export const SourceSummarySchema = z.object({
  source_id: z.number().int().optional(),
  file: z.string(),
  kind: z.string(),
  sha256: z.string(),
  rows_read: z.number().int(),
  rows_loaded: z.number().int(),
  rows_rejected: z.number().int(),
  rows_duplicate: z.number().int(),
});
export type SourceSummary = z.infer<typeof SourceSummarySchema>;

export const RefusedSchema = z.object({ file: z.string(), reason: z.string() });
export type Refused = z.infer<typeof RefusedSchema>;

export const UsageEntrySchema = z.object({
  sessions: z.number().int(),
  usage_days: z.number().int(),
  users: z.number().int(),
  devices: z.number().int(),
  first_day: z.string().nullable(),
  last_day: z.string().nullable(),
  denials: z.number().int(),
  tokens: z.number().optional(),
});
export type UsageEntry = z.infer<typeof UsageEntrySchema>;

export const ScenariosSchema = z.object({
  self_review_best: z.number(),
  self_review_typical: z.number(),
  audit_negotiated_low: z.number(),
  audit_negotiated_high: z.number(),
  audit_no_cooperation_low: z.number(),
  audit_no_cooperation_high: z.number(),
});
export type Scenarios = z.infer<typeof ScenariosSchema>;

/** One row of findings.csv (DATA-CONTRACT §3.2), column order as listed. */
export const FINDINGS_CSV_COLUMNS = ['finding_id', 'type', 'severity', 'user', 'product', 'offering', 'units', 'annual_value', 'first_seen', 'last_seen', 'evidence_count', 'detail'] as const;

export const FindingSchema = z.object({
  finding_id: z.string(),
  type: FindingTypeSchema,
  family: z.enum(['savings', 'gap', 'signal']),
  severity: z.enum(['high', 'medium', 'low', 'info']),
  user: z.string().nullable(),
  product: z.string().nullable(),
  offering: z.string().nullable(),
  units: z.number(),
  annual_value: z.number(),
  price: z.number().nullable(),
  list_price: z.number().nullable(),
  months: z.number().nullable(),
  first_seen: z.string().nullable(),
  last_seen: z.string().nullable(),
  evidence_count: z.number().int(),
  detail: z.string().nullable(),
  counted_in_savings: z.boolean(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const SummarySchema = z.object({
  client: z.string(),
  as_of: z.string().nullable(),
  currency: z.string(),
  sources: z.array(SourceSummarySchema),
  refused: z.array(RefusedSchema),
  findings: z.record(z.string(), z.number()),
  savings_annual: z.record(z.string(), z.number()),
  usage: z.record(z.string(), UsageEntrySchema),
  gap_units: z.number(),
  scenarios: ScenariosSchema,
  outputs: z.object({ workbook: z.string().nullable(), evidence_pack: z.string().nullable() }),
  /** What to check before trusting the figures (review-warnings.ts); additive to the contract's keys. */
  warnings: z.array(z.string()).default([]),
  /** What each warning is about, in the same order: usage_outside_window, sources_outside_window, no_subscriptions, currency_unconverted, price_unmatched. */
  warning_codes: z.array(z.string()).default([]),
});
export type Summary = z.infer<typeof SummarySchema>;
