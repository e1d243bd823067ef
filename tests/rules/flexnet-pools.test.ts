// The real 2018 FlexNet log (Autodesk's licence server serving an AEC Collection package and a standalone AutoCAD
// package): network over-use of the Collection counts the Collection package's seats only, as FlexNet does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useTestEngine } from '../unit/engine-harness';
import type { Finding } from '../../analysis/model';

const LOG = fileURLToPath(new URL('../../../shared/fixtures/flexnet/adskflex-2018-denials.log', import.meta.url));
const engine = useTestEngine('lrtw-flexnet-pools-');
const call = (method: string, input: unknown) => engine.call(method, input);

test("the 2018 log's standalone AutoCAD package is no AEC Collection seat: the Collection's over-use is its own package's", async () => {
  await call('engagement.create', { path: join(engine.root, 'e', 'e.lrtw'), client: 'Fabrikam', as_of: '2018-08-31' });
  const dir = join(engine.root, 'in');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'subscriptions.csv'), 'Offering Name,Seat Quantity,Start Date,End Date,Access\nAEC Collection,2,2018-01-01,2018-12-31,Multi-user\n');
  await call('import.run', { jobId: 'i', files: [{ path: LOG }, { path: join(dir, 'subscriptions.csv') }] });
  await call('settings.update', { settings: { thresholds: { ...((await call('settings.get', {})) as { thresholds: Record<string, number> }).thresholds, sustained_months: 1 } } });
  await call('review.run', { jobId: 'r' });
  const net = ((await call('findings.list', { types: ['network_over_use'] })) as Finding[]);
  // By hand from the log: at most 3 Collection seats at once (JohnDoe, Giovanni on LAPTOP01, TonyMontana), first on
  // 30 July; the two AutoCAD sessions on 64300ACD_F (Wittenburg, SlabaughT) hold seats of AutoCAD's own package.
  assert.deepEqual(net.map((f) => `${f.product} ${f.offering} ${f.units} ${f.first_seen}`), ['AECCOL AECCOL 1 2018-07-30']);
  const evidence = (await call('findings.evidence', { finding_id: net[0]!.finding_id })) as { rows: Array<{ values: Record<string, unknown> }> };
  const users = new Set(evidence.rows.map((r) => r.values.user_raw).filter(Boolean));
  assert.ok(!users.has('Wittenburg') && !users.has('SlabaughT'), [...users].join(', '));
});

/**
 * A licence server's log: its banner (naming its clock's zone when given), then AutoCAD check-outs on the given days,
 * 09:00-12:00 on the server's clock, one per user.
 */
function serverLog(server: string, days: string[], opts: { zone?: string; users?: string[]; idle?: string[] } = {}): string {
  const us = (d: string) => { const [y, m, dd] = d.split('-'); return `${Number(m)}/${Number(dd)}/${y}`; };
  const lines = opts.zone ? [`15:49:07 (lmgrd) Server's System Date and Time: Thu Oct 01 2025 15:49:07 ${opts.zone}`] : [];
  lines.push(`15:49:10 (lmgrd) FlexNet Licensing (v11.16.2.0 build 242433 x64_n6) started on ${server} (IBM PC) (${us(days[0]!)})`);
  // Days the server is up but nobody checks out: its TIMESTAMP lines go on.
  for (const d of [...days, ...(opts.idle ?? [])].sort()) {
    lines.push(` 0:00:00 (lmgrd) TIMESTAMP ${us(d)}`);
    if (!days.includes(d)) continue;
    for (const u of opts.users ?? ['ann']) lines.push(` 9:00:00 (adskflex) OUT: "64300ACD_F" ${u}@PC-${u}  `, ` 9:00:00 (adskflex) OUT: "87545ACD_2023_0F" ${u}@PC-${u}  `);
    for (const u of opts.users ?? ['ann']) lines.push(`12:00:00 (adskflex) IN: "87545ACD_2023_0F" ${u}@PC-${u}  `, `12:00:00 (adskflex) IN: "64300ACD_F" ${u}@PC-${u}  `);
  }
  return lines.join('\n') + '\n';
}

function weekdays(from: string, to: string, skip: (d: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const d = new Date(t);
    const iso = d.toISOString().slice(0, 10);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6 && !skip(iso)) out.push(iso);
  }
  return out;
}

