// The one API between the UI and the engine (ARCHITECTURE.md "One contract, two transports").
// Declared once here as zod schemas; implemented once by the engine (analysis/api/handlers.ts);
// carried by Electron IPC (electron/preload.ts exposes one method per entry) and by local HTTP
// (analysis/transport/http-server.ts). Both transports validate every payload against these schemas.
// This module imports nothing from Node, so the renderer may import it for schemas and types.
import { z } from 'zod';
import { FindingSchema, SummarySchema, SourceSummarySchema, RefusedSchema, ScenariosSchema, InputKindSchema } from '../model';
import { isCalendarDate, SettingsSchema, SettingsPatchSchema, ScenarioPatchSchema } from '../settings';

const Path = z.string().min(1).max(4096);
/** Limits of what an analyst types, shared by the schemas below and the renderer's fields. */
export const INPUT_LIMITS = { owner: 200, justification: 4000, target: 1_000_000 } as const;

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine(isCalendarDate, 'not a calendar date (expected YYYY-MM-DD)');
const JobId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });

/** The figures the start screen lists per engagement (money in `currency`; recent lists from older versions lack it). */
export const HeadlineSchema = z.object({ savings_annual: z.number(), gap_units: z.number(), findings: z.number(), audit_exposure_high: z.number(), currency: z.string().default('USD') });

export const EngagementInfoSchema = z.object({
  path: z.string(),
  folder: z.string(),
  client: z.string(),
  as_of: z.string().nullable(),
  read_only: z.boolean(),
  reviewed: z.boolean(),
  headline: HeadlineSchema.nullable(),
  /** What changed since the last review, so its figures no longer show it: data imported, or settings (other than the settlement rates, which apply at once). */
  changed_since_review: z.array(z.enum(['data', 'settings'])).default([]),
  /** A later reviewed quarter of the same client among the recent engagements: this one is last quarter's, already handed out. */
  later_quarter: z.object({ path: z.string(), as_of: z.string() }).nullable().default(null),
});
export type EngagementInfo = z.infer<typeof EngagementInfoSchema>;

export const RecentEngagementSchema = EngagementInfoSchema.pick({ path: true, client: true, as_of: true, headline: true }).extend({ opened_at: z.string() });

/** Column mapping: canonical column -> source header (as written in the file), or null to unmap. */
export const MappingSchema = z.record(z.string().max(64), z.string().max(512).nullable());

export const FilePlanSchema = z.object({
  path: z.string(),
  file: z.string(),
  size_bytes: z.number(),
  kind: InputKindSchema.nullable(),
  sheet: z.string().nullable(),
  headers: z.array(z.string()),
  mapping: MappingSchema,
  unmapped_headers: z.array(z.string()),
  missing_required: z.array(z.string()),
  /** missing_required as data: per requirement, the columns any one of which meets it. */
  missing_required_columns: z.array(z.array(z.string())).default([]),
  preview: z.array(z.array(z.string())),
  refused: z.string().nullable(),
  notes: z.array(z.string()),
  /** When a file of this name and size was imported into the engagement before (YYYY-MM-DD), or null. */
  already_loaded: z.string().nullable().default(null),
  /** When another file of this name (another size: another export) was imported before (YYYY-MM-DD), or null. */
  same_name_loaded: z.string().nullable().default(null),
});
export type FilePlan = z.infer<typeof FilePlanSchema>;

export const ImportFileSchema = z.object({ path: Path, kind: InputKindSchema.optional(), mapping: MappingSchema.optional() });

export const ImportResultSchema = z.object({
  sources: z.array(SourceSummarySchema),
  refused: z.array(RefusedSchema),
  cancelled: z.boolean(),
});

export const RejectRowSchema = z.object({ source_id: z.number(), file: z.string(), line: z.number(), raw: z.string().nullable(), reason: z.string() });

