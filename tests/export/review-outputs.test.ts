// The README's main job end to end (`cli sample` then `cli review`), read as finance and an auditor read
// its outputs: the two copies of findings.csv are the same bytes, the workbook's counts are summary.json's,
// each gap line raises one offering's renewal target at most, and product-level gaps name the entitlement.
import { packEvidence, parseCsv } from '../../analysis/export/open-pack';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { GAP_TYPES, SummarySchema, SAVINGS_TYPES, type Summary } from '../../analysis/model';
import { Engagement } from '../../analysis/engagement';
import { cellsOf, openXlsx } from './xlsx-xml';

const CLI = join(import.meta.dirname, '..', '..', 'analysis', 'cli.ts');
let root = '';
let out = '';
let summary: Summary;

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'lrtw-review-outputs-'));
  out = join(root, 'out');
  cli('sample', '--out', join(root, 'input'), '--users', '120', '--months', '12');
  cli('review', '--input', join(root, 'input'), '--out', out);
  summary = SummarySchema.parse(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')));
});
after(() => rmSync(root, { recursive: true, force: true }));

test('findings.csv in --out and in the signed pack are the same bytes', () => {
  const pack = readdirSync(out).find((n) => n.endsWith('_evidence-pack'))!;
  const a = readFileSync(join(out, 'findings.csv'));
  const b = readFileSync(join(out, pack, 'data', 'findings.csv'));
  assert.ok(a.length > 1000);
  assert.ok(a.equals(b), 'byte-identical');
  const rows = a.toString('utf8').trimEnd().split('\r\n').length - 1;
  assert.equal(rows, Object.values(summary.findings).reduce((x, y) => x + y, 0));
});

test("the pack's summary.json is the one beside the outputs: it names the workbook and the pack too", () => {
  const pack = readdirSync(out).find((n) => n.endsWith('_evidence-pack'))!;
  const inPack = JSON.parse(readFileSync(join(out, pack, 'data', 'summary.json'), 'utf8')) as typeof summary;
  assert.deepEqual(inPack.outputs, { workbook: summary.outputs.workbook, evidence_pack: pack });
  assert.ok(readdirSync(join(out, pack, 'data')).includes(summary.outputs.workbook!), 'the workbook it names is in the pack');
  assert.deepEqual(inPack, summary);
});

test("the workbook's Summary counts every savings finding as summary.json does", async () => {
  const cells = await cellsOf(await openXlsx(join(out, summary.outputs.workbook!)), 'Summary');
  const total = cells.find((c) => c.text === 'Total savings')!;
  const row = total.ref.replace(/^[A-Z]+/, '');
  const count = Number(cells.find((c) => c.ref === `B${row}`)!.value);
  const expected = SAVINGS_TYPES.reduce((a, t) => a + (summary.findings[t] ?? 0), 0);
  assert.equal(count, expected);
  const value = Number(cells.find((c) => c.ref === `D${row}`)!.value);
  assert.ok(Math.abs(value - (summary.savings_annual.total ?? 0)) < 0.01, `${value} vs ${summary.savings_annual.total}`);
});

test('each gap line raises at most one renewal target; denials and network over-use belong to the network entitlement', async () => {
  const e = await Engagement.open(join(out, 'engagement.lrtw'), { readOnly: true });
  try {
    // Seats, that is: a Flex pool's increase is tokens (it holds no gap units).
    const inc = await e.db.one<{ units: number | null }>(`SELECT sum(target_quantity - seats) AS units FROM renewal_brief WHERE recommendation = 'increase' AND licence_model <> 'flex'`);
    assert.ok(Number(inc?.units ?? 0) > 0, 'the sample has increases');
    assert.ok(Number(inc?.units ?? 0) <= summary.gap_units, `increases ${inc?.units} exceed the ${summary.gap_units} gap units`);
    // Denials (network seats running out) count for the offering with the network line only, not for every collection covering the product.
    const den = await e.db.all<{ offering: string; network: boolean }>(
      `SELECT b.offering, EXISTS (SELECT 1 FROM subscriptions s WHERE s.offering = b.offering AND s.licence_model = 'network') AS network FROM renewal_brief b WHERE b.true_denials > 0`,
    );
    assert.ok(den.length > 0, 'the sample has true denials');
    for (const d of den) assert.equal(d.network, true, `${d.offering} shows denials without a network entitlement`);
    const net = await e.db.all<{ offering: string | null }>(`SELECT offering FROM findings WHERE type = 'network_over_use'`);
    assert.ok(net.length > 0, 'the sample has network over-use');
    for (const n of net) assert.ok(n.offering, 'network_over_use names the offering of the network entitlement');
    // Its evidence shows both sides: the sessions at the peak and the subscription line whose seats they exceed.
    const sides = await e.db.all<{ table_name: string }>(
      `SELECT DISTINCT e.table_name FROM finding_evidence e JOIN findings f USING (finding_id) WHERE f.type = 'network_over_use' ORDER BY 1`,
    );
    assert.deepEqual(sides.map((x) => x.table_name), ['sessions', 'subscriptions']);
  } finally {
    e.close();
  }
});

