// The synthetic estate's plan: who exists, what they are assigned, and which pattern of use each follows.
// Built up front from the seed (a few hundred bytes per user), so the usage generator can stream rows
// and the tests can ask the plan what the generator intended.
import { Rng, mixSeed } from './prng';
import { dayOf, startOfWindow, weekday, ymOf } from './calendar';
import {
  ROLES, ROLE_WEIGHTS, COLLECTIONS, FIRST_NAMES, LAST_NAMES, SITES, CONTRACTOR_DOMAIN, GAP_SITE, GAP_DAYS,
  SPIKE_PRODUCT, SPIKE_USERS, UNUSED_OFFERINGS,
  type Role, type Site,
} from './products';

export interface SampleOptions {
  users: number;
  months: number;
  seed: number;
  /** Last day of the data and the review date (as_of). */
  endDate: string;
}

export const SAMPLE_DEFAULTS: Readonly<SampleOptions> = Object.freeze({ users: 400, months: 12, seed: 1, endDate: '2026-09-30' });

/** Shares of the assigned Named Users (seed article, Table 2), applied as exact counts so every seed lands in range. */
export const PREVALENCE = Object.freeze({ dormant: 0.185, neverUsedOfDormant: 0.35, lowFrequency: 0.15, collectionSingle: 0.3 });

export type Pattern = 'regular' | 'low' | 'dormant' | 'never' | 'new_joiner' | 'leaver';
export type Kind = 'named' | 'contractor' | 'flex' | 'network';

export interface Assignment {
  offering: string;
  assigned: number;
  unassigned: number | null;
}

export interface PlannedUser {
  index: number;
  kind: Kind;
  first: string;
  last: string;
  email: string;
  /** Earlier e-mail used in exports before `emailChangedOn` (identity_map joins them). */
  oldEmail: string | null;
  emailChangedOn: number | null;
  login: string;
  hashedId: string;
  autodeskId: string;
  /** Portal export hides personal data for this user: usage_daily shows `*****` and the hashed id only. */
  masked: boolean;
  role: Role;
  site: Site | null;
  pattern: Pattern;
  assignments: Assignment[];
  /** Products the user opens, primary first; one entry for single-product collection users. */
  mix: string[];
  weights: number[];
  /** Usage happens in [usageFrom, usageTo] (day numbers); usageTo < usageFrom means none. */
  usageFrom: number;
  usageTo: number;
  outOfScope: boolean;
  shared: boolean;
  serial: boolean;
  /** Joins the project ramp-up: also opens the spike product during the spike month. */
  spike: boolean;
  device: { name: string; id: string; os: string };
  ipHost: number;
}

export interface EstatePlan {
  opts: SampleOptions;
  start: number;
  end: number;
  gap: { site: string; domain: string; from: number; to: number };
  users: PlannedUser[];
  /** Network (FlexNet) AutoCAD seats on the subscription, and what the licence server file allows. */
  networkSeats: number;
  serverSeats: number;
  overuseFrom: number;
  /** One complete calendar month in which a project ramp-up brings extra users to one product (null when the data is too short). */
  spike: { product: string; from: number; to: number } | null;
}

const OS = ['Windows 11 Enterprise', 'Windows 11 Enterprise', 'Windows 10 Enterprise', 'Windows 11 Pro'];

function asciiLocal(s: string): string {
  return s.normalize('NFKD').replace(/[^A-Za-z]/g, '').toLowerCase();
}

