// The network licence server's debug log (adskflex), in the exact line format of real Autodesk logs
// (shared/fixtures/flexnet): banner, TIMESTAMP lines, OUT/IN pairs for package + version feature, DENIED.
import { Rng, mixSeed } from './prng';
import { isWorkingDay, monthKey, ymOf, weekday } from './calendar';
import { BufferedWriter } from './writer';
import type { EstatePlan } from './estate';

const SERVER = 'CONTOSO-LIC01';
export const PACKAGE_FEATURE = '64300ACD_F';
export const VERSION_FEATURES: Record<string, string> = { '2025': '87937ACD_2025_0F', '2026': '88124ACD_2026_0F' };
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** FlexNet writes the hour unpadded, right-aligned in two characters: ` 9:05:01`, `15:49:07`. */
function clock(sec: number): string {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  return `${h < 10 ? ' ' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}`;
}

function mdy(day: number): string {
  const { y, m, d } = ymOf(day);
  return `${m}/${d}/${y}`;
}

function longDate(day: number, sec: number): string {
  const { y, m, d } = ymOf(day);
  const t = clock(sec).trim().padStart(8, '0');
  return `${WEEKDAYS[weekday(day)]} ${MONTHS[m - 1]} ${String(d).padStart(2, '0')} ${y} ${t} Coordinated Universal Time`;
}

function banner(day: number, sec: number): string[] {
  const L = (t: string, who = 'lmgrd') => `${clock(sec)} (${who}) ${t}`;
  const lic = `C:\\Program Files\\Autodesk\\Autodesk Network License Manager\\Licenses\\${SERVER}.lic`;
  return [
    L('-----------------------------------------------'),
    L('  Please Note:'),
    L(''),
    L('  This log is intended for debug purposes only.'),
    L('  In order to capture accurate license'),
    L('  usage data into an organized repository,'),
    L("  please enable report logging. Use Flexera Software LLC's"),
    L('  software license administration  solution,'),
    L('  FlexNet Manager, to  readily gain visibility'),
    L('  into license usage data and to create'),
    L('  insightful reports on critical information like'),
    L('  license availability and usage. FlexNet Manager'),
    L('  can be fully automated to run these reports on'),
    L('  schedule and can be used to track license'),
    L('  servers and usage across a heterogeneous'),
    L('  network of servers including Windows NT, Linux'),
    L('  and UNIX. Contact Flexera Software LLC at'),
    L('  www.flexerasoftware.com for more details on how to'),
    L('  obtain an evaluation copy of FlexNet Manager'),
    L('  for your enterprise.'),
    L(''),
    L('-----------------------------------------------'),
    L(''),
    L(''),
    L(`Server's System Date and Time: ${longDate(day, sec)}`),
    L('pid 4412'),
    L('SLOG: Summary LOG statistics is enabled.'),
    L('Done rereading'),
    L(`FlexNet Licensing (v11.19.4.1 build 296231 x64_n6) started on ${SERVER} (IBM PC) (${mdy(day)})`),
    L('Copyright (c) 1988-2023 Flexera Software LLC. All Rights Reserved.'),
    L('World Wide Web:  http://www.flexerasoftware.com'),
    L(`License file(s): ${lic}`),
    L('lmgrd tcp-port 27000'),
    L('Starting vendor daemons ... '),
    L('Starting vendor daemon at port 2080'),
    L('Using vendor daemon port 2080 specified in license file'),
    L('Started adskflex (pid 5120)'),
    L('Unable to initialize access to trusted storage: 1', 'adskflex'),
    L('FlexNet Licensing version v11.19.4.1 build 296231 x64_n6', 'adskflex'),
    L('SLOG: Summary LOG statistics is enabled.', 'adskflex'),
    L(`Server started on ${SERVER} for:\t`, 'adskflex'),
    L(`${PACKAGE_FEATURE} (consisting of:\t\t${VERSION_FEATURES['2026']} `, 'adskflex'),
    L(`${VERSION_FEATURES['2025']}) `, 'adskflex'),
    L('EXTERNAL FILTERS are OFF', 'adskflex'),
    L('ALL FEATURES: INACTIVITY TIMEOUT set to 3600 seconds', 'adskflex'),
    L('adskflex using TCP-port 2080'),
  ];
}

interface Ev {
  sec: number;
  order: number;
  text: string;
}

export interface FlexnetResult {
  lines: number;
  sessions: number;
  denials: number;
  /** 'YYYY-MM' -> peak simultaneous check-outs. */
  peakByMonth: Record<string, number>;
}

