// Per-user usage: which days a user works in a product, and the sessions of each day. Each user has its own
// seeded generator, so users are independent and the output streams user by user.
import { Rng, mixSeed } from './prng';
import { isWorkingDay, monthKey } from './calendar';
import type { EstatePlan, PlannedUser } from './estate';

export interface SessionRec {
  day: number;
  product: string;
  version: string;
  /** Minutes after midnight. */
  start: number;
  duration: number;
  claim: 'Named User' | 'Flex' | 'Serial';
  email: string;
  device: string;
  deviceId: string;
  os: string;
  ip: string;
  domain: string;
  tokens: number | null;
}

function usable(plan: EstatePlan, u: PlannedUser, d: number): boolean {
  if (!isWorkingDay(d)) return false;
  if (u.site && u.site.code === plan.gap.site && d >= plan.gap.from && d <= plan.gap.to) return false;
  return true;
}

/** Usage days of a user, ascending. */
export function usageDays(plan: EstatePlan, u: PlannedUser, rng: Rng): number[] {
  if (u.usageTo < u.usageFrom || u.kind === 'network') return [];
  const days: number[] = [];
  if (u.pattern === 'low' || u.kind === 'flex') {
    // Occasional users: a few days in every calendar month (low-frequency: 1–3, always below 4 a month).
    const byMonth = new Map<string, number[]>();
    for (let d = u.usageFrom; d <= u.usageTo; d++) {
      if (!usable(plan, u, d)) continue;
      const k = monthKey(d);
      const xs = byMonth.get(k) ?? [];
      xs.push(d);
      byMonth.set(k, xs);
    }
    for (const xs of byMonth.values()) {
      const k = u.kind === 'flex' ? rng.int(2, 6) : rng.int(1, 3);
      days.push(...rng.shuffle([...xs]).slice(0, k));
    }
    return days.sort((a, b) => a - b);
  }
  const p = u.kind === 'contractor' ? 0.75 : 0.55 + rng.float() * 0.3;
  // One two-week holiday in every year of data.
  const holidays = new Set<number>();
  for (let y = u.usageFrom; y <= u.usageTo; y += 365) {
    const h = y + rng.int(0, 350);
    for (let i = 0; i < 14; i++) holidays.add(h + i);
  }
  for (let d = u.usageFrom; d <= u.usageTo; d++) {
    if (!usable(plan, u, d) || holidays.has(d)) continue;
    if (rng.chance(p)) days.push(d);
  }
  if (days.length === 0 && u.usageTo >= u.usageFrom) {
    for (let d = u.usageTo; d >= u.usageFrom; d--) if (usable(plan, u, d)) return [d];
  }
  return days;
}

const VERSIONS = ['2026', '2026', '2025', '2025', '2024'];

function ipOf(u: PlannedUser): { ip: string; domain: string } {
  if (!u.site) return { ip: `203.0.113.${(u.ipHost % 250) + 2}`, domain: '' };
  return { ip: `${u.site.net}.${(u.ipHost >> 8) & 255}.${u.ipHost & 255}`, domain: u.site.domain };
}

/**
 * Calls `emit` for every session of the user, day by day in order. `flexRate` gives Flex tokens per day.
 */
