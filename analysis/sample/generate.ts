// The sample engagement (DATA-CONTRACT §3.1 `sample`): a synthetic Contoso Engineering estate written in every
// input kind the workbench reads. Deterministic for a seed; session rows stream to disk user by user.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCatalogue } from '../catalogue/catalogue';
import { SettingsSchema } from '../settings';
import { DayNames, hhmmss, isoOf } from './calendar';
import { planEstate, type EstatePlan, type PlannedUser, type SampleOptions } from './estate';
import { userSessions, type SessionRec } from './usage';
import { writeFlexnetLog } from './flexnet';
import { writeSheetXlsx, type Cell } from './xlsx';
import { BufferedWriter, csvRow } from './writer';
import { DISPLAY_NAME, OFFERING_NAME, CORPORATE_EMAIL_DOMAINS, SITES, COLLECTIONS } from './products';

export { SAMPLE_DEFAULTS, sampleGroundTruth, planEstate, PREVALENCE } from './estate';
export type { SampleOptions, SampleGroundTruth } from './estate';

export interface SampleResult {
  files: string[];
  /** Distinct product sessions written to the LRT session exports (rows in the overlap count once). */
  sessions: number;
}

export const SESSION_HEADER = ['session_id', 'user_email', 'product_name', 'product_version', 'device_name', 'machine_guid', 'operating_system',
  'session_start', 'session_end', 'duration_minutes', 'licence_type', 'features_used', 'ip_address', 'network_domain', 'tokens_used'];
export const USAGE_DAILY_HEADER = ['day_used', 'product_name', 'version', 'access_option', 'email', 'hashed_autodesk_id', 'tokens_used', 'team'];
export const USAGE_REPORT_HEADER = ['Hashed Autodesk Id', 'First Name', 'Last Name', 'Email', 'Autodesk Id', 'Team Alias', 'Group', 'Offering Name',
  'Version', 'Seat Assignment', 'Assigned Date', 'Unassigned Date', 'User Activity', 'Days Inactive', 'Access Option', 'Days Used',
  'Monthly Average', 'Tokens Used', 'Last Accessed'];
export const ROSTER_HEADER = ['email', 'first_name', 'last_name', 'role', 'account_status', 'team', 'offering_name', 'assigned_date',
  'unassigned_date', 'user_type', 'cost_centre'];
export const SUBSCRIPTION_HEADER = ['Contract Number', 'Offering Name', 'Seat Quantity', 'Start Date', 'End Date', 'Autorenew Date',
  'Subscription ID', 'Subscription Status', 'Term', 'Reseller Name', 'Reseller Email', 'Team', 'Licence Model', 'Tokens'];

const TEAM = 'Contoso Engineering - Primary';
const FEATURES: Record<string, string> = {
  ACD: 'Drawing;Xref;Layout;Plot', ACDLT: 'Drawing;Layout;Plot', RVT: 'Modeling;Sheets;Families;Worksharing', CIV3D: 'Corridors;Surfaces;Pipe Networks',
  INVPROSA: 'Part;Assembly;Drawing', '3DSMAX': 'Modeling;Arnold Render', MAYA: 'Modeling;Rigging;Animation', NAVMAN: 'Clash Detective;TimeLiner',
};

/** Per assignment: distinct usage days of covered products and the last one (kept compact: one entry per user). */
interface AssignmentStats {
  daysUsed: number;
  last: number | null;
}