export const EvidenceRowSchema = z.object({ table: z.string(), source_id: z.number().nullable(), file: z.string().nullable(), line: z.number().nullable(), note: z.string().nullable(), values: z.record(z.string(), z.unknown()) });

export const DecisionActionSchema = z.enum(['reclaim', 'keep', 'buy', 'remediate', 'dispute', 'investigate', 'accept', 'reject']);
export const DecisionSchema = z.object({
  finding_id: z.string(),
  action: DecisionActionSchema,
  owner: z.string().max(INPUT_LIMITS.owner).nullable(),
  due_date: IsoDate.nullable(),
  justification: z.string().max(INPUT_LIMITS.justification).nullable(),
  updated_at: z.string().optional(),
  carried_from: z.string().nullable().optional(),
});
export type Decision = z.infer<typeof DecisionSchema>;

export const PriceBookRowSchema = z.object({
  code: z.string(), name: z.string(), kind: z.enum(['product', 'collection']), function_group: z.string().nullable(),
  annual: z.number().nullable(), list_annual: z.number().nullable(), flex_tokens_per_day: z.number().nullable(),
  source: z.string(), source_date: z.string(), overridden: z.boolean(),
  /** The currency of this row's prices: the book's own for a shipped price, the engagement's for an override. */
  currency: z.string().default('USD'),
});

export const QualitySchema = z.object({
  heatmap: z.array(z.object({ site: z.string(), day: z.string(), users: z.number() })),
  telemetry_gaps: z.array(z.object({ site: z.string(), from: z.string(), to: z.string(), days: z.number() })),
  identities: z.array(z.object({ alias: z.string(), user: z.string(), method: z.string(), detail: z.string().nullable() })),
  unmatched: z.array(z.object({ alias: z.string(), seen_in: z.string() })),
  disagreements: z.array(z.object({ user: z.string(), note: z.string() })),
  unknown_products: z.array(z.object({ product_raw: z.string(), rows: z.number() })),
  suggestions: z.object({ corporate_email_domains: z.array(z.string()), corporate_network_domains: z.array(z.string()), corporate_ip_ranges: z.array(z.string()) }),
});

export const RenewalRowSchema = z.object({
  /**
   * The renewal line: an offering's seats of one licence model. Its key is the offering's code for the main
   * line, `<code>:<model>` for another (renewal.setTargets takes these keys).
   */
  line: z.string(),
  offering: z.string(), licence_model: z.string().nullable(), name: z.string(),
  /** What peak_monthly_active and the monthly series count: users, or (a network line) sessions at once. */
  measure: z.enum(['users', 'concurrent', 'tokens']).default('users'), seats: z.number(), active_assignments: z.number(), active_users: z.number(),
  peak_monthly_active: z.number(), trend: z.number().nullable(), true_denials: z.number(),
  recommendation: z.enum(['increase', 'reduce', 'convert_to_flex', 'keep']),
  /** The quantity to renew: the analyst's target when set_by_analyst, else the engine's recommended_quantity. */
  target_quantity: z.number(), recommended_quantity: z.number(), set_by_analyst: z.boolean(),
  /** Why the engine recommends what it does. */
  reason: z.string(),
  monthly: z.array(z.object({ month: z.string(), active_users: z.number(), seats: z.number() })),
  /** A Flex token pool's tokens used per product in the 12 months to the review date, most first (empty otherwise). */
  tokens_by_product: z.array(z.object({ product: z.string(), name: z.string(), tokens: z.number() })).default([]),
  /**
   * What a seat costs a year (a Flex pool: a token), as the workbook's Renewal sheet costs the line; null when the review
   * had no price for it. `price_from_setting`: a Flex pool's tokens at the Flex token price setting (no price of its own).
   */
  unit_price: z.number().nullable().default(null),
  price_from_setting: z.boolean().default(false),
});