export function planEstate(input: Partial<SampleOptions> = {}): EstatePlan {
  const opts: SampleOptions = { ...SAMPLE_DEFAULTS, ...input };
  if (!Number.isInteger(opts.users) || opts.users < 20) throw new Error(`sample: --users must be an integer >= 20 (got ${opts.users})`);
  if (!Number.isInteger(opts.months) || opts.months < 4 || opts.months > 60) throw new Error(`sample: --months must be an integer from 4 to 60 (got ${opts.months})`);
  if (!Number.isInteger(opts.seed)) throw new Error(`sample: --seed must be an integer (got ${opts.seed})`);
  const rng = new Rng(mixSeed(opts.seed, 0xe57a7e));
  const end = dayOf(opts.endDate);
  const start = startOfWindow(end, opts.months);
  const n = opts.users;

  // Population: a few contractors, Flex users and network (FlexNet) users; the rest are Named Users.
  const contractors = Math.max(5, Math.round(n * 0.025));
  const flexUsers = Math.max(3, Math.round(n * 0.03));
  const networkUsers = Math.max(10, Math.round(n * 0.04));
  const named = n - contractors - flexUsers - networkUsers;
  const leavers = Math.max(2, Math.round(named * 0.03));
  const newJoiners = Math.max(2, Math.round(named * 0.04));
  const assignedAtEnd = named - leavers;
  const dormant = Math.round(assignedAtEnd * PREVALENCE.dormant);
  const never = Math.round(dormant * PREVALENCE.neverUsedOfDormant);
  const low = Math.round(assignedAtEnd * PREVALENCE.lowFrequency);

  const patterns: Pattern[] = [];
  for (let i = 0; i < leavers; i++) patterns.push('leaver');
  for (let i = 0; i < newJoiners; i++) patterns.push('new_joiner');
  for (let i = 0; i < never; i++) patterns.push('never');
  for (let i = 0; i < dormant - never; i++) patterns.push('dormant');
  for (let i = 0; i < low; i++) patterns.push('low');
  while (patterns.length < named) patterns.push('regular');
  rng.shuffle(patterns);

  const kinds: Kind[] = [];
  for (let i = 0; i < named; i++) kinds.push('named');
  for (let i = 0; i < contractors; i++) kinds.push('contractor');
  for (let i = 0; i < flexUsers; i++) kinds.push('flex');
  for (let i = 0; i < networkUsers; i++) kinds.push('network');

  const usedEmails = new Set<string>();
  const users: PlannedUser[] = [];
  let p = 0;
  for (let i = 0; i < n; i++) {
    const kind = kinds[i]!;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const domain = kind === 'contractor' ? CONTRACTOR_DOMAIN : 'contoso.com';
    let local = `${asciiLocal(first)}.${asciiLocal(last)}`;
    for (let k = 2; usedEmails.has(`${local}@${domain}`); k++) local = `${asciiLocal(first)}.${asciiLocal(last)}${k}`;
    const email = `${local}@${domain}`;
    usedEmails.add(email);
    const role: Role = kind === 'named' ? rng.weighted(ROLE_WEIGHTS) : kind === 'network' ? 'drafter' : rng.pick(['architect', 'drafter'] as const);
    const site = kind === 'contractor' ? null : rng.weighted(SITES.map((s) => [s, s.weight] as const));
    const pattern: Pattern = kind === 'named' ? patterns[p++]! : kind === 'contractor' ? 'new_joiner' : 'regular';
    const profile = ROLES[role];
    const assignments: Assignment[] = [];
    let usageFrom = start;
    let usageTo = end;
    if (kind === 'named') {
      let assigned = start - rng.int(20, 900);
      let unassigned: number | null = null;
      if (pattern === 'new_joiner') assigned = end - rng.int(10, 80);
      if (pattern === 'leaver') {
        unassigned = rng.int(start + 30, end - 40);
        // Half of the leavers only changed role: the seat was taken back but they kept opening the product for a while.
        usageTo = rng.chance(0.5) ? Math.min(end, unassigned + rng.int(20, 40)) : unassigned - 1;
      }
      assignments.push({ offering: profile.offering, assigned, unassigned });
      usageFrom = Math.max(start, assigned);
      if (pattern === 'never') usageTo = usageFrom - 1;
      if (pattern === 'dormant') {
        const lastUse = end - 91 - rng.int(5, 200);
        usageTo = lastUse >= usageFrom + 5 ? lastUse : usageFrom - 1;
      }
    } else if (kind === 'contractor') {
      // Contractors arrived recently (a new e-mail domain) and work without any assignment.
      usageFrom = end - rng.int(30, 80);
    }
    users.push({
      index: i, kind, first, last, email, oldEmail: null, emailChangedOn: null,
      login: `${asciiLocal(first).slice(0, 1)}${asciiLocal(last)}${i}`,
      hashedId: rng.hex(32).toUpperCase(), autodeskId: `${rng.hex(4)}${rng.hex(8)}`.toUpperCase(),
      masked: kind === 'named' && rng.chance(0.03),
      role, site, pattern, assignments, mix: [...profile.mix], weights: [...profile.weights], usageFrom, usageTo,
      outOfScope: false, shared: false, serial: false, spike: false,
      device: {
        name: kind === 'contractor' ? `BP-LAPTOP-${rng.int(100, 999)}` : `CON-${site!.code}-${rng.chance(0.6) ? 'WS' : 'LT'}${String(i).padStart(5, '0')}`,
        id: rng.guid(),
        os: rng.pick(OS),
      },
      ipHost: rng.int(2, 65000),
    });
  }

  // Exact counts for the optimisation patterns, chosen among the users who can show them.
  const regular = (f: (u: PlannedUser) => boolean) => rng.shuffle(users.filter((u) => u.kind === 'named' && u.pattern === 'regular' && f(u)));
  const take = <T>(xs: T[], k: number) => xs.slice(0, Math.min(k, xs.length));

  const collectionActive = users.filter((u) => u.kind === 'named' && ['regular', 'low', 'new_joiner'].includes(u.pattern) && COLLECTIONS.has(u.assignments[0]!.offering));
  for (const u of take(rng.shuffle([...collectionActive]), Math.round(collectionActive.length * PREVALENCE.collectionSingle))) {
    u.mix = [u.mix[0]!];
    u.weights = [1];
  }
  for (const u of take(regular((x) => x.role === 'drafter'), Math.max(2, Math.round(n * 0.015)))) {
    u.assignments.push({ offering: 'ACDLT', assigned: u.assignments[0]!.assigned + rng.int(30, 300), unassigned: null });
    // Opens LT now and then, so the second seat is a duplicate rather than simply unused.
    u.mix = ['ACD', 'ACDLT'];
    u.weights = [85, 15];
  }
  for (const u of take(regular((x) => x.role === 'architect' && x.mix.length > 1), Math.max(2, Math.round(n * 0.015)))) {
    u.assignments.push({ offering: 'ACD', assigned: u.assignments[0]!.assigned + rng.int(0, 200), unassigned: null });
  }
  for (const u of take(regular((x) => x.role === 'drafter' && x.assignments.length === 1), Math.max(2, Math.round(n * 0.008)))) u.outOfScope = true;
  for (const u of take(regular((x) => !x.outOfScope), Math.max(2, Math.round(n * 0.008)))) u.shared = true;
  for (const u of take(regular((x) => !x.shared && !x.outOfScope), Math.max(2, Math.round(n * 0.006)))) u.serial = true;
  for (const u of take(regular((x) => !x.masked && x.site !== null), Math.max(2, Math.round(n * 0.02)))) {
    u.oldEmail = `${asciiLocal(u.first).slice(0, 1)}${asciiLocal(u.last)}${u.index}@contoso-eng.com`;
    u.emailChangedOn = start + rng.int(20, Math.max(21, end - start - 60));
  }

  // Added patterns draw from their own generator, so every pattern chosen above stays as it was for a seed.
  const extra = new Rng(mixSeed(opts.seed, 0x0dd5ea7));
  const plain = (f: (u: PlannedUser) => boolean) =>
    extra.shuffle(users.filter((u) => u.kind === 'named' && u.pattern === 'regular' && !u.outOfScope && !u.shared && !u.serial && f(u)));
  // Unused assignments: a few AutoCAD drafters also hold a standalone Navisworks Manage or 3ds Max seat, bought for a
  // project long ago (well before the dormancy window) and never opened. Different function group from AutoCAD and not
  // covered by it, so it is unused rather than a duplicate; the drafter works every week, so not dormant or low-frequency.
  take(plain((x) => x.role === 'drafter' && x.assignments.length === 1), Math.max(3, Math.round(n * 0.01))).forEach((u, i) => {
    const assigned = Math.min(u.assignments[0]!.assigned + extra.int(30, 300), end - 120);
    u.assignments.push({ offering: UNUSED_OFFERINGS[i % UNUSED_OFFERINGS.length]!, assigned, unassigned: null });
  });
  // Usage spike: a steel project ramps up and collection users who never detailed steel open Advance Steel for one month.
  const spike = spikeMonth(start, end);
  if (spike) {
    for (const u of take(plain((x) => x.assignments[0]!.offering === 'AECCOL' && x.mix.length > 1 && !x.mix.includes(SPIKE_PRODUCT)), SPIKE_USERS)) {
      u.spike = true;
    }
  }

  // The site that goes silent: a Monday roughly in the middle of the data.
  let gapFrom = start + Math.floor((end - start) * 0.45);
  while (weekday(gapFrom) !== 1) gapFrom++;
  const gapSite = SITES.find((s) => s.code === GAP_SITE)!;

  const netUsers = users.filter((u) => u.kind === 'network').length;
  const networkSeats = Math.max(4, Math.round(netUsers * 0.4));
  return {
    opts, start, end, users,
    gap: { site: gapSite.code, domain: gapSite.domain, from: gapFrom, to: gapFrom + GAP_DAYS - 1 },
    networkSeats,
    serverSeats: networkSeats + Math.max(4, Math.round(networkSeats * 0.6)),
    // Over-use in the last four months (>= sustained_months of 3).
    overuseFrom: startOfWindow(end, 4),
    spike: spike ? { product: SPIKE_PRODUCT, ...spike } : null,
  };
}