test("a licence server's weeks without a line are a telemetry gap, though another server logs use on those days", async () => {
  await call('engagement.create', { path: join(engine.root, 't', 't.lrtw'), client: 'Fabrikam', as_of: '2026-03-31' });
  const dir = join(engine.root, 'logs');
  mkdirSync(dir, { recursive: true });
  // LIC01 is down from 10 January to 1 February; LIC02 logs every weekday.
  writeFileSync(join(dir, 'lic01.log'), serverLog('LIC01', weekdays('2025-10-01', '2026-03-31', (d) => d >= '2026-01-10' && d <= '2026-02-01')));
  writeFileSync(join(dir, 'lic02.log'), serverLog('LIC02', weekdays('2025-10-01', '2026-03-31')));
  await call('import.run', { jobId: 'i', files: [{ path: dir }] });
  await call('review.run', { jobId: 'r' });
  const gaps = (await call('findings.list', { types: ['telemetry_gap'] })) as Finding[];
  assert.deepEqual(gaps.map((f) => `${f.units} ${f.first_seen} ${f.last_seen}`), ['23 2026-01-10 2026-02-01']);
  assert.match(gaps[0]!.detail ?? '', /^licence server LIC01: no usage at all for 23 consecutive days \(2026-01-10 to 2026-02-01\)/);
  const evidence = (await call('findings.evidence', { finding_id: gaps[0]!.finding_id })) as { rows: Array<{ file: string | null; note: string | null }> };
  assert.deepEqual([...new Set(evidence.rows.map((r) => `${r.file} ${r.note}`))].sort(), ['lic01.log first usage after the gap', 'lic01.log last usage before the gap']);
  // With that server the estate's only telemetry, the hole is the server's, said once (not again as the estate's).
  await call('engagement.create', { path: join(engine.root, 't1', 't1.lrtw'), client: 'Fabrikam', as_of: '2026-03-31' });
  await call('import.run', { jobId: 'i1', files: [{ path: join(dir, 'lic01.log') }] });
  await call('review.run', { jobId: 'r1' });
  const once = (await call('findings.list', { types: ['telemetry_gap'] })) as Finding[];
  assert.deepEqual(once.map((f) => (f.detail ?? '').split(':')[0]), ['licence server LIC01']);
});