export const VerifyResultSchema = z.object({
  ok: z.boolean(), message: z.string(), failing_file: z.string().nullable(), fingerprint: z.string().nullable(),
  /** The folder is no pack at all (no bag declaration, or not a folder): chosen by mistake, not damaged. */
  not_a_pack: z.boolean().default(false),
});

export const ComparisonSchema = z.object({
  previous_as_of: z.string().nullable(),
  new: z.array(z.string()), resolved: z.array(z.string()), still_open: z.array(z.string()),
  /** The resolved findings as last quarter recorded them (they are not in this quarter's findings), largest value first. */
  resolved_findings: z
    .array(z.object({ finding_id: z.string(), type: z.string(), family: z.string(), user: z.string().nullable(), product: z.string().nullable(), offering: z.string().nullable(), annual_value: z.number(), detail: z.string().nullable().default(null), user_in_data: z.boolean().nullable().default(null) }))
    .default([]),
  /** A still-open finding's value last quarter, where it changed. */
  previous_values: z.array(z.object({ finding_id: z.string(), annual_value: z.number() })).default([]),
  /** Last quarter's decisions on its findings (still open or resolved now). */
  previous_decisions: z.array(DecisionSchema.pick({ finding_id: true, action: true, owner: true, due_date: true, justification: true })).default([]),
  /** Last quarter's decisions that `decisions.carry` would copy: on findings still open and undecided here. */
  carryable: z.number().int().default(0),
  /** Last quarter's renewal targets (the analyst's) that `decisions.carry` would set on lines without one here. */
  carryable_targets: z.number().int().default(0),
  /** Last quarter's headline figures, to set this quarter's against. */
  previous_headline: HeadlineSchema.nullable().default(null),
});

