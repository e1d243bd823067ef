// What the analyst saves in one step stays as saved everywhere: saving the settlement assumptions leaves
// every other setting alone, and the renewal targets they set reach the workbook and the pack's report,
// not only the Renewal step.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, dispatch, type HandlerContext } from '../../analysis/api/handlers';
import type { ApiError } from '../../analysis/api/contract';
import type { Settings } from '../../analysis/settings';
import { cellsOf, openXlsx } from '../export/xlsx-xml';
import { resign } from '../export/forge';
import { Engagement } from '../../analysis/engagement';
import { defaultSettings } from '../../analysis/settings';

const ctx: HandlerContext = { emitProgress: () => undefined, signalFor: () => new AbortController().signal };
let root = '';
let call: (method: string, input: unknown) => Promise<unknown>;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'lrtw-settings-targets-'));
  const engine = createEngine({ stateDir: join(root, 'state'), keyDir: join(root, 'keys') });
  call = (method, input) => dispatch(engine, method, input, ctx);
  await call('sample.create', { jobId: 's', users: 60 });
});
after(() => rmSync(root, { recursive: true, force: true }));

test('saving only the scenario assumptions keeps the client, domains, thresholds and prices', async () => {
  const before = (await call('settings.get', {})) as Settings;
  assert.ok(before.corporate_email_domains.length > 0, 'the sample has corporate domains');
  const saved = (await call('settings.update', { settings: { scenario: { audit_settlement_rate_high: 2 } } })) as Settings;
  assert.equal(saved.scenario.audit_settlement_rate_high, 2);
  // Every other field, including the other scenario assumptions, is what it was.
  assert.deepEqual({ ...saved, scenario: { ...saved.scenario, audit_settlement_rate_high: before.scenario.audit_settlement_rate_high } }, before);
  assert.deepEqual(await call('settings.get', {}), saved);
  // A threshold alone: the other thresholds stay.
  const t = (await call('settings.update', { settings: { thresholds: { dormant_days: 120 } } })) as Settings;
  assert.deepEqual(t.thresholds, { ...before.thresholds, dormant_days: 120 });
  assert.equal(t.client, before.client);
});