/** The fourth-last complete calendar month, or the first with three complete months of data before it; null if none. */
function spikeMonth(start: number, end: number): { from: number; to: number } | null {
  const idx = (d: number) => {
    const { y, m } = ymOf(d);
    return y * 12 + (m - 1);
  };
  const first = (i: number) => dayOf(`${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-01`);
  const lastComplete = idx(end + 1) - 1;
  const firstFull = ymOf(start).d === 1 ? idx(start) : idx(start) + 1;
  const k = Math.max(firstFull + 3, lastComplete - 3);
  if (k > lastComplete) return null;
  return { from: first(k), to: first(k + 1) - 1 };
}

/** What the generator intends, from its own plan: the tests compare these with counts recomputed from the files. */
export interface SampleGroundTruth {
  asOf: string;
  firstDay: string;
  namedUsers: number;
  assignedAtEnd: number;
  dormant: number;
  neverUsed: number;
  lowFrequency: number;
  newJoiners: number;
  collectionActive: number;
  collectionSingle: number;
  contractors: number;
  flexUsers: number;
  networkUsers: number;
  outOfScopeUsers: number;
  sharedAccounts: number;
  serialUsers: number;
  duplicateAccess: number;
  /** Users holding a standalone seat (beside their main one) that they never use: one unused_assignment each. */
  unusedAssignments: number;
  /** The planned ramp-up: product, month (YYYY-MM) and how many users join it for that month. */
  usageSpike: { product: string; month: string; extraUsers: number } | null;
  emailChanges: number;
  maskedUsers: number;
  networkSeats: number;
  serverSeats: number;
  telemetryGap: { site: string; domain: string; from: string; to: string; days: number };
}