/** Every method: name -> input and output schema. Progress-reporting methods take a jobId. */
export const API = {
  'engagement.create': { input: z.object({ path: Path, client: z.string().min(1).max(200), as_of: IsoDate.optional() }), output: EngagementInfoSchema },
  'engagement.open': { input: z.object({ path: Path }), output: EngagementInfoSchema },
  'engagement.info': { input: Empty, output: EngagementInfoSchema.nullable() },
  'engagement.recent': { input: Empty, output: z.array(RecentEngagementSchema) },
  'engagement.close': { input: Empty, output: Ok },
  'sample.create': { input: z.object({ jobId: JobId, users: z.number().int().min(20).max(50000).optional(), months: z.number().int().min(4).max(36).optional(), seed: z.number().int().optional() }), output: EngagementInfoSchema },
  /** With `kind`, every path is read as that kind (the analyst's choice where detection failed or was wrong). */
  'import.scan': { input: z.object({ paths: z.array(Path).min(1).max(1000), kind: InputKindSchema.optional() }), output: z.array(FilePlanSchema) },
  'import.run': { input: z.object({ jobId: JobId, files: z.array(ImportFileSchema).min(1).max(1000) }), output: ImportResultSchema },
  'job.cancel': { input: z.object({ jobId: JobId }), output: Ok },
  /** Removes a loaded source with its rows and rejects (a corrected export replaces it); the review is then out of date. */
  'sources.remove': {
    input: z.object({ source_id: z.number().int().min(1) }),
    output: z.object({ file: z.string(), rows: z.number(), import_again: z.array(z.string()) }),
  },
  'sources.list': { input: Empty, output: z.array(SourceSummarySchema.extend({ source_id: z.number(), imported_at: z.string(), mapping: MappingSchema.nullable(), notes: z.array(z.string()).default([]) })) },
  /** A loaded row's line as its file writes it (evidence: the parsed values beside the text they came from). Added for the evidence panel. */
  'sources.line': {
    input: z.object({ source_id: z.number().int().min(1), line: z.number().int().min(1) }),
    output: z.object({ file: z.string(), line: z.number(), text: z.string().nullable(), note: z.string().nullable(), header: z.string().nullable() }),
  },
  'refused.list': { input: Empty, output: z.array(RefusedSchema) },
  'rejects.list': { input: z.object({ source_id: z.number().int().optional(), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(5000).default(500) }), output: z.object({ total: z.number(), rows: z.array(RejectRowSchema) }) },
  'settings.get': { input: Empty, output: SettingsSchema },
  'settings.update': { input: z.object({ settings: SettingsPatchSchema }), output: SettingsSchema },
  /**
   * The engagement.json among paths chosen for import (a folder holding one, or the file), as the CLI reads it
   * from its input folder: which settings it sets differently, or why it cannot be read. Added for Load data.
   */
  'settings.find': {
    input: z.object({ paths: z.array(Path).max(10_000) }),
    output: z.object({ file: z.string().nullable(), client: z.string().nullable(), differs: z.array(z.string()), problem: z.string().nullable() }),
  },
  /** Replaces the engagement's settings with an engagement.json's (read and checked again here). */
  'settings.applyFile': { input: z.object({ path: Path }), output: SettingsSchema },
  'pricebook.list': { input: Empty, output: z.array(PriceBookRowSchema) },
  'review.run': { input: z.object({ jobId: JobId }), output: SummarySchema },
  'summary.get': { input: Empty, output: SummarySchema.nullable() },
  'findings.list': { input: z.object({ types: z.array(z.string()).optional() }), output: z.array(FindingSchema) },
  'findings.evidence': { input: z.object({ finding_id: z.string().max(128), limit: z.number().int().min(1).max(10000).default(1000) }), output: z.object({ total: z.number(), rows: z.array(EvidenceRowSchema) }) },
  'decisions.list': { input: Empty, output: z.array(DecisionSchema) },
  'decisions.set': { input: z.object({ finding_ids: z.array(z.string().max(128)).min(1).max(100000), action: DecisionActionSchema, owner: z.string().max(INPUT_LIMITS.owner).nullable(), due_date: IsoDate.nullable(), justification: z.string().max(INPUT_LIMITS.justification).nullable() }), output: z.object({ saved: z.number(), replaced: z.array(DecisionSchema).default([]) }) },
  /** `replaced`/`removed`: the decisions the change took away, as stored (decisions.restore puts them back). */
  'decisions.clear': { input: z.object({ finding_ids: z.array(z.string().max(128)).min(1).max(100000) }), output: z.object({ cleared: z.number(), removed: z.array(DecisionSchema).default([]) }) },
  /** Undo: puts the given decisions back as they were and clears those on `none` (findings that had none). */
  'decisions.restore': { input: z.object({ decisions: z.array(DecisionSchema).max(100000), none: z.array(z.string().max(128)).max(100000) }), output: z.object({ restored: z.number() }) },
  'quality.get': { input: Empty, output: QualitySchema },
  'renewal.get': { input: Empty, output: z.array(RenewalRowSchema) },
  /** The analyst's target quantity per renewal line, keyed by RenewalRow.line (RenewalRow.target_quantity then reflects it). Added for the Renewal step. */
  'renewal.setTargets': { input: z.object({ targets: z.record(z.string().max(64), z.number().int().min(0).max(INPUT_LIMITS.target)) }), output: Ok },
  'scenarios.compute': { input: z.object({ assumptions: ScenarioPatchSchema }), output: ScenariosSchema },
  'export.workbook': { input: z.object({ jobId: JobId, dir: Path.optional() }), output: z.object({ path: z.string() }) },
  'export.evidencePack': { input: z.object({ jobId: JobId, dir: Path.optional() }), output: z.object({ path: z.string(), fingerprint: z.string() }) },
  'compare.previous': { input: z.object({ path: Path }), output: ComparisonSchema },
  /** Copies last quarter's decisions onto the findings still open here that have none yet, and its renewal targets onto lines without one. */
  'decisions.carry': { input: z.object({ path: Path }), output: z.object({ carried: z.number().int(), targets: z.number().int(), from_as_of: z.string().nullable() }) },
  'pack.open': {
    input: z.object({ path: Path }),
    output: z.object({
      verify: VerifyResultSchema,
      summary: SummarySchema.nullable(),
      findings: z.array(FindingSchema),
      report_html: z.string().nullable(),
      /** The analyst's decisions as the pack's workbook records them (Decisions sheet), as written there. */
      decisions: z.array(z.object({ finding_id: z.string(), action: z.string(), owner: z.string().nullable(), due_date: z.string().nullable(), justification: z.string().nullable() })).default([]),
      /** What "verified" does not say: sources not packed as reviewed, findings not adding up to the summary. */
      notes: z.array(z.string()).default([]),
    }),
  },
  'pack.verify': { input: z.object({ path: Path }), output: VerifyResultSchema },
  /** A finding's rows of the pack's evidence.csv (auditor mode), at most `limit` of `total`. */
  'pack.evidence': {
    input: z.object({ path: Path, finding_id: z.string().min(1).max(64), limit: z.number().int().min(1).max(5000).default(1000) }),
    output: z.object({ total: z.number(), rows: z.array(z.object({ table: z.string(), source_id: z.number().nullable().default(null), file: z.string().nullable(), line: z.number().nullable(), note: z.string().nullable() })) }),
  },
  /** The text of one line of a source file in a pack: what an evidence row rests on. */
  'pack.sourceLine': {
    input: z.object({ path: Path, source_id: z.number().int().nullable(), file: z.string().min(1).max(1000), line: z.number().int().min(1).max(1_000_000_000) }),
    output: z.object({ text: z.string().nullable(), reason: z.string().nullable(), header: z.string().nullable().default(null) }),
  },
} as const;