test('settings the analyst types are checked: a client name, domains that are domains, IP ranges that are ranges', async () => {
  const refused = async (settings: unknown) => {
    try {
      await call('settings.update', { settings });
    } catch (e) {
      return (e as Error).message;
    }
    return null;
  };
  assert.match((await refused({ client: '  ' }))!, /settings\.client: enter the client's name/);
  assert.match((await refused({ corporate_ip_ranges: ['10.0.0.0/8', '999.1.1.1/40'] }))!, /settings\.corporate_ip_ranges\.1: not an IPv4 range/);
  assert.match((await refused({ corporate_email_domains: ['not a domain!!'] }))!, /settings\.corporate_email_domains\.0: "not a domain!!" is not a domain \(expected e\.g\. contoso\.com\)/);
  assert.equal(await refused({ corporate_email_domains: ['@contoso.com', 'contoso-eng.co.uk'], corporate_ip_ranges: ['192.168.1.7', '172.16.0.0/12'] }), null);
});

test('a refused setting names its field (path and what to enter), so the form needs no parsing of the message', async () => {
  const fieldOf = async (method: string, input: unknown) => {
    try {
      await call(method, input);
    } catch (e) {
      return (e as ApiError).field ?? null;
    }
    return 'accepted';
  };
  const before = (await call('settings.get', {})) as Settings;
  assert.deepEqual(await fieldOf('settings.update', { settings: { thresholds: { spike_ratio: 0.8 } } }), {
    path: ['settings', 'thresholds', 'spike_ratio'],
    problem: 'enter a ratio above 1 (1.5 flags a month with half as many users again as the three before)',
  });
  assert.deepEqual(await fieldOf('settings.update', { settings: { thresholds: { renewal_buffer: 5 } } }), { path: ['settings', 'thresholds', 'renewal_buffer'], problem: 'enter a share of at most 1 (0.05 is 5 %)' });
  assert.deepEqual(await fieldOf('settings.update', { settings: { corporate_ip_ranges: ['10.0.0.0/8', '10.1.2.3/8'] } }), {
    path: ['settings', 'corporate_ip_ranges', '1'],
    problem: '10.1.2.3/8 is an address, not the start of its range: enter 10.0.0.0/8',
  });
  // One side of a range changed alone is checked against the other side as saved.
  const high = before.scenario.audit_settlement_rate_high;
  assert.deepEqual(await fieldOf('settings.update', { settings: { scenario: { audit_settlement_rate_low: high + 1 } } }), {
    path: ['settings', 'scenario', 'audit_settlement_rate_low'],
    problem: `enter at most the high end (${high}); the range runs low to high`,
  });
  assert.deepEqual(await fieldOf('scenarios.compute', { assumptions: { no_cooperation_loading_high: 0.5 } }), {
    path: ['assumptions', 'no_cooperation_loading_low'],
    problem: 'enter at most the high end (0.5); the range runs low to high',
  });
  // Every refused field at once, so the form can mark them all.
  try {
    await call('settings.update', { settings: { thresholds: { spike_ratio: 0.5, renewal_buffer: 3, dormant_days: -1 } } });
    assert.fail('refused');
  } catch (e) {
    assert.deepEqual(((e as ApiError).fields ?? []).map((f) => f.path.join('.')).sort(), ['settings.thresholds.dormant_days', 'settings.thresholds.renewal_buffer', 'settings.thresholds.spike_ratio']);
  }
  assert.equal(await fieldOf('settings.update', { settings: { thresholds: { spike_ratio: 1.2, renewal_buffer: 0.1 } } }), 'accepted');
  // Nothing refused was saved.
  const after = (await call('settings.get', {})) as Settings;
  assert.deepEqual({ ...after, thresholds: before.thresholds }, before);
  await call('settings.update', { settings: { thresholds: before.thresholds } });
});

test('trying assumptions (scenarios.compute) starts from the engagement, not the defaults', async () => {
  await call('settings.update', { settings: { scenario: { negotiated_back_period_rate: 0.9 } } });
  const one = (await call('scenarios.compute', { assumptions: { audit_settlement_rate_low: 1.2 } })) as Record<string, number>;
  const both = (await call('scenarios.compute', { assumptions: { audit_settlement_rate_low: 1.2, negotiated_back_period_rate: 0.9 } })) as Record<string, number>;
  assert.deepEqual(one, both);
});

test('saved settlement rates reach the stored summary at once: the headline, the recent list and the scenarios agree', async () => {
  await call('review.run', { jobId: 'rs' });
  const before = (await call('summary.get', {})) as { scenarios: Record<string, number> };
  const tried = (await call('scenarios.compute', { assumptions: { no_cooperation_loading_high: 2.53 } })) as Record<string, number>;
  assert.ok(tried.audit_no_cooperation_high! > before.scenarios.audit_no_cooperation_high!, 'the new rate raises the exposure');
  await call('settings.update', { settings: { scenario: { no_cooperation_loading_high: 2.53 } } });
  const after = (await call('summary.get', {})) as { scenarios: Record<string, number> };
  assert.deepEqual(after.scenarios, tried);
  const info = (await call('engagement.info', {})) as { path: string; headline: { audit_exposure_high: number } };
  assert.equal(info.headline.audit_exposure_high, tried.audit_no_cooperation_high);
  const recent = (await call('engagement.recent', {})) as { path: string; headline: { audit_exposure_high: number } | null }[];
  assert.equal(recent.find((r) => r.path === info.path)?.headline?.audit_exposure_high, tried.audit_no_cooperation_high);
});

test('the engagement says what the last review does not show yet: files imported or settings changed after it', async () => {
  const changed = async () => ((await call('engagement.info', {})) as { changed_since_review: string[] }).changed_since_review;
  await call('review.run', { jobId: 'cs1' });
  assert.deepEqual(await changed(), []);
  // The settlement rates apply at once (the stored scenarios follow): nothing to re-run for them.
  await call('settings.update', { settings: { scenario: { audit_settlement_rate_high: 1.9 } } });
  assert.deepEqual(await changed(), []);
  const dir = join(root, 'late');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'late-sessions.csv'), 'session_id,user,product,start_time,end_time,licence_type\nl1,late@contoso.com,Revit,2026-09-01 09:00:00,2026-09-01 10:00:00,named_user\n');
  await call('import.run', { jobId: 'cs2', files: [{ path: join(dir, 'late-sessions.csv') }] });
  assert.deepEqual(await changed(), ['data']);
  await call('settings.update', { settings: { thresholds: { dormant_days: 100 } } });
  assert.deepEqual(await changed(), ['data', 'settings']);
  await call('review.run', { jobId: 'cs3' });
  assert.deepEqual(await changed(), []);
});