test('a network pool above its seats for fewer months than a gap needs is kept, and its reason says it went over', async () => {
  await call('engagement.create', { path: join(engine.root, 'o', 'o.lrtw'), client: 'Fabrikam', as_of: '2026-03-31' });
  const dir = join(engine.root, 'over');
  mkdirSync(dir, { recursive: true });
  // Six at once in March only, on four seats: no over-use gap (three months running are needed), but not "at capacity".
  writeFileSync(join(dir, 'lic.log'), serverLog('LIC01', weekdays('2025-10-01', '2026-02-27'), { users: ['u1', 'u2', 'u3'] }) + serverLog('LIC01', weekdays('2026-03-02', '2026-03-31'), { users: ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'] }).split('\n').slice(1).join('\n'));
  writeFileSync(join(dir, 'subscriptions.csv'), 'Offering Name,Seat Quantity,Start Date,End Date,Access\nAutoCAD,4,2025-01-01,2026-12-31,Multi-user\n');
  await call('import.run', { jobId: 'i', files: [{ path: dir }] });
  await call('review.run', { jobId: 'r' });
  assert.deepEqual((await call('findings.list', { types: ['network_over_use'] })) as Finding[], []);
  const brief = (await call('renewal.get', {})) as Array<{ line: string; recommendation: string; reason: string }>;
  const acd = brief.find((b) => b.line === 'ACD')!;
  assert.equal(acd.recommendation, 'keep');
  assert.match(acd.reason, /^over the seats at its peak, with no gap to buy for: peak 6 network seats in use at once over the last six complete months on 4 seats, in fewer than the 3 months running a network over-use gap needs/);
});

test("two servers in two time zones are one clock: New York's morning is London's afternoon, not more seats at once", async () => {
  await call('engagement.create', { path: join(engine.root, 'z', 'z.lrtw'), client: 'Fabrikam', as_of: '2026-03-31' });
  await call('settings.update', { settings: { timezone: 'Europe/London' } });
  const dir = join(engine.root, 'zones');
  mkdirSync(dir, { recursive: true });
  const days = weekdays('2025-12-01', '2026-03-31');
  writeFileSync(join(dir, 'lon.log'), serverLog('LIC-LON', days, { zone: 'GMT Standard Time', users: ['a1', 'a2', 'a3'] }));
  writeFileSync(join(dir, 'nyc.log'), serverLog('LIC-NYC', days, { zone: 'Eastern Standard Time', users: ['b1', 'b2'] }));
  writeFileSync(join(dir, 'subscriptions.csv'), 'Offering Name,Seat Quantity,Start Date,End Date,Access\nAutoCAD,4,2025-01-01,2026-12-31,Multi-user\n');
  await call('import.run', { jobId: 'i', files: [{ path: dir }] });
  await call('review.run', { jobId: 'r' });
  // London's three seats 09:00-12:00 and New York's two 14:00-17:00 London time: 3 at once on 4 seats, no over-use.
  assert.deepEqual((await call('findings.list', { types: ['network_over_use'] })) as Finding[], []);
  const sources = (await call('sources.list', {})) as Array<{ file: string; notes: string[] }>;
  assert.ok(
    sources.find((x) => x.file === 'nyc.log')!.notes.includes("clock: the server's times (Eastern Standard Time, America/New_York) were moved into the engagement's time zone (Europe/London)"),
    JSON.stringify(sources.map((x) => x.notes)),
  );
  assert.ok(!sources.find((x) => x.file === 'lon.log')!.notes.some((n) => n.startsWith('clock:')), 'a log already on the engagement\'s clock needs no word');
  // The auditor's report says it too, under the file.
  const pack = (await call('export.evidencePack', { jobId: 'p', dir: join(engine.root, 'zones-out') })) as { path: string };
  const report = readFileSync(join(pack.path, 'data', 'report.html'), 'utf8');
  const decoded = report.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));
  assert.ok(decoded.includes(`<td>nyc.log<div class="note">clock: the server's times (Eastern Standard Time, America/New_York) were moved into the engagement's time zone (Europe/London)</div></td>`), decoded.slice(decoded.indexOf('nyc.log') - 20, decoded.indexOf('nyc.log') + 300));
});

test('a licence server serving licences no subscription line lists as network is said, with what it served', async () => {
  await call('engagement.create', { path: join(engine.root, 'n', 'n.lrtw'), client: 'Fabrikam', as_of: '2026-03-31' });
  const dir = join(engine.root, 'traded');
  mkdirSync(dir, { recursive: true });
  // A server left running after the move to Named User: six AutoCAD seats at once, and the contract holds Named User only.
  writeFileSync(join(dir, 'lic.log'), serverLog('LIC01', weekdays('2026-01-05', '2026-03-31'), { users: ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'] }));
  writeFileSync(join(dir, 'subscriptions.csv'), 'Offering Name,Seat Quantity,Start Date,End Date,Access\nAutoCAD,4,2025-01-01,2026-12-31,Single-user\n');
  await call('import.run', { jobId: 'i', files: [{ path: dir }] });
  const s = (await call('review.run', { jobId: 'r' })) as { warnings: string[]; warning_codes: string[] };
  assert.match(
    s.warnings[s.warning_codes.indexOf('network_without_network_line')] ?? s.warning_codes.join(', '),
    /^A licence server served network licences that no subscription line lists as network: AutoCAD \(\d+ check-outs\)\. Their use is not weighed against any network seats/,
  );
  // With the network line in the contract, the server's use is weighed against it, and nothing is said.
  writeFileSync(join(dir, 'subscriptions-network.csv'), 'Offering Name,Seat Quantity,Start Date,End Date,Access\nAutoCAD,6,2025-01-01,2026-12-31,Multi-user\n');
  await call('import.run', { jobId: 'i2', files: [{ path: join(dir, 'subscriptions-network.csv') }] });
  const again = (await call('review.run', { jobId: 'r2' })) as { warning_codes: string[] };
  assert.ok(!again.warning_codes.includes('network_without_network_line'), again.warning_codes.join(', '));
});

test("a licence server up but idle (its TIMESTAMP lines go on, nobody checks out) is no telemetry gap", async () => {
  await call('engagement.create', { path: join(engine.root, 'idle', 'idle.lrtw'), client: 'Fabrikam', as_of: '2026-03-31' });
  const dir = join(engine.root, 'idle-logs');
  mkdirSync(dir, { recursive: true });
  const shutdown = (d: string) => d >= '2025-12-20' && d <= '2026-01-05';
  writeFileSync(join(dir, 'lic01.log'), serverLog('LIC01', weekdays('2025-10-01', '2026-03-31', shutdown), { idle: weekdays('2025-12-20', '2026-01-05') }));
  await call('import.run', { jobId: 'i', files: [{ path: dir }] });
  await call('review.run', { jobId: 'r' });
  // (The estate as a whole still shows the stretch without usage, as RULES.md defines its telemetry gap; the server does not.)
  const idle = ((await call('findings.list', { types: ['telemetry_gap'] })) as Finding[]).map((f) => (f.detail ?? '').split(':')[0]);
  assert.deepEqual(idle, ['site estate']);
  // Without those lines (the server down, or its log for those days missing), the same stretch is a gap.
  writeFileSync(join(dir, 'lic02.log'), serverLog('LIC02', weekdays('2025-10-01', '2026-03-31', shutdown)));
  await call('import.run', { jobId: 'i2', files: [{ path: join(dir, 'lic02.log') }] });
  await call('review.run', { jobId: 'r2' });
  const gaps = (await call('findings.list', { types: ['telemetry_gap'] })) as Finding[];
  assert.deepEqual(gaps.map((f) => (f.detail ?? '').split(':')[0]), ['licence server LIC02']);
  assert.match(gaps[0]!.detail ?? '', /and no line in its log: the server was down or its log for those days is missing/);
});
