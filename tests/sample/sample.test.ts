// The sample engagement: every input kind, deterministic per seed, and the seed article's prevalences
// recomputed from the written files themselves (not from the generator's internals).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import ExcelJS from 'exceljs';
import { generateSample, sampleGroundTruth, SAMPLE_DEFAULTS, type SampleResult } from '../../analysis/sample/generate';
import { runSampleCommand } from '../../analysis/sample/cli-sample';
import { loadCatalogue } from '../../analysis/catalogue/catalogue';
import { SettingsSchema } from '../../analysis/settings';

const cat = loadCatalogue();
let root = '';
let dir = '';
let result: SampleResult;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lrtw-sample-'));
  dir = join(root, 'default');
  result = await generateSample(dir, {});
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

// --- small independent readers -------------------------------------------------------------------------------

function parseCsv(text: string): string[][] {
  // Fast path for files without quoting; the full RFC 4180 reader below otherwise.
  if (!text.includes('"')) return text.split(/\r?\n/).filter((l) => l.length > 0).map((l) => l.split(','));
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function readTable(file: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

const MS = 86_400_000;
const dayNum = (iso: string) => Math.round(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) / MS);
const minutes = (ts: string) => Date.parse(`${ts.replace(' ', 'T')}Z`) / 60_000;

function completeMonths(a: number, b: number): number {
  const da = new Date(a * MS);
  const db = new Date(b * MS);
  let m = 12 * (db.getUTCFullYear() - da.getUTCFullYear()) + (db.getUTCMonth() - da.getUTCMonth());
  if (db.getUTCDate() < da.getUTCDate()) m--;
  return m;
}

function inRanges(ip: string): boolean {
  const p = ip.split('.').map(Number);
  return p[0] === 10 || (p[0] === 192 && p[1] === 168);
}

interface Measured {
  files: string[];
  asOf: number;
  settings: ReturnType<typeof SettingsSchema.parse>;
  sessions: Array<Record<string, string>>;
  userOf: (alias: string) => string;
  usage: Map<string, Map<number, Set<string>>>;
  roster: Array<Record<string, string>>;
}

async function measure(d: string): Promise<Measured> {
  const files = (await readdir(d)).sort();
  const settings = SettingsSchema.parse(JSON.parse(await readFile(join(d, 'engagement.json'), 'utf8')));
  const idmap = new Map(readTable(join(d, 'identity-map.csv')).map((r) => [r.alias!.toLowerCase(), r.user!.toLowerCase()]));
  const userOf = (alias: string) => idmap.get(alias.toLowerCase()) ?? alias.toLowerCase();
  const seen = new Set<string>();
  const sessions: Array<Record<string, string>> = [];
  for (const f of files.filter((x) => x.startsWith('lrt-sessions'))) {
    for (const r of readTable(join(d, f))) {
      if (seen.has(r.session_id!)) continue;
      seen.add(r.session_id!);
      sessions.push(r);
    }
  }
  const usage = new Map<string, Map<number, Set<string>>>();
  const add = (user: string, day: number, product: string) => {
    const code = cat.resolve(product);
    assert.ok(code, `product "${product}" resolves through the catalogue`);
    const m = usage.get(user) ?? new Map<number, Set<string>>();
    const s = m.get(day) ?? new Set<string>();
    s.add(code);
    m.set(day, s);
    usage.set(user, m);
  };
  for (const s of sessions) add(userOf(s.user_email!), dayNum(s.session_start!), s.product_name!);
  for (const r of readTable(join(d, 'autodesk-usage-daily.csv'))) add(userOf(r.email === '*****' ? r.hashed_autodesk_id! : r.email!), dayNum(r.day_used!), r.product_name!);
  const roster = readTable(join(d, 'users-roster.csv'));
  const asOf = dayNum(settings.as_of!);
  return { files, asOf, settings, sessions, userOf, usage, roster };
}

let measured: Measured;
const getMeasured = async () => (measured ??= await measure(dir));

// --- the tests -------------------------------------------------------------------------------------------------

test('writes every input kind, and returns the files and the distinct session count', async () => {
  const m = await getMeasured();
  assert.deepEqual(result.files.map((f) => basename(f)).sort(), m.files);
  for (const f of ['engagement.json', 'autodesk-usage-report.csv', 'autodesk-usage-daily.csv', 'users-roster.csv', 'subscriptions.xlsx', 'tokenflex-usage.csv', 'identity-map.csv']) {
    assert.ok(m.files.includes(f), f);
  }
  assert.equal(m.files.filter((f) => f.startsWith('lrt-sessions')).length, 2);
  assert.equal(m.files.filter((f) => f.endsWith('.log')).length, 1);
  assert.equal(result.sessions, m.sessions.length);
  assert.ok(result.sessions > 20_000, `${result.sessions} sessions`);

  assert.equal(m.settings.client, 'Contoso Engineering');
  const lastDay = Math.max(...m.sessions.map((s) => dayNum(s.session_start!)));
  assert.equal(m.asOf, lastDay, 'as_of is the last day of the data');
  assert.equal(m.settings.as_of, SAMPLE_DEFAULTS.endDate);
  assert.ok(m.settings.corporate_email_domains.includes('contoso.com'));
  assert.ok(m.settings.corporate_ip_ranges.length > 0 && m.settings.corporate_network_domains.length > 0);

  const head = (f: string) => readFileSync(join(dir, f), 'utf8').split('\n', 1)[0]!;
  // Six telemetry categories: product, device, user, session, licence claim, network.
  const sh = head(m.files.find((f) => f.startsWith('lrt-sessions'))!).split(',');
  for (const c of ['product_name', 'product_version', 'device_name', 'machine_guid', 'operating_system', 'user_email', 'session_start', 'session_end', 'duration_minutes', 'features_used', 'licence_type', 'ip_address', 'network_domain']) {
    assert.ok(sh.includes(c), `sessions column ${c}`);
  }
  assert.match(head('autodesk-usage-report.csv'), /^Hashed Autodesk Id,First Name,Last Name,Email,.*Offering Name,.*Last Accessed$/);
  assert.match(head('autodesk-usage-daily.csv'), /^day_used,product_name,version,access_option,email,hashed_autodesk_id/);
  for (const c of ['email', 'offering_name', 'assigned_date', 'unassigned_date', 'user_type', 'cost_centre']) assert.ok(head('users-roster.csv').split(',').includes(c), c);
  assert.equal(head('tokenflex-usage.csv'), '"contractYear","tokenPool","usageCategory","usageDate","productLineCode","productName","tokensConsumed",');
  assert.equal(head('identity-map.csv'), 'alias,user');
  for (const row of readFileSync(join(dir, 'tokenflex-usage.csv'), 'utf8').trim().split('\n').slice(1)) {
    assert.match(row, /^\d+,"CY","DESKTOP_PRODUCT",\d{4}-\d{2}-\d{2} 00:00:00,"[A-Z0-9_]+","[^"]+",\d+\.\d,$/);
  }
});

test('the two session exports overlap by a few days and repeat the overlapping rows identically', async () => {
  const m = await getMeasured();
  const [a, b] = m.files.filter((f) => f.startsWith('lrt-sessions')).map((f) => readTable(join(dir, f)));
  const lastA = Math.max(...a!.map((s) => dayNum(s.session_start!)));
  const firstB = Math.min(...b!.map((s) => dayNum(s.session_start!)));
  assert.ok(lastA >= firstB && lastA - firstB <= 7, `overlap ${firstB}..${lastA}`);
  const inB = new Map(b!.map((s) => [s.session_id!, JSON.stringify(s)]));
  const shared = a!.filter((s) => inB.has(s.session_id!));
  assert.ok(shared.length > 100);
  for (const s of shared) assert.equal(JSON.stringify(s), inB.get(s.session_id!));
});

test('sessions look like working days: 09:00–18:00 starts, 20–240 minute durations, weekdays', async () => {
  const m = await getMeasured();
  let weekend = 0;
  for (const s of m.sessions) {
    const start = minutes(s.session_start!);
    const end = minutes(s.session_end!);
    assert.equal(end - start, Number(s.duration_minutes), 'end = start + duration');
    const minOfDay = start % 1440;
    assert.ok(minOfDay >= 9 * 60 && minOfDay <= 18 * 60 + 60, `start ${s.session_start}`);
    assert.ok(Number(s.duration_minutes) >= 20 && Number(s.duration_minutes) <= 240);
    const wd = new Date(start * 60_000).getUTCDay();
    if (wd === 0 || wd === 6) weekend++;
  }
  assert.equal(weekend, 0);
  const perUserDay = new Map<string, number>();
  for (const s of m.sessions.filter((x) => x.licence_type === 'Named User')) {
    const k = `${s.user_email}|${s.session_start!.slice(0, 10)}|${s.device_name}`;
    perUserDay.set(k, (perUserDay.get(k) ?? 0) + 1);
  }
  assert.ok(Math.max(...perUserDay.values()) <= 4);
});

test('prevalences among assigned Named Users match the seed article (recomputed from the files)', async () => {
  const m = await getMeasured();
  const D = m.asOf;
  const truth = sampleGroundTruth({});
  const active = m.roster.filter((r) => r.offering_name && dayNum(r.assigned_date!) <= D && (!r.unassigned_date || dayNum(r.unassigned_date) > D));
  const byUser = new Map<string, Array<Record<string, string>>>();
  for (const r of active) byUser.set(r.email!.toLowerCase(), [...(byUser.get(r.email!.toLowerCase()) ?? []), r]);
  const assigned = byUser.size;
  assert.equal(assigned, truth.assignedAtEnd);

  const usedIn = (user: string, from: number, to: number) => [...(m.usage.get(user)?.keys() ?? [])].filter((d) => d > from && d <= to);
  const dormant = new Set<string>();
  let never = 0;
  for (const [u, rows] of byUser) {
    const earliest = Math.min(...rows.map((r) => dayNum(r.assigned_date!)));
    if (earliest <= D - 90 && usedIn(u, D - 90, D).length === 0) {
      dormant.add(u);
      if (!m.usage.has(u)) never++;
    }
  }
  const pct = (x: number) => (100 * x) / assigned;
  assert.ok(pct(dormant.size) >= 15 && pct(dormant.size) <= 22, `dormant ${pct(dormant.size).toFixed(1)}%`);
  assert.ok(never > 0 && never < dormant.size, `never used ${never} of ${dormant.size}`);
  assert.equal(dormant.size, truth.dormant, 'the files show the dormancy the generator intended');

  let low = 0;
  for (const [u, rows] of byUser) {
    if (dormant.has(u)) continue;
    const first = Math.min(...rows.map((r) => dayNum(r.assigned_date!)));
    const observed = Math.min(12, completeMonths(Math.max(D - 365, first), D));
    if (observed < 3) continue;
    if (usedIn(u, D - 365, D).length / observed < 4) low++;
  }
  assert.ok(pct(low) >= 12 && pct(low) <= 18, `low-frequency ${pct(low).toFixed(1)}%`);
  assert.equal(low, truth.lowFrequency);

  let colUsers = 0;
  let single = 0;
  for (const [u, rows] of byUser) {
    if (dormant.has(u)) continue;
    const col = rows.map((r) => cat.get(cat.resolve(r.offering_name!) ?? '')).find((e) => e?.kind === 'collection');
    if (!col) continue;
    colUsers++;
    const members = new Set(col.members);
    const used = new Set<string>();
    for (const [day, products] of m.usage.get(u) ?? []) if (day > D - 365 && day <= D) for (const p of products) if (members.has(p)) used.add(p);
    if (used.size === 1) single++;
  }
  const singlePct = (100 * single) / colUsers;
  assert.ok(singlePct >= 25 && singlePct <= 35, `single-product collection users ${singlePct.toFixed(1)}%`);
});

test('the estate carries every compliance pattern the rules look for', async () => {
  const m = await getMeasured();
  const corporate = new Set(m.settings.corporate_email_domains);
  const rosterUsers = new Set(m.roster.map((r) => r.email!.toLowerCase()));

  // Contractors: non-corporate e-mail, no assignment, off-network.
  const contractors = new Map<string, Array<Record<string, string>>>();
  for (const s of m.sessions) {
    const u = m.userOf(s.user_email!);
    if (!corporate.has(u.split('@')[1]!) && !rosterUsers.has(u)) contractors.set(u, [...(contractors.get(u) ?? []), s]);
  }
  assert.ok(contractors.size >= 5, `${contractors.size} contractors`);
  for (const rows of contractors.values()) for (const s of rows) assert.ok(!inRanges(s.ip_address!) && !m.settings.corporate_network_domains.includes(s.network_domain!));

  // Subscriptions: collections, a network line, and products used that no line covers.
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(join(dir, 'subscriptions.xlsx'));
  const ws = wb.worksheets[0]!;
  const header = (ws.getRow(1).values as unknown[]).slice(1).map(String);
  const subs: Array<Record<string, unknown>> = [];
  ws.eachRow((row, n) => {
    if (n > 1) subs.push(Object.fromEntries(header.map((h, i) => [h, (row.values as unknown[])[i + 1]])));
  });
  const offerings = subs.map((s) => cat.resolve(String(s['Offering Name'])));
  assert.ok(offerings.every((o) => o !== null), `every subscription offering resolves: ${subs.map((s) => s['Offering Name']).join(', ')}`);
  for (const c of ['AECCOL', 'PDCOLL', 'MECOLL']) assert.ok(offerings.includes(c), c);
  const network = subs.filter((s) => s['Licence Model'] === 'network');
  assert.equal(network.length, 1);
  const seats = Number(network[0]!['Seat Quantity']);
  const covered = new Set(offerings.flatMap((o) => (o ? cat.covers(o) : [])));
  const outOfScope = new Set(m.sessions.map((s) => cat.resolve(s.product_name!)!).filter((p) => !covered.has(p)));
  assert.ok(outOfScope.size >= 1, 'some product is used without any subscription');

  // Every product the sample uses has a price in the shipped price book.
  for (const p of new Set(m.sessions.map((s) => cat.resolve(s.product_name!)!))) assert.ok(cat.get(p)!.annual !== null, `${p} is priced`);

  // Duplicate access: AutoCAD beside AutoCAD LT, and AutoCAD beside the AEC collection.
  const offeringsOf = new Map<string, Set<string>>();
  for (const r of m.roster) if (!r.unassigned_date) offeringsOf.set(r.email!.toLowerCase(), (offeringsOf.get(r.email!.toLowerCase()) ?? new Set()).add(cat.resolve(r.offering_name!)!));
  const has = (xs: Set<string>, ...cs: string[]) => cs.every((c) => xs.has(c));
  assert.ok([...offeringsOf.values()].some((x) => has(x, 'ACD', 'ACDLT')));
  assert.ok([...offeringsOf.values()].some((x) => has(x, 'ACD', 'AECCOL')));

  // Serial claims and Flex claims appear.
  assert.ok(m.sessions.some((s) => s.licence_type === 'Serial'));
  assert.ok(m.sessions.some((s) => s.licence_type === 'Flex' && Number(s.tokens_used) > 0));

  // Shared accounts: one user and product on two devices, overlapping >= 15 minutes, on >= 3 days.
  const byUserProduct = new Map<string, Array<{ dev: string; a: number; b: number; day: string }>>();
  for (const s of m.sessions) {
    const k = `${m.userOf(s.user_email!)}|${s.product_name}`;
    byUserProduct.set(k, [...(byUserProduct.get(k) ?? []), { dev: s.device_name!, a: minutes(s.session_start!), b: minutes(s.session_end!), day: s.session_start!.slice(0, 10) }]);
  }
  let sharedUsers = 0;
  for (const xs of byUserProduct.values()) {
    const days = new Set<string>();
    for (let i = 0; i < xs.length; i++) {
      for (let j = i + 1; j < xs.length && xs[j]!.day === xs[i]!.day; j++) {
        if (xs[i]!.dev !== xs[j]!.dev && Math.min(xs[i]!.b, xs[j]!.b) - Math.max(xs[i]!.a, xs[j]!.a) >= 15) days.add(xs[i]!.day);
      }
    }
    if (days.size >= 3) sharedUsers++;
  }
  assert.ok(sharedUsers >= 2, `${sharedUsers} shared accounts`);

  // Telemetry gap: exactly one site falls silent for >= 14 days between its first and last usage day.
  const siteDays = new Map<string, Set<number>>();
  for (const s of m.sessions) if (s.network_domain) siteDays.set(s.network_domain, (siteDays.get(s.network_domain) ?? new Set()).add(dayNum(s.session_start!)));
  const longest = [...siteDays].map(([site, days]) => {
    const xs = [...days].sort((a, b) => a - b);
    let gap = 0;
    for (let i = 1; i < xs.length; i++) gap = Math.max(gap, xs[i]! - xs[i - 1]! - 1);
    return { site, gap };
  });
  assert.deepEqual(longest.filter((x) => x.gap >= 14).map((x) => x.site), [sampleGroundTruth({}).telemetryGap.domain]);

  // Network over-use: >= 3 consecutive months whose peak simultaneous check-outs exceed the network seats.
  const peaks = flexnetPeaks(readFileSync(join(dir, m.files.find((f) => f.endsWith('.log'))!), 'utf8'));
  const months = Object.keys(peaks).sort();
  let run = 0;
  let best = 0;
  for (const k of months) {
    run = peaks[k]! > seats ? run + 1 : 0;
    best = Math.max(best, run);
  }
  assert.ok(best >= 3, `over-use in ${best} consecutive months (peaks ${JSON.stringify(peaks)}, seats ${seats})`);
  assert.ok(Object.values(peaks).some((p) => p <= seats), 'not every month is over the seats');
});

test('some active users hold a second, unused seat that is neither a duplicate nor a dormant account (recomputed from the files)', async () => {
  const m = await getMeasured();
  const D = m.asOf;
  const truth = sampleGroundTruth({});
  const byUser = new Map<string, Array<{ offering: string; assigned: number }>>();
  for (const r of m.roster) {
    if (!r.offering_name || dayNum(r.assigned_date!) > D || (r.unassigned_date && dayNum(r.unassigned_date) <= D)) continue;
    const code = cat.resolve(r.offering_name);
    assert.ok(code, `roster offering "${r.offering_name}" resolves`);
    const u = r.email!.toLowerCase();
    byUser.set(u, [...(byUser.get(u) ?? []), { offering: code, assigned: dayNum(r.assigned_date!) }]);
  }
  const recent = (u: string) => [...(m.usage.get(u) ?? [])].filter(([d]) => d > D - 90 && d <= D);
  const unused: Array<{ user: string; offering: string; beside: string[] }> = [];
  for (const [u, rows] of byUser) {
    const days = recent(u);
    if (days.length === 0) continue; // dormant: reclaimed as a whole account, not per seat
    for (const a of rows) {
      if (a.assigned > D - 90) continue;
      const covered = new Set(cat.covers(a.offering));
      if (!days.some(([, ps]) => [...ps].some((p) => covered.has(p)))) unused.push({ user: u, offering: a.offering, beside: rows.filter((x) => x !== a).map((x) => x.offering) });
    }
  }
  assert.ok(unused.length >= 3 && unused.length <= 10, `${unused.length} unused assignments (a handful)`);
  assert.equal(unused.length, truth.unusedAssignments, 'the files show the unused seats the generator intended');
  for (const x of unused) {
    // Not duplicate access: no cover relation, and not two standalone products of one function group.
    for (const o of x.beside) {
      const [e1, e2] = [cat.get(x.offering)!, cat.get(o)!];
      assert.ok(!cat.covers(o).includes(x.offering) && !cat.covers(x.offering).includes(o), `${x.user}: ${x.offering} beside ${o} is not covered`);
      assert.ok(!(e1.kind === 'product' && e2.kind === 'product' && e1.function_group === e2.function_group), `${x.user}: ${x.offering} and ${o} differ in function group`);
    }
    assert.ok(x.beside.length >= 1, `${x.user} uses another seat`);
    // Not a low-frequency user either: at least four usage days a month over the last year.
    const yearDays = [...(m.usage.get(x.user)?.keys() ?? [])].filter((d) => d > D - 365 && d <= D).length;
    assert.ok(yearDays / 12 >= 4, `${x.user}: ${yearDays} usage days in the year`);
  }
});

test('one product shows a usage spike: a month with >= 1.5x and >= 10 more users than the three before (recomputed from the files)', async () => {
  const m = await getMeasured();
  const truth = sampleGroundTruth({}).usageSpike;
  assert.ok(truth, 'the default sample plans a spike');
  const month = (d: number) => new Date(d * MS).toISOString().slice(0, 7);
  const users = new Map<string, Set<string>>();
  for (const [u, byDay] of m.usage) for (const [d, ps] of byDay) for (const p of ps) users.set(`${p}|${month(d)}`, (users.get(`${p}|${month(d)}`) ?? new Set()).add(u));
  const allDays = [...m.usage.values()].flatMap((x) => [...x.keys()]);
  const first = Math.min(...allDays);
  const months: string[] = [];
  for (let d = first; d <= m.asOf; d++) if (!months.includes(month(d))) months.push(month(d));
  // Complete months only: the last counts when as_of is its last day.
  if (month(m.asOf + 1) === month(m.asOf)) months.pop();
  const products = new Set([...users.keys()].map((k) => k.split('|')[0]!));
  const spikes: string[] = [];
  for (const p of products) {
    for (let i = 3; i < months.length; i++) {
      const n = (k: string) => users.get(`${p}|${k}`)?.size ?? 0;
      const mean = (n(months[i - 1]!) + n(months[i - 2]!) + n(months[i - 3]!)) / 3;
      if (n(months[i]!) >= 1.5 * mean && n(months[i]!) >= mean + 10) spikes.push(`${p}|${months[i]}`);
    }
  }
  assert.deepEqual(spikes, [`${truth.product}|${truth.month}`], 'exactly the planned ramp-up is a spike');
  assert.ok(truth.extraUsers >= 15, `${truth.extraUsers} users join the ramp-up`);
  // The ramp-up users hold the collection that covers the product, so the spike is not also a compliance gap.
  const covering = new Set(m.roster.filter((r) => !r.unassigned_date && cat.covers(cat.resolve(r.offering_name!)!).includes(truth.product)).map((r) => r.email!.toLowerCase()));
  for (const u of users.get(`${truth.product}|${truth.month}`)!) assert.ok(covering.has(u), `${u} holds a seat covering ${truth.product}`);
});

/** Peak simultaneous package check-outs per month, reading dates from TIMESTAMP lines and the banner. */
function flexnetPeaks(text: string): Record<string, number> {
  let date = '';
  const open = new Set<string>();
  const peaks: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const ts = /\((?:lmgrd|adskflex)\) TIMESTAMP (\d+)\/(\d+)\/(\d{4})/.exec(line);
    if (ts) date = `${ts[3]}-${ts[1]!.padStart(2, '0')}`;
    const start = /started on \S+ \(IBM PC\) \((\d+)\/(\d+)\/(\d{4})\)/.exec(line);
    if (start) date = `${start[3]}-${start[1]!.padStart(2, '0')}`;
    const ev = /\(adskflex\) (OUT|IN): "(\d{5}[A-Z0-9_]+)" (\S+)/.exec(line);
    if (!ev || !ev[2]!.endsWith('ACD_F')) continue;
    if (ev[1] === 'OUT') open.add(ev[3]!);
    else open.delete(ev[3]!);
    peaks[date] = Math.max(peaks[date] ?? 0, open.size);
  }
  return peaks;
}

