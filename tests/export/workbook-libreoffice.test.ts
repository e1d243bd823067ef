// Recalculates the workbook in a real spreadsheet engine (LibreOffice, headless) and checks the
// settlement formulas give the scenario figures computed here from the gap lines, and that changing an
// assumption cell moves the totals. LibreOffice normally trusts cached results in .xlsx files, so a
// private profile sets Calc's "recalculation on file load" to Always, and the copies we convert have
// their cached formula results zeroed: every number read back was computed by LibreOffice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import JSZip from 'jszip';
import { writeWorkbook } from '../../analysis/export/workbook';
import { buildFixture, disposeFixture, expectedScenarios, EVIL, GAPS, SAVINGS, type Fixture } from './fixture';
import { cellsOf, openXlsx, sheetParts } from './xlsx-xml';

const SOFFICE = ['soffice', 'libreoffice'].find((c) => spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0) ?? null;
const skip = SOFFICE ? false : 'LibreOffice (soffice) is not installed: install libreoffice-calc-nogui to run the recalculation test';

const SCENARIO_ORDER = ['self_review_best', 'self_review_typical', 'audit_negotiated_low', 'audit_negotiated_high', 'audit_no_cooperation_low', 'audit_no_cooperation_high'] as const;

/** A LibreOffice user profile whose Calc recalculates every formula of an OOXML file on load. */
function recalcProfile(dir: string): string {
  const user = join(dir, 'user');
  mkdirSync(user, { recursive: true });
  writeFileSync(
    join(user, 'registrymodifications.xcu'),
    `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
`,
  );
  return pathToFileURL(dir).href;
}