/** Writes the log for the network users of the plan, day by day (each day is generated, sorted and written). */
export async function writeFlexnetLog(plan: EstatePlan, path: string): Promise<FlexnetResult> {
  const rng = new Rng(mixSeed(plan.opts.seed, 0xf1e7));
  const users = plan.users.filter((u) => u.kind === 'network').map((u) => ({ u, version: rng.chance(0.7) ? '2026' : '2025', host: u.device.name }));
  const w = new BufferedWriter(path);
  const bannerSec = 6 * 3600 + 30 * 60;
  for (const l of banner(plan.start, bannerSec)) w.line(l);
  const result: FlexnetResult = { lines: 0, sessions: 0, denials: 0, peakByMonth: {} };
  for (let day = plan.start; day <= plan.end; day++) {
    const over = day >= plan.overuseFrom;
    const evs: Ev[] = [];
    let order = 0;
    for (const h of [1, 7, 13, 19]) {
      if (day === plan.start && h * 3600 < bannerSec) continue;
      evs.push({ sec: h * 3600 + 49 * 60 + 10, order: order++, text: `(lmgrd) TIMESTAMP ${mdy(day)}` });
      evs.push({ sec: h * 3600 + 54 * 60 + 20, order: order++, text: `(adskflex) TIMESTAMP ${mdy(day)}` });
    }
    if (isWorkingDay(day)) {
      const wants: Array<{ who: (typeof users)[number]; start: number; dur: number }> = [];
      for (const who of users) {
        if (!rng.chance(over ? 0.8 : 0.6)) continue;
        let t = 8 * 3600 + rng.int(0, 9 * 3600);
        const n = rng.int(1, 2);
        for (let k = 0; k < n && t < 17 * 3600; k++) {
          const dur = (over ? rng.int(90, 330) : rng.int(30, 300)) * 60 + rng.int(0, 59);
          wants.push({ who, start: t, dur });
          t += dur + rng.int(10, 90) * 60;
        }
      }
      wants.sort((a, b) => a.start - b.start || a.who.u.index - b.who.u.index);
      const active: Array<{ end: number; login: string }> = [];
      const cap = over ? plan.serverSeats : plan.networkSeats;
      const key = monthKey(day);
      for (const x of wants) {
        for (let i = active.length - 1; i >= 0; i--) if (active[i]!.end <= x.start) active.splice(i, 1);
        const login = x.who.u.login;
        if (active.some((a) => a.login === login)) continue;
        const id = `${login}@${x.who.host}`;
        const ver = VERSION_FEATURES[x.who.version]!;
        let start = x.start;
        if (active.length >= cap) {
          // Before the over-use months demand never exceeds the subscription: the user simply did not start.
          if (!over) continue;
          const reason = 'Licensed number of users already reached. (-4,342)';
          evs.push({ sec: start, order: order++, text: `(adskflex) DENIED: "${PACKAGE_FEATURE}" ${id}  (${reason})` });
          evs.push({ sec: start, order: order++, text: `(adskflex) DENIED: "${ver}" ${id}  (${reason})` });
          result.denials++;
          // Retry 45 s later; if a seat came back meanwhile, the denial was not a true one.
          start += 45;
          for (let i = active.length - 1; i >= 0; i--) if (active[i]!.end <= start) active.splice(i, 1);
          if (active.length >= cap) continue;
        }
        const end = Math.min(start + x.dur, 23 * 3600 + 30 * 60);
        active.push({ end, login });
        result.peakByMonth[key] = Math.max(result.peakByMonth[key] ?? 0, active.length);
        result.sessions++;
        evs.push({ sec: start, order: order++, text: `(adskflex) OUT: "${PACKAGE_FEATURE}" ${id}  ` });
        evs.push({ sec: start, order: order++, text: `(adskflex) OUT: "${ver}" ${id}  ` });
        const inactive = rng.chance(0.05) ? '(INACTIVE)' : '';
        evs.push({ sec: end, order: order++, text: `(adskflex) IN: "${ver}" ${id}  ${inactive}` });
        evs.push({ sec: end, order: order++, text: `(adskflex) IN: "${PACKAGE_FEATURE}" ${id}  ${inactive}` });
      }
    }
    evs.sort((a, b) => a.sec - b.sec || a.order - b.order);
    for (const e of evs) w.line(`${clock(e.sec)} ${e.text}`);
    await w.maybeFlush();
  }
  result.lines = w.lines;
  await w.close();
  return result;
}