const isUnused = (u: PlannedUser) => u.assignments.some((a) => (UNUSED_OFFERINGS as readonly string[]).includes(a.offering));

export function sampleGroundTruth(input: Partial<SampleOptions> = {}): SampleGroundTruth {
  const plan = planEstate(input);
  const iso = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
  const named = plan.users.filter((u) => u.kind === 'named');
  const atEnd = named.filter((u) => u.pattern !== 'leaver');
  const collectionActive = named.filter((u) => ['regular', 'low', 'new_joiner'].includes(u.pattern) && COLLECTIONS.has(u.assignments[0]!.offering));
  return {
    asOf: iso(plan.end),
    firstDay: iso(plan.start),
    namedUsers: named.length,
    assignedAtEnd: atEnd.length,
    dormant: named.filter((u) => u.pattern === 'dormant' || u.pattern === 'never').length,
    neverUsed: named.filter((u) => u.pattern === 'never' || (u.pattern === 'dormant' && u.usageTo < u.usageFrom)).length,
    lowFrequency: named.filter((u) => u.pattern === 'low').length,
    newJoiners: named.filter((u) => u.pattern === 'new_joiner').length,
    collectionActive: collectionActive.length,
    collectionSingle: collectionActive.filter((u) => u.mix.length === 1).length,
    contractors: plan.users.filter((u) => u.kind === 'contractor').length,
    flexUsers: plan.users.filter((u) => u.kind === 'flex').length,
    networkUsers: plan.users.filter((u) => u.kind === 'network').length,
    outOfScopeUsers: named.filter((u) => u.outOfScope).length,
    sharedAccounts: named.filter((u) => u.shared).length,
    serialUsers: named.filter((u) => u.serial).length,
    duplicateAccess: named.filter((u) => u.assignments.length > 1 && !isUnused(u)).length,
    unusedAssignments: named.filter(isUnused).length,
    usageSpike: plan.spike ? { product: plan.spike.product, month: iso(plan.spike.from).slice(0, 7), extraUsers: named.filter((u) => u.spike).length } : null,
    emailChanges: named.filter((u) => u.oldEmail !== null).length,
    maskedUsers: named.filter((u) => u.masked).length,
    networkSeats: plan.networkSeats,
    serverSeats: plan.serverSeats,
    telemetryGap: { site: plan.gap.site, domain: plan.gap.domain, from: iso(plan.gap.from), to: iso(plan.gap.to), days: plan.gap.to - plan.gap.from + 1 },
  };
}