export function userSessions(plan: EstatePlan, u: PlannedUser, flexRate: (code: string) => number, emit: (s: SessionRec) => void): void {
  const rng = new Rng(mixSeed(plan.opts.seed, 0x5e55, u.index));
  const days = usageDays(plan, u, rng);
  const version = rng.pick(VERSIONS);
  const { ip, domain } = ipOf(u);
  const claim = u.kind === 'flex' ? 'Flex' : 'Named User';
  const sharedDays = new Set<number>();
  if (u.shared) for (const d of rng.shuffle([...days]).slice(0, rng.int(6, 10))) sharedDays.add(d);
  const serialDays = new Set<number>();
  if (u.serial) for (const d of rng.shuffle([...days]).slice(0, rng.int(8, 14))) serialDays.add(d);
  const oldDevice = `CON-OLD-PC${String(u.index).padStart(4, '0')}`;
  const homeDevice = `HOME-${u.first.slice(0, 3).toUpperCase()}-PC${u.index % 97}`;
  const homeIp = `81.${(u.ipHost >> 8) & 255}.${u.ipHost & 255}.${(u.index % 200) + 20}`;
  const multi = u.mix.length > 1;
  const mixWeights = u.mix.map((c, j) => [c, u.weights[j]!] as const);
  // Its own generator, so the user's other days come out exactly as without the ramp-up.
  const spike = u.spike ? plan.spike : null;
  const spikeRng = new Rng(mixSeed(plan.opts.seed, 0x5b1e, u.index));
  let spikeShown = false;

  for (let i = 0; i < days.length; i++) {
    const day = days[i]!;
    const email = u.oldEmail && u.emailChangedOn !== null && day < u.emailChangedOn ? u.oldEmail : u.email;
    const n = u.pattern === 'low' || u.kind === 'flex' ? rng.int(1, 2) : rng.weighted([[1, 50], [2, 35], [3, 15]] as const);
    let t = 540 + rng.int(0, 150);
    const charged = new Set<string>();
    for (let k = 0; k < n && t <= 1080; k++) {
      let product = multi ? rng.weighted(mixWeights) : u.mix[0]!;
      // Make sure multi-product users really use two members in the last year.
      if (multi && k === 0 && i === days.length - 1) product = u.mix[1]!;
      if (multi && k === 0 && i === days.length - 2) product = u.mix[0]!;
      const duration = k === 0 && sharedDays.has(day) ? rng.int(90, 240) : rng.int(20, 240);
      let tokens: number | null = null;
      if (claim === 'Flex') {
        tokens = charged.has(product) ? 0 : flexRate(product);
        charged.add(product);
      }
      emit({ day, product, version, start: t, duration, claim, email, device: u.device.name, deviceId: u.device.id, os: u.device.os, ip, domain, tokens });
      if (k === 0 && sharedDays.has(day)) {
        // Someone else signed in with the same account on another machine while the first session ran.
        emit({ day, product, version, start: t + rng.int(5, duration - 60), duration: rng.int(60, 180), claim, email, device: homeDevice, deviceId: `SHARED-${u.device.id.slice(7)}`, os: 'Windows 11 Home', ip: homeIp, domain: '', tokens: claim === 'Flex' ? 0 : null });
      }
      t += duration + rng.int(10, 60);
    }
    if (u.outOfScope && rng.chance(0.12)) {
      const duration = rng.int(30, 120);
      emit({ day, product: 'VRDPRO', version: '2025', start: Math.min(t, 1020), duration, claim, email, device: u.device.name, deviceId: u.device.id, os: u.device.os, ip, domain, tokens: null });
      t = Math.min(t, 1020) + duration + rng.int(10, 30);
    }
    // The ramp-up month: Advance Steel after the day's other work, on the first such day and about half the others.
    if (spike && day >= spike.from && day <= spike.to && t <= 1020 && (!spikeShown || spikeRng.chance(0.5))) {
      spikeShown = true;
      const duration = spikeRng.int(30, 150);
      emit({ day, product: spike.product, version, start: t, duration, claim, email, device: u.device.name, deviceId: u.device.id, os: u.device.os, ip, domain, tokens: claim === 'Flex' ? flexRate(spike.product) : null });
      t += duration + spikeRng.int(10, 30);
    }
    // Serial use on the old PC comes after the day's other sessions, so it never looks like a shared account.
    if (serialDays.has(day) && t <= 1080) {
      emit({ day, product: 'ACD', version: '2018', start: t, duration: rng.int(20, 90), claim: 'Serial', email, device: oldDevice, deviceId: `OLD-${u.device.id.slice(4)}`, os: 'Windows 7 Professional', ip, domain, tokens: null });
    }
  }
}
