// Load data beyond importing: a loaded source can be removed (the client sends a corrected export, or a file
// was loaded as the wrong kind: its rows, rejects and kept copy go, and the review says it is out of date),
// and an engagement.json in the chosen folder is offered, as the command line reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestEngine } from './engine-harness';
import type { ApiError } from '../../analysis/api/contract';
import type { Summary } from '../../analysis/model';

const engine = useTestEngine('lrtw-remove-');
const call = (method: string, input: unknown) => engine.call(method, input);

type Source = { source_id: number; file: string; kind: string; rows_loaded: number; rows_rejected: number };
type Info = { changed_since_review: string[]; folder: string };

test('removing the roster takes its rows and kept copy; a corrected roster imported in its place is what the review reads', async () => {
  await call('sample.create', { jobId: 's', users: 60 });
  const before = (await call('review.run', { jobId: 'r1' })) as Summary;
  const sources = (await call('sources.list', {})) as Source[];
  const roster = sources.find((s) => s.kind === 'users')!;
  assert.ok(roster && roster.rows_loaded > 0);
  assert.deepEqual(((await call('engagement.info', {})) as Info).changed_since_review, []);

  const removed = (await call('sources.remove', { source_id: roster.source_id })) as { file: string; rows: number; import_again: string[] };
  assert.deepEqual(removed, { file: roster.file, rows: roster.rows_loaded, import_again: [] });
  const after1 = (await call('sources.list', {})) as Source[];
  assert.deepEqual(after1.map((s) => s.source_id), sources.filter((s) => s !== roster).map((s) => s.source_id));
  assert.deepEqual(((await call('engagement.info', {})) as Info).changed_since_review, ['data'], 'the review is out of date');
  const rejects = (await call('rejects.list', { source_id: roster.source_id, offset: 0, limit: 10 })) as { total: number };
  assert.equal(rejects.total, 0);
  await assert.rejects(call('sources.remove', { source_id: roster.source_id }), (e: ApiError) => e.code === 'not_found' && /removed already/.test(e.message));

  // Nothing is exported from a review older than the data: its figures would not match the pack's sources.
  for (const [method, what] of [['export.workbook', 'workbook'], ['export.evidencePack', 'evidence pack']] as const) {
    await assert.rejects(call(method, { jobId: `x-${what.replace(' ', '-')}`, dir: join(engine.root, 'stale-out') }), (e: ApiError) =>
      e.code === 'invalid_input' && e.message === `The ${what} was not written: the data changed (files imported or removed) since the last review, so its figures would not match its sources and settings. Run the review again, then export.`);
  }
  assert.ok(!existsSync(join(engine.root, 'stale-out')), 'nothing written');

  // The review without it reads no roster: the file is gone from its sources.
  const without = (await call('review.run', { jobId: 'r2' })) as Summary;
  assert.ok(!without.sources.some((s) => s.file === roster.file));
  assert.notDeepEqual(without.findings, before.findings, 'the review without the roster reads other assignments');
  const { path: wb } = (await call('export.workbook', { jobId: 'w-fresh', dir: join(engine.root, 'fresh-out') })) as { path: string };
  assert.ok(existsSync(wb), 'a reviewed engagement exports');

  // The roster imported again (a corrected export in its place): the review reads it as before.
  const info = (await call('engagement.info', {})) as Info;
  const again = join(engine.root, roster.file);
  writeFileSync(again, readFileSync(join(info.folder, 'input', roster.file)));
  await call('import.run', { jobId: 'i', files: [{ path: again }] });
  const back = (await call('review.run', { jobId: 'r3' })) as Summary;
  assert.deepEqual(back.findings, before.findings, 'the same roster gives the same findings');
});

test('a removed source takes its kept copy with it', async () => {
  const info = (await call('engagement.info', {})) as Info;
  const sources = (await call('sources.list', {})) as (Source & { sha256: string })[];
  const users = sources.filter((s) => s.kind === 'users');
  assert.equal(users.length, 1);
  const copy = join(info.folder, 'sources', `${users[0]!.sha256.slice(0, 16)}-${users[0]!.file}`);
  assert.ok(existsSync(copy), copy);
  await call('sources.remove', { source_id: users[0]!.source_id });
  assert.ok(!existsSync(copy), 'the kept copy goes with the source');
});

