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

// Numbers as an analyst writes them (engagement.json, the Settings form, the API), refused in the form's
// words: these messages are what the CLI and the app show, after the field's name.
const num = () => z.number({ error: 'enter a number' });
const whole = () => num().int({ error: 'enter a whole number' });
const wholeAbove0 = () => whole().positive({ error: 'enter a whole number above 0' });
const above0 = () => num().positive({ error: 'enter a number above 0' });
const atLeast0 = () => num().nonnegative({ error: 'enter 0 or more' });

export const ThresholdsSchema = z.object({
  dormant_days: wholeAbove0().default(90),
  low_frequency_days_per_month: above0().default(4),
  frequency_window_days: wholeAbove0().default(365),
  shared_overlap_minutes: atLeast0().default(15),
  shared_min_days: wholeAbove0().default(3),
  sustained_months: wholeAbove0().default(3),
  telemetry_gap_days: wholeAbove0().default(14),
  spike_ratio: above0().default(1.5),
  spike_min_users: whole().nonnegative({ error: 'enter a whole number, 0 or more' }).default(10),
  new_domain_min_users: wholeAbove0().default(5),
  lookback_months: wholeAbove0().max(120, { error: 'enter at most 120 (ten years)' }).default(24),
  renewal_buffer: atLeast0().default(0.05),
});

/**
 * Thresholds as typed (not as stored: an older engagement keeps opening): a spike is a rise, and the
 * renewal buffer is a share of the peak.
 */
export const TypedThresholdsSchema = z.object({
  spike_ratio: num().gt(1, { error: 'enter a ratio above 1 (1.5 flags a month with half as many users again as the three before)' }),
  renewal_buffer: atLeast0().max(1, { error: 'enter a share of at most 1 (0.05 is 5 %)' }),
});

export const PriceOverrideSchema = z.object({
  annual: atLeast0().optional(),
  list_annual: atLeast0().optional(),
  flex_tokens_per_day: atLeast0().optional(),
});

export const ScenarioSchema = z.object({
  negotiated_back_period_rate: atLeast0().default(0.464),
  audit_settlement_rate_low: atLeast0().default(1.0),
  audit_settlement_rate_high: atLeast0().default(1.65),
  no_cooperation_loading_low: atLeast0().default(1.0),
  no_cooperation_loading_high: atLeast0().default(2.33),
});

/** The settlement ranges read low to high; the first that does not, as a field and a message, or null. */
export function scenarioRangeProblem(s: z.infer<typeof ScenarioSchema>): { path: string[]; message: string } | null {
  for (const [lo, hi] of [['audit_settlement_rate_low', 'audit_settlement_rate_high'], ['no_cooperation_loading_low', 'no_cooperation_loading_high']] as const) {
    if (s[lo] > s[hi]) return { path: ['scenario', lo], message: `enter at most the high end (${s[hi]}); the range runs low to high` };
  }
  return null;
}

export const SettingsSchema = z.object({
  client: z.string().max(200, { error: 'enter at most 200 characters' }).default('Client'),
  as_of: isoDate.optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, { error: 'enter a three-letter currency code, for example USD or EUR' }).default('USD'),
  timezone: z.string().max(64).default('UTC'),
  corporate_email_domains: z.array(z.string().max(253)).default([]),
  corporate_network_domains: z.array(z.string().max(253)).default([]),
  corporate_ip_ranges: z.array(z.string().max(64)).default([]),
  thresholds: ThresholdsSchema.default(ThresholdsSchema.parse({})),
  prices: z.record(z.string().max(200), PriceOverrideSchema).default({}),
  flex_token_price: atLeast0().default(3.0),
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

/**
 * The entry of a corporate list that already covers `value`, or null: an IP range inside a listed range, a
 * network domain equal to or under a listed one (the rules count a subdomain as inside), an e-mail domain
 * listed as it is. The Settings step greys out suggestions that would add nothing.
 */
export function coveringEntry(list: 'email' | 'network' | 'ip', entries: readonly string[], value: string): string | null {
  const norm = (x: string) => x.trim().toLowerCase().replace(/^@/, '');
  const v = norm(value);
  if (list === 'ip') {
    const inner = ipv4Bounds(v);
    if (!inner) return null;
    return entries.find((e) => {
      const outer = ipv4Bounds(e);
      return outer !== null && outer.lo <= inner.lo && inner.hi <= outer.hi;
    }) ?? null;
  }
  return entries.find((e) => norm(e) === v || (list === 'network' && v.endsWith(`.${norm(e)}`))) ?? null;
}

/** Why a typed IP range is refused, or null: not a range, or an address with host bits where a range's start belongs. */
export function ipRangeProblem(range: string): string | null {
  const b = ipv4Bounds(range);
  if (!b) return 'not an IPv4 range (expected e.g. 10.0.0.0/8)';
  const [addr, bits] = range.trim().split('/');
  if (bits === undefined) return null;
  const start = [24, 16, 8, 0].map((sh) => Math.floor(b.lo / 2 ** sh) % 256).join('.');
  return addr === start ? null : `${range.trim()} is an address, not the start of its range: enter ${start}/${bits}`;
}
/** A DNS name (an e-mail domain may be written with its @). */
const isDomain = (s: string) => /^@?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(s.trim());

/** A domain as typed; a refusal quotes it, since a list's line number alone is easy to misread. */
const domainText = (example: string) =>
  z.string().max(253).superRefine((v, ctx) => {
    if (!isDomain(v)) ctx.addIssue({ code: 'custom', message: `"${v.trim()}" is not a domain (expected e.g. ${example})` });
  });

/**
 * What an analyst types (Settings, engagement.json), checked beyond its type: a client name, domains that are
 * domains, IP ranges that are ranges. Stored settings are not re-checked, so an older engagement still opens.
 */
export const TypedFieldsSchema = z.object({
  client: z.string().trim().min(1, 'enter the client\'s name').max(200),
  corporate_email_domains: z.array(domainText('contoso.com')),
  corporate_network_domains: z.array(domainText('corp.contoso.com')),
  corporate_ip_ranges: z.array(
    z.string().max(64).superRefine((v, ctx) => {
      const problem = ipRangeProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  ),
  thresholds: TypedThresholdsSchema.partial(),
});

/** A change to some settings (settings.update): nested thresholds and scenario may name some of their fields. */
export const SettingsPatchSchema = patchOf({
  ...SettingsSchema.shape,
  ...TypedFieldsSchema.shape,
  thresholds: patchOf({ ...ThresholdsSchema.shape, ...TypedThresholdsSchema.shape }),
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