test("auditor mode reads a finding's evidence rows from the pack as evidence.csv holds them", async () => {
  const pack = join(out, readdirSync(out).find((n) => n.endsWith('_evidence-pack'))!);
  const all = parseCsv(readFileSync(join(pack, 'data', 'evidence.csv'), 'utf8')).slice(1);
  // The finding with the most rows, and one near the end of the file (the read stops past its finding).
  const counts = new Map<string, number>();
  for (const r of all) counts.set(r[0]!, (counts.get(r[0]!) ?? 0) + 1);
  const [most] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const last = all[all.length - 1]![0]!;
  for (const id of [most, last]) {
    const mine = all.filter((r) => r[0] === id);
    const got = await packEvidence(pack, id, 5000);
    assert.equal(got.total, mine.length, id);
    assert.deepEqual(got.rows.map((r) => [r.table, r.file ?? '', r.line === null ? '' : String(r.line), r.note ?? '']), mine.map((r) => [r[1], r[3], r[4], r[5]]));
  }
  const capped = await packEvidence(pack, most, 3);
  assert.equal(capped.rows.length, 3);
  assert.equal(capped.total, counts.get(most));
  assert.deepEqual(await packEvidence(pack, 'ffffffffffffffffffffffff', 10), { total: 0, rows: [] });
});

test("an auditor recomputes every gap line's value from the pack alone: units × the product's price in prices.csv", () => {
  const pack = readdirSync(out).find((n) => n.endsWith('_evidence-pack'))!;
  const [head, ...rows] = parseCsv(readFileSync(join(out, pack, 'data', 'prices.csv'), 'utf8')).filter((r) => r.length > 1);
  assert.deepEqual(head, ['code', 'licence_model', 'name', 'annual_price', 'list_price', 'flex_tokens_per_day', 'source', 'list_source']);
  assert.ok(rows.every((r) => r[3] === '' || ['subscription line', 'subscription line (network)', 'engagement settings', 'price book', 'the unit price', 'the Flex token price setting'].includes(r[7]!)), 'every list price says where it came from');
  const price = new Map(rows.map((r) => [`${r[0]!}${r[1] ? `:${r[1]}` : ''}`, { annual: r[3] === '' ? null : Number(r[3]), source: r[6]! }]));
  // The sample's engagement.json prices Revit itself; the rest come from the shipped book.
  assert.equal(price.get('RVT')?.source, 'engagement settings');
  assert.equal(price.get('ACD')?.source, 'price book');
  // The Flex token price is listed too, with where it came from.
  assert.deepEqual(price.get('FLEX:flex'), { annual: 3, source: 'the Flex token price setting' });
  const [fhead, ...findings] = parseCsv(readFileSync(join(out, pack, 'data', 'findings.csv'), 'utf8')).filter((r) => r.length > 1);
  const col = (name: string) => fhead!.indexOf(name);
  const gaps = findings.filter((f) => (GAP_TYPES as readonly string[]).includes(f[col('type')]!));
  assert.ok(gaps.length > 10);
  for (const f of gaps) {
    // Network over-use is priced from the product's network line when that line has its own price.
    const p = (f[col('type')] === 'network_over_use' ? price.get(`${f[col('product')]!}:network`) : undefined) ?? price.get(f[col('product')]!);
    assert.ok(p && p.annual !== null, `a price for ${f[col('product')]}`);
    assert.ok(Math.abs(Number(f[col('units')]) * p.annual! - Number(f[col('annual_value')])) < 1e-6, `${f[col('finding_id')]}: ${f[col('units')]} × ${p.annual} = ${f[col('annual_value')]}`);
  }
});