test("auditor mode reads the analyst's decisions from the pack's workbook", async () => {
  await call('review.run', { jobId: 'ad1' });
  const findings = (await call('findings.list', {})) as { finding_id: string; family: string }[];
  const gap = findings.find((f) => f.family === 'gap')!;
  await call('decisions.set', { finding_ids: [gap.finding_id], action: 'dispute', owner: 'Ana', due_date: '2026-12-15', justification: 'Licensed under the 2024 true-up' });
  const { path } = (await call('export.evidencePack', { jobId: 'ad2', dir: join(root, 'pack-out') })) as { path: string };
  const opened = (await call('pack.open', { path })) as { decisions: { finding_id: string; action: string; owner: string | null; due_date: string | null; justification: string | null }[] };
  const mine = opened.decisions.find((d) => d.finding_id === gap.finding_id);
  assert.deepEqual(mine, { finding_id: gap.finding_id, action: 'Dispute', owner: 'Ana', due_date: '2026-12-15', justification: 'Licensed under the 2024 true-up' });
  const all = (await call('decisions.list', {})) as unknown[];
  assert.equal(opened.decisions.length, all.length, 'every recorded decision, no undecided rows');

  // An evidence row's source line, read from the pack's own copy: the very line of the client's file it names.
  const ev = (await call('pack.evidence', { path, finding_id: gap.finding_id })) as { rows: { source_id: number | null; file: string | null; line: number | null }[] };
  const row = ev.rows.find((r) => r.file && r.line && /\.(csv|log)$/.test(r.file))!;
  const shown = (await call('pack.sourceLine', { path, source_id: row.source_id, file: row.file, line: row.line })) as { text: string | null; reason: string | null; header: string | null };
  const packedLines = readFileSync(join(path, 'data', 'sources', row.file!), 'utf8').split(/\r?\n/);
  assert.equal(shown.text, packedLines[row.line! - 1]);
  if (row.file!.endsWith('.csv') && row.line! > 1) assert.equal(shown.header, packedLines[0], "a table's line comes with its column names");
  const beyond = (await call('pack.sourceLine', { path, source_id: row.source_id, file: row.file, line: packedLines.length + 5 })) as { text: string | null; reason: string | null };
  assert.equal(beyond.text, null);
  assert.match(beyond.reason ?? '', /has no line \d+\./);
  // A name that leaves data/sources reads nothing.
  const escape = (await call('pack.sourceLine', { path, source_id: null, file: '../settings.json', line: 1 })) as { text: string | null };
  assert.equal(escape.text, null);

  // A pack re-signed by someone else whose summary.json names a workbook outside it ("../../x.xlsx"): auditor mode
  // reads nothing outside the pack; and a pack that fails verification is read for nothing but its banner's facts.
  const forged = join(root, 'forged-pack');
  cpSync(path, forged, { recursive: true });
  const sj = join(forged, 'data', 'summary.json');
  const summary = JSON.parse(readFileSync(sj, 'utf8')) as { outputs: { workbook: string } };
  renameSync(join(forged, 'data', summary.outputs.workbook), join(root, 'outside.xlsx'));
  writeFileSync(sj, JSON.stringify({ ...summary, outputs: { ...summary.outputs, workbook: '../../outside.xlsx' } }));
  resign(forged);
  const outside = (await call('pack.open', { path: forged })) as { verify: { ok: boolean }; decisions: unknown[] };
  assert.deepEqual([outside.verify.ok, outside.decisions], [true, []]);
  // A pack whose findings.csv lost a line and was signed again no longer adds up to its summary: said beside "verified".
  const edited = join(root, 'edited-pack');
  cpSync(path, edited, { recursive: true });
  const fcsv = join(edited, 'data', 'findings.csv');
  const lines = readFileSync(fcsv, 'utf8').split('\r\n');
  const gapLine = lines.findIndex((l) => l.startsWith(`${gap.finding_id},`));
  writeFileSync(fcsv, [...lines.slice(0, gapLine), ...lines.slice(gapLine + 1)].join('\r\n'));
  resign(edited);
  const opened2 = (await call('pack.open', { path: edited })) as { verify: { ok: boolean }; notes: string[] };
  assert.equal(opened2.verify.ok, true);
  assert.match(opened2.notes.join(' '), /^findings\.csv does not add up to summary\.json \(\w+ \d+ listed, \d+ in the summary; gap units \d+ listed, \d+ in the summary\): the pack was changed and signed again/);
  assert.deepEqual(((await call('pack.open', { path })) as { notes: string[] }).notes, [], 'the pack as written adds up');
  // Savings tripled in findings.csv, and a source swapped for another file, each re-signed: both are said.
  const inflated = join(root, 'inflated-pack');
  cpSync(path, inflated, { recursive: true });
  const icsv = join(inflated, 'data', 'findings.csv');
  writeFileSync(icsv, readFileSync(icsv, 'utf8').split('\r\n').map((l) => {
    const cells = l.split(',');
    return cells[1] === 'dormant_user' ? [...cells.slice(0, 7), String(Number(cells[7]) * 3), ...cells.slice(8)].join(',') : l;
  }).join('\r\n'));
  const srcDir = join(inflated, 'data', 'sources');
  const swappedFile = readdirSync(srcDir).find((f) => f.endsWith('.csv'))!;
  appendFileSync(join(srcDir, swappedFile), 'someone,else\n');
  resign(inflated);
  const notes = ((await call('pack.open', { path: inflated })) as { notes: string[] }).notes.join(' | ');
  assert.match(notes, /findings\.csv does not add up to summary\.json \(dormant_user \d+ a year listed, \d+ in the summary\)/);
  assert.match(notes, new RegExp(`${swappedFile.replace(/\./g, '\\.')}: the packed copy is not the file the review read`));
  const damaged = join(root, 'damaged-pack');
  cpSync(path, damaged, { recursive: true });
  appendFileSync(join(damaged, 'data', 'findings.csv'), 'X\n');
  const failed = (await call('pack.open', { path: damaged })) as { verify: { ok: boolean }; decisions: unknown[] };
  assert.deepEqual([failed.verify.ok, failed.decisions], [false, []]);
});