test("a folder's engagement.json is found, compared and applied on request, as the command line reads it", async () => {
  const folder = join(engine.root, 'client-folder');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'sessions.csv'), 'session_id,user,product,start_time,end_time\ns1,ann@contoso.com,RVT,2026-09-01 09:00:00,2026-09-01 10:00:00\n');
  writeFileSync(join(folder, 'engagement.json'), JSON.stringify({ client: 'Contoso Engineering', corporate_email_domains: ['contoso.com', 'contoso.co.uk'], prices: { RVT: { annual: 2500 } } }, null, 2));
  await call('engagement.create', { path: join(engine.root, 'fresh', 'fresh.lrtw'), client: 'Contoso' });
  // A review of nothing says what to do, as the user's mistake it is (not an engine failure).
  await assert.rejects(call('review.run', { jobId: 'r-empty' }), (e: ApiError) => e.code === 'invalid_input' && /^Nothing is loaded: load the client's exports on Load data/.test(e.message));
  // The scan lists the data only; the settings are found beside it.
  const plans = (await call('import.scan', { paths: [folder] })) as { file: string }[];
  assert.deepEqual(plans.map((p) => p.file), ['sessions.csv']);
  const found = (await call('settings.find', { paths: [folder] })) as { file: string; client: string; differs: string[]; problem: string | null };
  assert.deepEqual(found, { file: join(folder, 'engagement.json'), client: 'Contoso Engineering', differs: ['client', 'corporate e-mail domains', 'prices'], problem: null });
  const applied = (await call('settings.applyFile', { path: found.file })) as { client: string; corporate_email_domains: string[] };
  assert.equal(applied.client, 'Contoso Engineering');
  assert.deepEqual(((await call('settings.get', {})) as { corporate_email_domains: string[] }).corporate_email_domains, ['contoso.com', 'contoso.co.uk']);
  assert.deepEqual(((await call('settings.find', { paths: [folder] })) as { differs: string[] }).differs, [], 'now the same');
  // A file that sets a few things changes only those: the domains and the other thresholds stay.
  const before = (await call('settings.get', {})) as { thresholds: Record<string, number>; prices: Record<string, unknown> };
  writeFileSync(join(folder, 'engagement.json'), JSON.stringify({ thresholds: { dormant_days: 60 } }));
  assert.deepEqual(((await call('settings.find', { paths: [folder] })) as { differs: string[] }).differs, ['thresholds']);
  const partial = (await call('settings.applyFile', { path: join(folder, 'engagement.json') })) as { client: string; corporate_email_domains: string[]; thresholds: Record<string, number>; prices: Record<string, unknown> };
  assert.equal(partial.client, 'Contoso Engineering');
  assert.deepEqual(partial.corporate_email_domains, ['contoso.com', 'contoso.co.uk']);
  assert.deepEqual(partial.thresholds, { ...before.thresholds, dormant_days: 60 });
  assert.deepEqual(partial.prices, before.prices);
  // A file with a mistake is named with its line, and nothing is applied.
  writeFileSync(join(folder, 'engagement.json'), '{\n  "client": "X",\n  "corporate_emails": ["a.com"]\n}\n');
  const bad = (await call('settings.find', { paths: [join(folder, 'engagement.json')] })) as { problem: string };
  assert.match(bad.problem, /engagement\.json line 3: corporate_emails is not a setting/);
  await assert.rejects(call('settings.applyFile', { path: join(folder, 'engagement.json') }), (e: ApiError) => e.code === 'invalid_input');
  assert.equal(((await call('settings.get', {})) as { client: string }).client, 'Contoso Engineering');
  // No engagement.json: nothing found.
  assert.deepEqual(await call('settings.find', { paths: [join(folder, 'sessions.csv')] }), { file: null, client: null, differs: [], problem: null });
});

/** Writes `name` into the engagement's folder, imports it and returns it as Load data lists it, notes included. */
async function loadedSource(name: string, lines: string[]): Promise<Source & { notes: string[] }> {
  const info = (await call('engagement.info', {})) as Info;
  const file = join(info.folder, name);
  writeFileSync(file, lines.join('\n'));
  await call('import.run', { jobId: `load-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`, files: [{ path: file }] });
  return ((await call('sources.list', {})) as (Source & { notes: string[] })[]).find((s) => s.file === name)!;
}

test('a loaded source lists what the analyst must still see of it: values loaded blank and how its dates were read, not its encoding', async () => {
  const source = await loadedSource('usage-report-never.csv', ['Email,Offering name,Seat assignment,Days inactive,Last accessed', 'ana@contoso.com,Revit,assigned,2,31/08/2026', 'ben@contoso.com,AutoCAD,assigned,n/a,Never']);
  assert.equal(source.rows_loaded, 2);
  assert.deepEqual(source.notes, [
    'dates read day first (D/M/YYYY): the file writes dates such as 31/08/2026',
    '1 row loaded with Days inactive blank: "n/a" on line 3 does not read; the text is kept with the row',
    '1 row loaded with Last accessed blank: "Never" on line 3 does not read; the text is kept with the row',
  ]);
});

test('a loaded source keeps in view how its numbers were read and rows with values beyond its header', async () => {
  const source = await loadedSource('subs-eu-notes.csv', ['Offering name;Seat quantity;Start date;End date;Unit price;Team', 'Revit;2;2025-10-01;2026-09-30;2.985,00 €;Design', 'Maya;1;2025-10-01;2026-09-30;1.975;Media;extra']);
  assert.deepEqual(source.notes, [
    'numbers read with a decimal comma: the file writes numbers such as "2.985,00 €"',
    '1 row holds more values than the header has columns (on line 3): a value with an unquoted separator shifts the values after it, so check it against the source',
  ]);
});