test('the FlexNet log has the line format of the real fixture logs', async () => {
  const m = await getMeasured();
  const text = readFileSync(join(dir, m.files.find((f) => f.endsWith('.log'))!), 'utf8');
  const LINE = /^[ \d]\d:\d\d:\d\d \((lmgrd|adskflex)\) /;
  for (const fixture of ['adskflex-2016-sample.log', 'adskflex-2018-denials.log']) {
    const lines = readFileSync(join(process.cwd(), '..', 'shared', 'fixtures', 'flexnet', fixture), 'utf8').split(/\r?\n/).filter(Boolean);
    assert.ok(lines.every((l) => LINE.test(l)), `the format check holds for ${fixture}`);
  }
  const lines = text.split('\n').filter(Boolean);
  for (const l of lines) assert.match(l, LINE);
  assert.ok(lines.some((l) => /\(lmgrd\) FlexNet Licensing \(v[\d.]+ build \d+ x64_n6\) started on \S+ \(IBM PC\) \(\d+\/\d+\/\d{4}\)$/.test(l)));
  assert.ok(lines.some((l) => /\(lmgrd\) TIMESTAMP \d{1,2}\/\d{1,2}\/\d{4}$/.test(l)));
  const outs = lines.filter((l) => / \(adskflex\) OUT: "\d{5}[A-Z0-9_]+" \S+@\S+ {2}$/.test(l));
  const ins = lines.filter((l) => / \(adskflex\) IN: "\d{5}[A-Z0-9_]+" \S+@\S+ {2}(\(INACTIVE\))?$/.test(l));
  const denied = lines.filter((l) => / \(adskflex\) DENIED: "\d{5}[A-Z0-9_]+" \S+@\S+ {2}\(Licensed number of users already reached\. \(-4,342\)\)$/.test(l));
  assert.ok(outs.length > 1000);
  assert.equal(outs.length, ins.length, 'every check-out is checked in');
  assert.ok(denied.length >= 2 && denied.length < outs.length / 20, `${denied.length} denials`);
  // One package and one version feature per session, both resolving to AutoCAD.
  const features = new Set(outs.map((l) => /"([^"]+)"/.exec(l)![1]!));
  assert.ok(features.has('64300ACD_F'));
  for (const f of features) assert.equal(cat.resolve(f), 'ACD', f);
  // Times never go backwards within a day (the parser carries the date forward from TIMESTAMP lines).
  const secs = lines.map((l) => {
    const [h, mm, s] = l.trim().split(' ')[0]!.split(':').map(Number);
    return h! * 3600 + mm! * 60 + s!;
  });
  let wraps = 0;
  for (let i = 1; i < secs.length; i++) if (secs[i]! < secs[i - 1]!) wraps++;
  const days = lines.filter((l) => /\(lmgrd\) TIMESTAMP/.test(l)).map((l) => l.split('TIMESTAMP ')[1]);
  assert.ok(wraps <= new Set(days).size, 'time only wraps at midnight');
  // The FlexNet logins map to roster-independent users through identity_map.
  const logins = new Set(outs.map((l) => /" (\S+)@/.exec(l)![1]!.toLowerCase()));
  for (const login of logins) assert.notEqual(m.userOf(login), login, `identity_map maps ${login}`);
});

test('same seed gives byte-identical files; another seed gives different data', async () => {
  const again = join(root, 'again');
  const other = join(root, 'other');
  const r2 = await generateSample(again, {});
  const r3 = await generateSample(other, { seed: 2 });
  assert.equal(r2.sessions, result.sessions);
  for (const f of result.files) {
    const a = await readFile(f);
    const b = await readFile(join(again, basename(f)));
    assert.ok(a.equals(b), `${basename(f)} is byte-identical`);
  }
  const s1 = (await readdir(dir)).find((f) => f.startsWith('lrt-sessions'))!;
  assert.ok(!(await readFile(join(dir, s1))).equals(await readFile(join(other, s1))));
  assert.notEqual(r3.sessions, result.sessions);
});

test('sample command: writes the sample, prints what it wrote; refuses bad arguments', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
  const target = join(root, 'cli');
  assert.equal(await runSampleCommand(['sample', '--out', target, '--users', '60', '--months', '6', '--seed', '5'], io), 0);
  const written = await readdir(target);
  assert.ok(written.includes('engagement.json') && written.includes('subscriptions.xlsx'));
  for (const f of written) assert.ok(out.some((l) => l.includes(f)), `printed ${f}`);
  const settings = SettingsSchema.parse(JSON.parse(await readFile(join(target, 'engagement.json'), 'utf8')));
  assert.equal(settings.as_of, '2026-09-30');
  const firstSession = readTable(join(target, written.find((f) => f.startsWith('lrt-sessions'))!))[0]!;
  assert.ok(dayNum(firstSession.session_start!) >= dayNum('2026-04-01'), '6 months of data');

  assert.equal(await runSampleCommand(['sample', '--users', '60'], io), 2);
  assert.match(err.at(-1)!, /--out is required/);
  assert.equal(await runSampleCommand(['sample', '--out', target, '--users', 'many'], io), 2);
  assert.match(err.at(-1)!, /--users must be a whole number/);
  assert.equal(await runSampleCommand(['sample', '--out', target, '--users', '5'], io), 1);
  assert.match(err.at(-1)!, /--users must be an integer >= 20/);
  assert.equal(await runSampleCommand(['sample', '--out', target, '--colour', 'red'], io), 2);
});