export async function generateSample(outDir: string, input: Partial<SampleOptions> = {}): Promise<SampleResult> {
  const plan = planEstate(input);
  const cat = loadCatalogue();
  await mkdir(outDir, { recursive: true });
  const names = new DayNames();
  const files: string[] = [];
  const path = (f: string) => {
    const p = join(outDir, f);
    files.push(p);
    return p;
  };
  const flexRate = (code: string) => cat.get(code)?.flex_tokens_per_day ?? 0;

  // Two consecutive LRT exports that overlap by five days, as an analyst downloads them.
  const split = plan.start + Math.floor((plan.end - plan.start) / 2);
  const fileA = new BufferedWriter(path(`lrt-sessions_${isoOf(plan.start)}_${isoOf(split + 2)}.csv`));
  const fileB = new BufferedWriter(path(`lrt-sessions_${isoOf(split - 2)}_${isoOf(plan.end)}.csv`));
  const daily = new BufferedWriter(path('autodesk-usage-daily.csv'));
  fileA.line(csvRow(SESSION_HEADER));
  fileB.line(csvRow(SESSION_HEADER));
  daily.line(csvRow(USAGE_DAILY_HEADER));

  const stats = new Map<PlannedUser, AssignmentStats[]>();
  const flexByDay = new Map<string, number>();
  let sessions = 0;
  for (const u of plan.users) {
    if (u.kind === 'network') continue;
    const covers = u.assignments.map((a) => new Set(cat.covers(a.offering)));
    const seenDays: Array<Set<number>> = u.assignments.map(() => new Set<number>());
    const dayRows = new Map<string, { day: number; product: string; version: string; claim: string; tokens: number }>();
    let seq = 0;
    userSessions(plan, u, flexRate, (s: SessionRec) => {
      sessions++;
      const line = sessionLine(u, s, seq++, names);
      if (s.day <= split + 2) fileA.line(line);
      if (s.day >= split - 2) fileB.line(line);
      covers.forEach((c, i) => {
        if (c.has(s.product)) seenDays[i]!.add(s.day);
      });
      if (s.claim === 'Serial') return; // the portal never sees serial (perpetual) use
      const k = `${s.day}|${s.product}`;
      const r = dayRows.get(k);
      if (r) r.tokens += s.tokens ?? 0;
      else dayRows.set(k, { day: s.day, product: s.product, version: s.version, claim: s.claim, tokens: s.tokens ?? 0 });
      if (s.claim === 'Flex' && s.tokens) {
        const fk = `${s.day}|${s.product}`;
        flexByDay.set(fk, (flexByDay.get(fk) ?? 0) + s.tokens);
      }
    });
    for (const r of [...dayRows.values()].sort((a, b) => a.day - b.day || a.product.localeCompare(b.product))) {
      daily.line(csvRow([names.iso(r.day), DISPLAY_NAME[r.product] ?? r.product, r.version, r.claim, u.masked ? '*****' : u.email, u.hashedId,
        r.claim === 'Flex' ? r.tokens : '', TEAM]));
    }
    if (u.kind === 'named') stats.set(u, seenDays.map((d) => ({ daysUsed: d.size, last: d.size ? Math.max(...d) : null })));
    await Promise.all([fileA.maybeFlush(), fileB.maybeFlush(), daily.maybeFlush()]);
  }
  await Promise.all([fileA.close(), fileB.close(), daily.close()]);

  await writeUsageReport(plan, stats, path('autodesk-usage-report.csv'), names);
  await writeRoster(plan, path('users-roster.csv'), names);
  const flexTokens = await writeTokenFlex(plan, flexByDay, path('tokenflex-usage.csv'));
  await writeSubscriptions(plan, flexTokens, path('subscriptions.xlsx'));
  await writeFlexnetLog(plan, path('adskflex-CONTOSO-LIC01.log'));
  await writeIdentityMap(plan, path('identity-map.csv'));
  await writeEngagement(plan, path('engagement.json'));
  return { files, sessions };
}

function sessionLine(u: PlannedUser, s: SessionRec, seq: number, names: DayNames): string {
  const sec = (s.start * 7 + seq * 13) % 60;
  const d = names.iso(s.day);
  // Hot path (millions of rows): every field is generated here and holds no comma, quote or newline, so no quoting.
  return `${u.hashedId.slice(0, 12)}-${seq.toString(16).padStart(6, '0')},${s.email},${DISPLAY_NAME[s.product] ?? s.product},${s.version},${s.device},${s.deviceId},${s.os},${d} ${hhmmss(s.start, sec)},${d} ${hhmmss(s.start + s.duration, sec)},${s.duration},${s.claim},${FEATURES[s.product] ?? ''},${s.ip},${s.domain},${s.tokens ?? ''}`;
}