/** Rewrites parts of an xlsx: zero every cached formula result, optionally set some plain cells (numbers, or text). */
async function variant(src: string, dest: string, setCells: { sheet: string; ref: string; value: number }[] = [], setText: { sheet: string; ref: string; text: string }[] = []): Promise<void> {
  const zip = await JSZip.loadAsync(readFileSync(src));
  const parts = await sheetParts(zip);
  for (const [sheet, part] of parts) {
    let xml = await zip.file(part)!.async('string');
    xml = xml.replace(/(<\/f>)<v>[^<]*<\/v>/g, '$1<v>0</v>');
    for (const c of setCells.filter((s) => s.sheet === sheet)) {
      const re = new RegExp(`(<c r="${c.ref}"[^>]*>)<v>[^<]*</v>`);
      assert.match(xml, re, `${sheet}!${c.ref} is a plain number cell`);
      xml = xml.replace(re, `$1<v>${c.value}</v>`);
    }
    for (const c of setText.filter((s) => s.sheet === sheet)) {
      // The cell as written (empty, or a shared string) becomes an inline string, as a spreadsheet saves what is typed.
      const re = new RegExp(`<c r="${c.ref}"([^>]*?)(?: t="[^"]*")?([^>]*?)(?:/>|>.*?</c>)`);
      assert.match(xml, re, `${sheet}!${c.ref} is written`);
      xml = xml.replace(re, `<c r="${c.ref}"$1$2 t="inlineStr"><is><t>${c.text}</t></is></c>`);
    }
    zip.file(part, xml);
  }
  writeFileSync(dest, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
}

/** The data rows of one sheet in reverse order (as a sort would move them), cell references renumbered. */
async function reverseRows(src: string, dest: string, sheetName: string): Promise<void> {
  const zip = await JSZip.loadAsync(readFileSync(src));
  const part = (await sheetParts(zip)).get(sheetName)!;
  const xml = await zip.file(part)!.async('string');
  const rows = [...xml.matchAll(/<row r="(\d+)"[^>]*>.*?<\/row>/gs)].map((m) => ({ n: Number(m[1]), text: m[0] }));
  const data = rows.filter((r) => r.n > 1);
  const renumbered = data.map((r, i) => {
    const to = data[data.length - 1 - i]!.n;
    return r.text.replace(/^<row r="\d+"/, `<row r="${to}"`).replace(/(<c r="[A-Z]+)\d+"/g, `$1${to}"`);
  }).sort((a, b) => Number(/<row r="(\d+)"/.exec(a)![1]) - Number(/<row r="(\d+)"/.exec(b)![1]));
  const start = xml.indexOf(data[0]!.text);
  const end = xml.indexOf(data[data.length - 1]!.text) + data[data.length - 1]!.text.length;
  zip.file(part, xml.slice(0, start) + renumbered.join('') + xml.slice(end));
  writeFileSync(dest, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
}

/** Converts one sheet (1-based index) to CSV with raw, full-precision values; returns its rows. */
function sheetCsv(profileUrl: string, xlsx: string, sheetIndex: number, outDir: string): string[][] {
  mkdirSync(outDir, { recursive: true });
  // Filter options: comma, double quote, UTF-8, from line 1, ..., "as shown" off (raw values), sheet N.
  const filter = `csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false,false,${sheetIndex}`;
  const r = spawnSync(SOFFICE!, [`-env:UserInstallation=${profileUrl}`, '--headless', '--norestore', '--convert-to', filter, '--outdir', outDir, xlsx], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `soffice failed: ${r.stderr}`);
  const csv = readdirSync(outDir).find((f) => f.endsWith('.csv'));
  assert.ok(csv, `soffice wrote no CSV: ${r.stdout} ${r.stderr}`);
  const text = readFileSync(join(outDir, csv!), 'utf8');
  return text.split(/\r?\n/).filter(Boolean).map(parseCsvLine);
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Number.isFinite(actual), `${what}: not a number`);
  assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${what}: LibreOffice computed ${actual}, expected ${expected}`);
}

describe('workbook recalculated by LibreOffice', { skip }, () => {
  let fx: Fixture;
  let path: string;
  let work: string;
  let profile: string;

  before(async () => {
    fx = await buildFixture();
    path = await writeWorkbook(fx.db, fx.settings, join(fx.dir, 'exports'));
    work = mkdtempSync(join(tmpdir(), 'lrtw-lo-'));
    profile = recalcProfile(join(work, 'profile'));
  });
  after(() => {
    disposeFixture(fx);
    rmSync(work, { recursive: true, force: true });
  });

  it('recomputes the six settlement totals to the scenario figures', async () => {
    const copy = join(work, 'recalc.xlsx');
    await variant(path, copy);
    const rows = sheetCsv(profile, copy, 6, join(work, 'settlement'));
    assert.equal(rows[0]![0], 'Scenario');
    const expected = expectedScenarios(fx.settings);
    SCENARIO_ORDER.forEach((k, i) => close(Number(rows[i + 1]![2]), expected[k]!, k));
    // "Above closing now" is a formula too.
    close(Number(rows[6]![3]), expected.audit_no_cooperation_high! - expected.self_review_best!, 'above closing now');
    // The typical scenario's back period, at your prices, is shown among the inputs: typical = best + it × the negotiated rate.
    const back = rows.find((r) => r[0] === 'Back period at your prices');
    assert.ok(back, 'the back period at your prices is shown');
    close(Number(back[2]), (expected.self_review_typical! - expected.self_review_best!) / fx.settings.scenario.negotiated_back_period_rate, 'back period at your prices');
    assert.ok(!rows.some((r) => r[0]!.startsWith('Check the Assumptions sheet')), 'no range warning while every low rate is at most its high one');
  });

  it('says so when finance types a low rate above its high one', async () => {
    const copy = join(work, 'upside-down.xlsx');
    // Assumptions!B3 = audit settlement rate (low), B4 = (high).
    await variant(path, copy, [{ sheet: 'Assumptions', ref: 'B3', value: 2 }, { sheet: 'Assumptions', ref: 'B4', value: 1 }]);
    const rows = sheetCsv(profile, copy, 6, join(work, 'upside-down'));
    assert.ok(rows.some((r) => r[0]!.startsWith('Check the Assumptions sheet: a low rate is above its high one')), rows.map((r) => r[0]).join(' | '));
  });

  it('recomputes the Summary savings and scenario links', async () => {
    const copy = join(work, 'recalc-summary.xlsx');
    await variant(path, copy);
    const rows = sheetCsv(profile, copy, 1, join(work, 'summary'));
    const row = (label: string) => rows.find((r) => r[0]?.trim() === label) ?? assert.fail(`no "${label}" row on Summary`);
    const savings = SAVINGS.filter((s) => s.counted).reduce((a, s) => a + s.value, 0);
    close(Number(row('Total savings')[3]), savings, 'total savings');
    close(Number(row('Savings to reclaim (annual)')[3]), savings, 'at a glance: savings');
    close(Number(row('Seats to buy (compliance gaps)')[3]), GAPS.reduce((a, g) => a + g.units, 0), 'at a glance: seats to buy');
    close(Number(row('If an audit finds them (negotiated, low)')[3]), expectedScenarios(fx.settings).audit_negotiated_low!, 'at a glance: audit low');
    close(Number(row('Self-review, best case')[3]), expectedScenarios(fx.settings).self_review_best!, 'summary best case');
    close(Number(row('Audit, no cooperation (high)')[3]), expectedScenarios(fx.settings).audit_no_cooperation_high!, 'summary worst case');
    // "What to do this quarter": the live lines recompute to the text the workbook was written with.
    const written = (await cellsOf(await openXlsx(path), 'Summary')).filter((c) => c.formula?.startsWith('IF(') && c.value?.startsWith('•'));
    assert.equal(written.length, 3, 'three live lines');
    for (const c of written) {
      const recomputed = rows.find((r) => r[0] === c.value);
      assert.ok(recomputed, `LibreOffice computes "${c.value}"; got ${JSON.stringify(rows.filter((r) => r[0]?.startsWith('•')).map((r) => r[0]))}`);
    }
    assert.ok(written.some((c) => /^• {2}Buy or remediate \d+ seats across \d+ gap lines now: \$[\d,]+, against \$[\d,]+–\$[\d,]+ if an audit finds them\.$/.test(c.value!)));
  });

  it('moves the Summary\'s advice with a corrected gap line', async () => {
    const copy = join(work, 'more-units.xlsx');
    // Gap Register!G2 holds the first line's units: 40 more seats move the seats to buy and the costs quoted.
    const units = GAPS.reduce((a, g) => a + g.units, 0);
    const firstUnits = Number((await cellsOf(await openXlsx(path), 'Gap Register')).find((c) => c.ref === 'G2')!.value);
    await variant(path, copy, [{ sheet: 'Gap Register', ref: 'G2', value: firstUnits + 40 }]);
    const rows = sheetCsv(profile, copy, 1, join(work, 'more-units'));
    const buy = rows.find((r) => r[0]?.startsWith('•  Buy or remediate'))?.[0] ?? assert.fail('no Buy line');
    assert.match(buy, new RegExp(`^•  Buy or remediate ${units + 40} seats across `));
  });

  it('shows formula-looking client text as that text, not as a computed value', async () => {
    const rows = sheetCsv(profile, path, 3, join(work, 'gap-register'));
    const header = rows[0]!;
    const user = header.indexOf('User');
    const users = rows.slice(1).map((r) => r[user]);
    for (const evil of [EVIL.hyperlink, EVIL.plus, EVIL.minus]) assert.ok(users.includes(evil), `${evil} shown as text; got ${JSON.stringify(users)}`);
    assert.ok(!users.includes('x') && !users.includes('3') && !users.includes('1'), 'nothing was evaluated');
  });

  it("shows each finding's decision on its register as the Decisions sheet holds it, and follows a decision entered there", async () => {
    const cells = await cellsOf(await openXlsx(path), 'Decisions');
    const rowOf = (id: string) => cells.find((c) => c.ref.startsWith('A') && c.text === id)!.ref.slice(1);
    // G-0003 has no decision yet: finance picks "Dispute" for it on the Decisions sheet (its Action cell, F).
    const copy = join(work, 'decided.xlsx');
    // And "Investigate" for the telemetry-gap signal X-0001, which sits on no register.
    await variant(path, copy, [], [{ sheet: 'Decisions', ref: `F${rowOf('G-0003')}`, text: 'Dispute' }, { sheet: 'Decisions', ref: `F${rowOf('X-0001')}`, text: 'Investigate' }]);
    const rows = sheetCsv(profile, copy, 3, join(work, 'decided'));
    const head = rows[0]!;
    const at = (id: string, col: string) => rows.find((r) => r[0] === id)![head.indexOf(col)];
    assert.equal(at('G-0001', 'Decision'), 'Buy');
    assert.equal(at('G-0001', 'Owner'), 'Jane Okafor (Finance)');
    assert.equal(at('G-0001', 'Due date'), '2026-10-31', 'the due date, as a date');
    assert.equal(at('G-0003', 'Decision'), 'Dispute', 'a decision entered on the Decisions sheet shows on the register');
    assert.equal(at('G-0004', 'Decision'), '', 'an undecided finding shows no decision');
    // The Summary counts the decisions as finance leaves them: the app's two and the one entered on the sheet.
    const summary = sheetCsv(profile, copy, 1, join(work, 'decided-summary'));
    const tally = (label: string) => summary.find((r) => r[0]?.trim() === label)!.slice(1, 4).map(Number);
    const g3 = GAPS.find((g) => g.id === 'G-0003')!;
    assert.deepEqual(tally('Buy'), [1, 1, 2985]);
    assert.deepEqual(tally('Reclaim'), [1, 2, 5970]);
    assert.deepEqual(tally('Dispute'), [1, g3.units, g3.units * g3.price]);
    assert.equal(tally('Undecided')[0], GAPS.length + SAVINGS.length - 3);
    assert.equal(tally('Signals with a decision (Decisions sheet; no money)')[0], 2, "the fixture's usage spike and the telemetry gap decided here");
    // Decisions found by Finding ID: the sheet sorted another way (its rows reversed) keeps each with its finding.
    const reversed = join(work, 'decided-reversed.xlsx');
    await reverseRows(copy, reversed, 'Decisions');
    const again = sheetCsv(profile, reversed, 3, join(work, 'decided-reversed'));
    const at2 = (id: string, col: string) => again.find((r) => r[0] === id)![head.indexOf(col)];
    for (const id of ['G-0001', 'G-0003', 'G-0004']) assert.equal(at2(id, 'Decision'), at(id, 'Decision'), `${id} after sorting the Decisions sheet`);
    assert.equal(at2('G-0001', 'Owner'), 'Jane Okafor (Finance)');
    // The Reclamation sheet reads them too, client text as text (an owner "+1+2" is not computed).
    const recl = sheetCsv(profile, copy, 2, join(work, 'decided-recl'));
    const rh = recl[0]!;
    assert.equal(recl.find((r) => r[0] === 'S-0002')![rh.indexOf('Owner')], EVIL.plus);
  });

  it('moves the savings when finance corrects what a reclaimed seat saves', async () => {
    const cells = await cellsOf(await openXlsx(path), 'Reclamation');
    const row = cells.find((c) => c.ref.startsWith('A') && c.text === 'S-0002')!.ref.slice(1);
    const copy = join(work, 'seat-saving.xlsx');
    // Reclamation!G holds what one seat saves a year: S-0002's two Revit seats at 2,985 become 3,500 each.
    await variant(path, copy, [{ sheet: 'Reclamation', ref: `G${row}`, value: 3500 }]);
    const summary = sheetCsv(profile, copy, 1, join(work, 'seat-saving'));
    const savings = SAVINGS.filter((x) => x.counted).reduce((a, x) => a + x.value, 0);
    close(Number(summary.find((r) => r[0]?.trim() === 'Total savings')![3]), savings - 5970 + 2 * 3500, 'total savings after the correction');
  });

  it("moves the renewal's cost when finance changes a line's target", async () => {
    const cells = await cellsOf(await openXlsx(path), 'Renewal');
    const row = cells.find((c) => c.ref.startsWith('A') && c.text === 'RVT')!.ref.slice(1);
    const copy = join(work, 'renewal-target.xlsx');
    // Renewal!L holds the target quantity: RVT's 14 seats become 20; the Flex token price (Assumptions!B7) becomes 2.
    await variant(path, copy, [{ sheet: 'Renewal', ref: `L${row}`, value: 20 }, { sheet: 'Assumptions', ref: 'B7', value: 2 }]);
    const renewal = sheetCsv(profile, copy, 5, join(work, 'renewal-target'));
    const head = renewal[0]!;
    const rvt = renewal.find((r) => r[0] === 'RVT')!;
    close(Number(rvt[head.indexOf('Annual cost at target')]), 20 * 2985, 'RVT at its new target');
    close(Number(rvt[head.indexOf('Change')]), 8 * 2985, 'RVT change');
    const summary = sheetCsv(profile, copy, 1, join(work, 'renewal-summary'));
    const at = (label: string) => Number(summary.find((r) => r[0]?.trim() === label)![3]);
    const token = 2;
    close(Number(renewal.find((r) => r[0] === 'FLEX')![head.indexOf('Annual cost at target')]), 6300 * token, 'the Flex pool at the new token price');
    close(at('At the renewal targets'), 33 * 3810 + 20 * 2985 + 6300 * token, 'renewal at the targets');
    close(at('Change at renewal'), 33 * 3810 + 20 * 2985 + 6300 * token - (40 * 3810 + 12 * 2985 + 5000 * token), 'renewal change');
  });

  it('moves the totals when finance changes an assumption cell', async () => {
    const copy = join(work, 'changed.xlsx');
    // Assumptions!B2 = negotiated back-period rate, B6 = no-cooperation loading (high).
    await variant(path, copy, [
      { sheet: 'Assumptions', ref: 'B2', value: 0.8 },
      { sheet: 'Assumptions', ref: 'B6', value: 3 },
    ]);
    const rows = sheetCsv(profile, copy, 6, join(work, 'changed'));
    const before = expectedScenarios(fx.settings);
    const after = expectedScenarios({ ...fx.settings, scenario: { ...fx.settings.scenario, negotiated_back_period_rate: 0.8, no_cooperation_loading_high: 3 } });
    assert.notEqual(after.self_review_typical, before.self_review_typical);
    SCENARIO_ORDER.forEach((k, i) => close(Number(rows[i + 1]![2]), after[k]!, `${k} after the change`));
    assert.ok(Number(rows[2]![2]) > before.self_review_typical!, 'typical cost rose with the back-period rate');
    close(Number(rows[1]![2]), before.self_review_best!, 'best case does not depend on the assumptions');
  });
});
