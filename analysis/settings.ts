// engagement.json (DATA-CONTRACT §1.6): every field optional, defaults below. Validated with zod
// wherever settings cross a boundary (file, API, engagement database).
import { z } from 'zod';

/** True for a YYYY-MM-DD text that names a real calendar day (not 2026-02-30 or 2026-13-45). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date (expected YYYY-MM-DD, for example 2026-09-30)');

export const ThresholdsSchema = z.object({
  dormant_days: z.number().int().positive().default(90),
  low_frequency_days_per_month: z.number().positive().default(4),
  frequency_window_days: z.number().int().positive().default(365),
  shared_overlap_minutes: z.number().nonnegative().default(15),
  shared_min_days: z.number().int().positive().default(3),
  sustained_months: z.number().int().positive().default(3),
  telemetry_gap_days: z.number().int().positive().default(14),
  spike_ratio: z.number().positive().default(1.5),
  spike_min_users: z.number().int().nonnegative().default(10),
  new_domain_min_users: z.number().int().positive().default(5),
  lookback_months: z.number().int().positive().max(120).default(24),
  renewal_buffer: z.number().nonnegative().default(0.05),
});

export const PriceOverrideSchema = z.object({
  annual: z.number().nonnegative().optional(),
  list_annual: z.number().nonnegative().optional(),
  flex_tokens_per_day: z.number().nonnegative().optional(),
});

export const ScenarioSchema = z.object({
  negotiated_back_period_rate: z.number().nonnegative().default(0.464),
  audit_settlement_rate_low: z.number().nonnegative().default(1.0),
  audit_settlement_rate_high: z.number().nonnegative().default(1.65),
  no_cooperation_loading_low: z.number().nonnegative().default(1.0),
  no_cooperation_loading_high: z.number().nonnegative().default(2.33),
});

export const SettingsSchema = z.object({
  client: z.string().max(200).default('Client'),
  as_of: isoDate.optional(),
  currency: z.string().regex(/^[A-Z]{3}$/).default('USD'),
  timezone: z.string().max(64).default('UTC'),
  corporate_email_domains: z.array(z.string().max(253)).default([]),
  corporate_network_domains: z.array(z.string().max(253)).default([]),
  corporate_ip_ranges: z.array(z.string().max(64)).default([]),
  thresholds: ThresholdsSchema.default(ThresholdsSchema.parse({})),
  prices: z.record(z.string().max(200), PriceOverrideSchema).default({}),
  flex_token_price: z.number().nonnegative().default(3.0),
  scenario: ScenarioSchema.default(ScenarioSchema.parse({})),
});

/**
 * The fields of `shape` as optional and without defaults: a patch names only what changes. (A partial()
 * of the schema itself would still fill every missing field with its default, so saving one group of
 * settings would reset all the others.)
 */
function patchOf<S extends z.ZodRawShape>(shape: S) {
  const fields = Object.fromEntries(Object.entries(shape).map(([k, t]) => [k, ((t instanceof z.ZodDefault ? t.unwrap() : t) as z.ZodType).optional()]));
  return z.object(fields as unknown as { [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer I> ? I : S[K]> });
}

/** An IPv4 address or CIDR range as inclusive integer bounds; null when it is neither. */
export function ipv4Bounds(range: string): { lo: number; hi: number } | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(range.trim());
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return null;
  const ip = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const lo = Math.floor(ip / size) * size;
  return { lo, hi: lo + size - 1 };
}

const isIpv4Range = (s: string) => ipv4Bounds(s) !== null;
/** A DNS name (an e-mail domain may be written with its @). */
const isDomain = (s: string) => /^@?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(s.trim());

/**
 * What an analyst types (Settings, engagement.json), checked beyond its type: a client name, domains that are
 * domains, IP ranges that are ranges. Stored settings are not re-checked, so an older engagement still opens.
 */
export const TypedFieldsSchema = z.object({
  client: z.string().trim().min(1, 'enter the client\'s name').max(200),
  corporate_email_domains: z.array(z.string().max(253).refine(isDomain, 'not a domain (expected e.g. contoso.com)')),
  corporate_network_domains: z.array(z.string().max(253).refine(isDomain, 'not a domain (expected e.g. corp.contoso.com)')),
  corporate_ip_ranges: z.array(z.string().max(64).refine(isIpv4Range, 'not an IPv4 range (expected e.g. 10.0.0.0/8)')),
});

/** A change to some settings (settings.update): nested thresholds and scenario may name some of their fields. */
export const SettingsPatchSchema = patchOf({
  ...SettingsSchema.shape,
  ...TypedFieldsSchema.shape,
  thresholds: patchOf(ThresholdsSchema.shape),
  scenario: patchOf(ScenarioSchema.shape),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;
/** Scenario assumptions to try (scenarios.compute): the named ones replace the engagement's. */
export const ScenarioPatchSchema = patchOf(ScenarioSchema.shape);

/** The settings after a patch: named fields replace, thresholds and scenario merge field by field. */
export function applySettingsPatch(current: Settings, patch: SettingsPatch): Settings {
  return SettingsSchema.parse({
    ...current,
    ...patch,
    thresholds: { ...current.thresholds, ...patch.thresholds },
    scenario: { ...current.scenario, ...patch.scenario },
  });
}

export type Settings = z.infer<typeof SettingsSchema>;
export type SettingsInput = z.input<typeof SettingsSchema>;
export type Thresholds = z.infer<typeof ThresholdsSchema>;
export type ScenarioAssumptions = z.infer<typeof ScenarioSchema>;

/** Parses engagement.json text; errors name the file and the field. */
export function parseSettings(json: unknown, file = 'engagement.json'): Settings {
  const r = SettingsSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first ? first.path.join('.') || '(root)' : '(root)';
    throw new Error(`${file}: ${where}: ${first?.message ?? 'invalid'}. Fix the value or remove the field to use the default.`);
  }
  return r.data;
}

export function defaultSettings(): Settings {
  return SettingsSchema.parse({});
}