export type ApiMethods = typeof API;
export type MethodName = keyof ApiMethods;
export type Input<M extends MethodName> = z.input<ApiMethods[M]['input']>;
export type ParsedInput<M extends MethodName> = z.output<ApiMethods[M]['input']>;
export type Output<M extends MethodName> = z.output<ApiMethods[M]['output']>;
export const METHOD_NAMES = Object.keys(API) as MethodName[];

export function isMethodName(s: string): s is MethodName {
  return Object.prototype.hasOwnProperty.call(API, s);
}

/** Progress of a long job (import, review, sample, export); the UI shows a bar and can cancel. */
export const ProgressEventSchema = z.object({
  jobId: z.string(),
  phase: z.string(),
  file: z.string().nullable(),
  done: z.number(),
  total: z.number().nullable(),
  rows_per_second: z.number().nullable(),
  message: z.string(),
  finished: z.boolean(),
});
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;

/** The client both transports implement: one typed function per method, plus progress events. */
export type WorkbenchApi = { [M in MethodName]: (input: Input<M>) => Promise<Output<M>> } & {
  onProgress(cb: (e: ProgressEvent) => void): () => void;
};

/** Errors crossing a transport: a message for the user and a machine code. */
/** For an invalid input: the field it concerns (its path in the call's input) and, in plain words, what to enter. */
export const ApiErrorFieldSchema = z.object({ path: z.array(z.string().max(200)).max(16), problem: z.string() });
export type ApiErrorField = z.infer<typeof ApiErrorFieldSchema>;
export const ApiErrorSchema = z.object({
  code: z.enum(['invalid_input', 'not_found', 'no_engagement', 'cancelled', 'read_only', 'failed']),
  message: z.string(),
  field: ApiErrorFieldSchema.optional(),
  /** Every field the input was refused for (the first is `field`), so a form can mark them all at once. */
  fields: z.array(ApiErrorFieldSchema).max(50).optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorSchema>;

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorBody['code'],
    message: string,
    readonly field?: ApiErrorField,
    readonly fields?: ApiErrorField[],
  ) {
    super(message);
  }
}
export { ScenariosSchema, SummarySchema, FindingSchema };