async function writeUsageReport(plan: EstatePlan, stats: Map<PlannedUser, AssignmentStats[]>, file: string, names: DayNames): Promise<void> {
  const w = new BufferedWriter(file);
  w.line(csvRow(USAGE_REPORT_HEADER));
  const months = plan.opts.months;
  for (const u of plan.users) {
    if (u.kind !== 'named') continue;
    const st = stats.get(u) ?? [];
    u.assignments.forEach((a, i) => {
      const { daysUsed, last } = st[i] ?? { daysUsed: 0, last: null };
      const used = last !== null;
      const since = last !== null ? plan.end - last : plan.end - Math.max(a.assigned, plan.start);
      const assignedNow = a.unassigned === null || a.unassigned > plan.end;
      w.line(csvRow([
        u.hashedId, u.first, u.last, u.email, u.autodeskId, TEAM, u.role === 'viz' ? 'Media' : 'Engineering', OFFERING_NAME[a.offering] ?? a.offering,
        '2026', assignedNow ? 'assigned' : 'unassigned', `${names.iso(a.assigned)}T00:00:00Z`, a.unassigned !== null ? `${names.iso(a.unassigned)}T00:00:00Z` : '',
        used && since < 90 ? 'active' : 'inactive', since, 'Named User', daysUsed, Math.round((daysUsed / months) * 100) / 100, '',
        last !== null ? names.iso(last) : '',
      ]));
    });
    await w.maybeFlush();
  }
  await w.close();
}

async function writeRoster(plan: EstatePlan, file: string, names: DayNames): Promise<void> {
  const w = new BufferedWriter(file);
  w.line(csvRow(ROSTER_HEADER));
  for (const u of plan.users) {
    if (u.kind !== 'named') continue;
    // Typed by hand: now and then an e-mail keeps the capitals of the person's name.
    const email = u.index % 17 === 3 ? u.email.replace(/^([a-z])([a-z]*)\.([a-z])/, (_m, a: string, b: string, c: string) => `${a.toUpperCase()}${b}.${c.toUpperCase()}`) : u.email;
    for (const a of u.assignments) {
      const left = a.unassigned !== null && a.unassigned <= plan.end;
      w.line(csvRow([email, u.first, u.last, 'User', left ? 'Inactive' : 'Active', u.role === 'viz' ? 'Visualisation' : u.site?.code === 'SGP' ? 'APAC Engineering' : 'Engineering',
        OFFERING_NAME[a.offering] ?? a.offering, names.iso(a.assigned), a.unassigned !== null ? names.iso(a.unassigned) : '', 'employee', costCentreOf(u)]));
    }
    await w.maybeFlush();
  }
  await w.close();
}

function costCentreOf(u: PlannedUser): string {
  return { architect: 'CC-1100', civil: 'CC-1200', structural: 'CC-1300', drafter: 'CC-1400', drafter_lt: 'CC-1400', mechanical: 'CC-2100', viz: 'CC-3100' }[u.role];
}

/** Token Flex export in Autodesk's own layout (quoted header, trailing comma, `YYYY-MM-DD 00:00:00`). Returns total tokens. */
async function writeTokenFlex(plan: EstatePlan, byDay: Map<string, number>, file: string): Promise<number> {
  const cat = loadCatalogue();
  const w = new BufferedWriter(file);
  w.line('"contractYear","tokenPool","usageCategory","usageDate","productLineCode","productName","tokensConsumed",');
  const keys = [...byDay.keys()].map((k) => {
    const [d, p] = k.split('|');
    return { day: Number(d), product: p!, tokens: byDay.get(k)! };
  });
  keys.sort((a, b) => a.day - b.day || a.product.localeCompare(b.product));
  let total = 0;
  for (const k of keys) {
    total += k.tokens;
    const year = 1 + Math.floor((k.day - plan.start) / 365);
    w.line(`${year},"CY","DESKTOP_PRODUCT",${isoOf(k.day)} 00:00:00,"${k.product}","${cat.get(k.product)?.name ?? k.product}",${k.tokens.toFixed(1)},`);
  }
  await w.close();
  return total;
}