test('comparing the engagement with itself, or with a file that is no engagement, is refused, naming what to choose', async () => {
  const info = (await call('engagement.info', {})) as { path: string; folder: string };
  await assert.rejects(call('compare.previous', { path: info.path }), (e: ApiError) => e.code === 'invalid_input' && /That is the engagement open now: choose last quarter's engagement file/.test(e.message));
  const json = join(root, 'engagement.json');
  writeFileSync(json, '{"client": "X"}');
  const empty = join(root, 'empty.lrtw');
  writeFileSync(empty, '');
  for (const p of [json, empty]) {
    await assert.rejects(call('compare.previous', { path: p }), (e: Error) => e.message === `${p} is not an engagement file (.lrtw): choose the engagement file LRT Workbench wrote (it holds the client's data, findings and decisions).`);
  }
  assert.equal(readFileSync(empty).length, 0, 'an empty file is not written to');
  await assert.rejects(call('compare.previous', { path: info.folder }), /is a folder, not an engagement file/);
});

test('a comparison or carry-over is refused against another client, an engagement never reviewed, or a spreadsheet', async () => {
  const info = (await call('engagement.info', {})) as { client: string };
  const other = await Engagement.create(join(root, 'fabrikam.lrtw'), { ...defaultSettings(), client: 'Fabrikam Ltd', as_of: '2026-06-30' });
  other.close();
  const unreviewed = await Engagement.create(join(root, 'contoso-q1.lrtw'), { ...defaultSettings(), client: info.client.toUpperCase(), as_of: '2026-03-31' });
  unreviewed.close();
  const decided = await call('decisions.list', {});
  const xlsx = join(root, 'budget.xlsx');
  writeFileSync(xlsx, 'PK\u0003\u0004 not an engagement');
  for (const method of ['compare.previous', 'decisions.carry']) {
    await assert.rejects(call(method, { path: join(root, 'fabrikam.lrtw') }), (e: ApiError) => e.code === 'invalid_input' && e.message.startsWith(`That engagement is of Fabrikam Ltd, not ${info.client}: findings only match this client's own earlier quarter.`));
    // The client's name matched regardless of case; the engagement has no review to compare with.
    await assert.rejects(call(method, { path: join(root, 'contoso-q1.lrtw') }), (e: ApiError) => e.code === 'invalid_input' && /has no review yet, so it has no findings to compare/.test(e.message));
    await assert.rejects(call(method, { path: xlsx }), (e: ApiError) => e.code === 'invalid_input' && /budget\.xlsx is not an engagement file \(\.lrtw\)/.test(e.message));
  }
  assert.deepEqual(await call('decisions.list', {}), decided, 'nothing was carried');
});

test('renewal targets the analyst sets reach the Renewal step, the workbook and the report', async () => {
  await call('review.run', { jobId: 'r' });
  type Line = { line: string; offering: string; licence_model: string | null; target_quantity: number; recommended_quantity: number; set_by_analyst: boolean; reason: string };
  const brief = (await call('renewal.get', {})) as Line[];
  assert.ok(brief.length >= 2);
  // The sample's AutoCAD has Named User and network seats: a line each, and a target for the network line alone.
  const network = brief.find((r) => r.line === 'ACD:network');
  assert.ok(network && network.offering === 'ACD' && network.licence_model === 'network', 'AutoCAD network seats are a renewal line of their own');
  const [a, b] = [network, brief.find((r) => r.line === 'ACD')!];
  const wanted = { [a.line]: a.target_quantity + 7, [b.line]: b.target_quantity };
  await call('renewal.setTargets', { targets: wanted });
  const after = (await call('renewal.get', {})) as typeof brief;
  const byLine = new Map(after.map((r) => [r.line, r]));
  const setA = byLine.get(a.line)!;
  assert.deepEqual([setA.target_quantity, setA.recommended_quantity, setA.set_by_analyst, setA.reason], [a.target_quantity + 7, a.target_quantity, true, a.reason]);
  // A target saved equal to the recommendation is not reported as the analyst's.
  const setB = byLine.get(b.line)!;
  assert.deepEqual([setB.target_quantity, setB.set_by_analyst, setB.reason], [b.target_quantity, false, b.reason]);
  // A key that names no line of this review is refused by name, and nothing is saved.
  await assert.rejects(call('renewal.setTargets', { targets: { 'ACD:flex': 3, [b.line]: 1 } }), (e: ApiError) => e.code === 'invalid_input' && e.field?.path.join('.') === 'targets.ACD:flex');
  assert.equal(((await call('renewal.get', {})) as Line[]).find((r) => r.line === b.line)!.target_quantity, b.target_quantity);

  const { path } = (await call('export.workbook', { jobId: 'w', dir: join(root, 'out') })) as { path: string };
  const cells = await cellsOf(await openXlsx(path), 'Renewal');
  const header = cells.filter((c) => /^[A-Z]+1$/.test(c.ref));
  const col = (name: string) => header.find((c) => c.text === name)?.ref.replace(/\d+$/, '');
  const offeringCol = col('Offering');
  const modelCol = col('Licence model');
  const targetCol = col('Target quantity');
  assert.ok(offeringCol && modelCol && targetCol, 'Renewal sheet has Offering, Licence model and Target quantity columns');
  const rows = cells.filter((c) => c.ref.startsWith(offeringCol!) && c.text === a.offering).map((c) => c.ref.replace(/^[A-Z]+/, ''));
  const row = rows.find((r) => cells.find((c) => c.ref === `${modelCol}${r}`)?.text === 'Network')!;
  assert.ok(row, 'the network line has its own row, named by its licence model');
  assert.equal(Number(cells.find((c) => c.ref === `${targetCol}${row}`)!.value), a.target_quantity + 7);

  const pack = (await call('export.evidencePack', { jobId: 'p', dir: join(root, 'out') })) as { path: string };
  const report = readFileSync(join(pack.path, 'data', 'report.html'), 'utf8');
  assert.ok(report.includes(`the analyst set the target to ${a.target_quantity + 7}`), 'the report states the analyst target');
});

test('the recent list carries the headline of the latest review, not only of the sample', async () => {
  const sample = (await call('engagement.info', {})) as { folder: string };
  const path = join(root, 'second', 'second.lrtw');
  await call('engagement.create', { path, client: 'Second Client' });
  const listed = (await call('engagement.recent', {})) as { path: string; headline: unknown }[];
  assert.equal(listed[0]?.path, path);
  assert.equal(listed[0]?.headline, null, 'not reviewed yet');
  await call('import.run', { jobId: 'i2', files: [{ path: join(sample.folder, 'input') }] });
  await call('review.run', { jobId: 'r2' });
  const recent = (await call('engagement.recent', {})) as { path: string; headline: unknown }[];
  assert.equal(recent[0]?.path, path);
  assert.ok(recent[0]?.headline, 'the reviewed engagement shows its headline');
});

test('an earlier quarter opened again says a later review of the client exists; the later one says nothing', async () => {
  const later = (await call('engagement.info', {})) as { path: string; client: string; as_of: string; reviewed: boolean; later_quarter: unknown };
  assert.ok(later.reviewed);
  assert.equal(later.later_quarter, null);
  const earlier = (await call('engagement.create', { path: join(root, 'q-earlier.lrtw'), client: later.client, as_of: '2026-03-31' })) as { later_quarter: unknown };
  assert.deepEqual(earlier.later_quarter, { path: later.path, as_of: later.as_of });
  // Another client's later review is no later quarter of this one.
  const other = (await call('engagement.create', { path: join(root, 'other-client.lrtw'), client: 'Fabrikam Ltd', as_of: '2026-03-31' })) as { later_quarter: unknown };
  assert.equal(other.later_quarter, null);
});