test("the pack's report shows where the Flex pool's tokens went, adding up to the tokens its renewal line judges", () => {
  const pack = readdirSync(out).find((n) => n.endsWith('_evidence-pack'))!;
  const html = readFileSync(join(out, pack, 'data', 'report.html'), 'utf8');
  const at = html.indexOf('<h3>Where the Flex tokens went, 12 months to the review date</h3>');
  assert.ok(at > 0, 'the tokens table');
  const table = html.slice(at, html.indexOf('</table>', at));
  const tokens = [...table.matchAll(/<td class="num">([\d,]+)<\/td><td class="num">\d+%<\/td>/g)].map((m) => Number(m[1]!.replace(/,/g, '')));
  assert.ok(tokens.length > 1 && tokens.every((t, i) => i === 0 || t <= tokens[i - 1]!), `most first: ${tokens.join(', ')}`);
  const used = /Flex token pool, sized by tokens(?::|&#58;) ([\d,]+) of/.exec(html)?.[1];
  assert.equal(tokens.reduce((a, t) => a + t, 0), Number(used?.replace(/,/g, '')));
});

test("the pack's report costs the renewal as the workbook does: the same totals now and at the targets", async () => {
  const pack = readdirSync(out).find((n) => n.endsWith('_evidence-pack'))!;
  const html = readFileSync(join(out, pack, 'data', 'report.html'), 'utf8');
  const total = /<tr class="total"><td colspan="10">Annual cost of the contract lines[^]*?<\/td><td class="num">([^<]+)<\/td><td class="num">([^<]+)<\/td>/.exec(html);
  assert.ok(total, 'the renewal total row');
  const usd = (s: string) => Number(s.replace(/[$,]/g, ''));
  const cells = await cellsOf(await openXlsx(join(out, summary.outputs.workbook!)), 'Summary');
  const figure = (label: string) => {
    const row = cells.find((c) => c.text === label)!.ref.replace(/^[A-Z]+/, '');
    return Math.round(Number(cells.find((c) => c.ref === `D${row}`)!.value));
  };
  assert.ok(figure('At the current seats') > 0);
  assert.equal(usd(total[1]!), figure('At the current seats'));
  assert.equal(usd(total[2]!), figure('At the renewal targets'));
});

test("the workbook's Summary shows where the Flex pool's tokens went, adding up to the tokens its renewal line judges", async () => {
  const cells = await cellsOf(await openXlsx(join(out, summary.outputs.workbook!)), 'Summary');
  const head = cells.find((c) => c.text === 'Flex tokens used, 12 months to the review date');
  assert.ok(head, 'the tokens section');
  const first = Number(head.ref.replace(/^[A-Z]+/, ''));
  const totalRow = cells.find((c) => c.text === 'Total' && Number(c.ref.replace(/^[A-Z]+/, '')) > first)!.ref.replace(/^[A-Z]+/, '');
  const tokens = cells.filter((c) => /^B\d+$/.test(c.ref) && Number(c.ref.slice(1)) > first && Number(c.ref.slice(1)) < Number(totalRow)).map((c) => Number(c.value));
  assert.ok(tokens.length > 1 && tokens.every((t, i) => i === 0 || t <= tokens[i - 1]!), `most first: ${tokens.join(', ')}`);
  const total = Number(cells.find((c) => c.ref === `B${totalRow}`)!.value);
  assert.equal(Math.round(tokens.reduce((a, t) => a + t, 0)), Math.round(total));
  // The same tokens the Flex line's reason counts as used.
  const ren = await cellsOf(await openXlsx(join(out, summary.outputs.workbook!)), 'Renewal');
  const reason = ren.find((c) => /^Flex token pool, sized by tokens: /.test(c.text ?? ''))!.text!;
  assert.equal(Math.round(total), Number(/sized by tokens: ([\d,]+) of/.exec(reason)![1]!.replace(/,/g, '')));
});