async function writeSubscriptions(plan: EstatePlan, flexTokens: number, file: string): Promise<void> {
  const termStart = plan.start - 45;
  const termEnd = plan.end + 200;
  const seats = new Map<string, number>();
  for (const u of plan.users) {
    for (const a of u.assignments) if (a.unassigned === null || a.unassigned > plan.end) seats.set(a.offering, (seats.get(a.offering) ?? 0) + 1);
  }
  const rows: Cell[][] = [];
  let n = 0;
  const line = (offering: string, qty: number, model: string, tokens: Cell, contract: string) => {
    n++;
    rows.push([contract, offering, qty, isoOf(termStart), isoOf(termEnd), isoOf(termEnd + 1), `SUB-${String(plan.opts.seed).padStart(3, '0')}-${String(n).padStart(4, '0')}`,
      'Active', '3-Year', 'Acme Software Reseller Ltd', 'renewals@acme-reseller.example', TEAM, model, tokens]);
  };
  for (const off of ['AECCOL', 'PDCOLL', 'MECOLL', 'ACD', 'ACDLT']) {
    const q = seats.get(off) ?? 0;
    // A few spare seats bought "just in case", as estates usually have.
    line(OFFERING_NAME[off]!, q + Math.max(1, Math.ceil(q * 0.03)), 'named_user', null, COLLECTIONS.has(off) ? '110004471234' : '110004475678');
  }
  // Standalone project seats (the unused assignments), on the standalone contract when anyone holds one.
  for (const off of ['NAVMAN', '3DSMAX']) {
    const q = seats.get(off) ?? 0;
    if (q > 0) line(OFFERING_NAME[off]!, q, 'named_user', null, '110004475678');
  }
  line('AutoCAD', plan.networkSeats, 'network', null, '110002219876');
  line(OFFERING_NAME.FLEX!, 1, 'flex', Math.ceil((flexTokens * 1.25) / 100) * 100, '110004479999');
  const fixed = new Date(Date.UTC(2026, 0, 1));
  await writeSheetXlsx(file, 'Subscriptions', SUBSCRIPTION_HEADER, rows, fixed);
}

async function writeIdentityMap(plan: EstatePlan, file: string): Promise<void> {
  const w = new BufferedWriter(file);
  w.line('alias,user');
  for (const u of plan.users) {
    if (u.kind === 'network') w.line(csvRow([u.login, u.email]));
    if (u.oldEmail) w.line(csvRow([u.oldEmail, u.email]));
    if (u.masked) w.line(csvRow([u.hashedId, u.email]));
  }
  await w.close();
}

async function writeEngagement(plan: EstatePlan, file: string): Promise<void> {
  const settings = SettingsSchema.parse({
    client: 'Contoso Engineering',
    as_of: isoOf(plan.end),
    currency: 'USD',
    timezone: 'UTC',
    corporate_email_domains: CORPORATE_EMAIL_DOMAINS,
    corporate_network_domains: ['corp.contoso.com', ...SITES.map((s) => s.domain)],
    corporate_ip_ranges: ['10.0.0.0/8', '192.168.0.0/16'],
    prices: { RVT: { annual: 2985, list_annual: 2985, flex_tokens_per_day: 10 } },
    flex_token_price: 3.0,
  });
  await writeFile(file, JSON.stringify(settings, null, 2) + '\n');
}
