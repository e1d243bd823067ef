// The finance workbook: file name, sheets, live settlement formulas whose cached results equal the
// scenario figures, Summary figures, formula-injection safety, frozen/filtered headers, protection,
// and a long register written by the streaming writer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import ExcelJS from 'exceljs';
import { writeWorkbook, SHEETS } from '../../analysis/export/workbook';
import { pricedRenewalRows } from '../../analysis/export/data';
import { buildFixture, disposeFixture, expectedScenarios, EVIL, GAPS, SAVINGS, type Fixture } from './fixture';
import { allFormulas, cellsOf, openXlsx, sheetXml } from './xlsx-xml';

const SCENARIO_ORDER = ['self_review_best', 'self_review_typical', 'audit_negotiated_low', 'audit_negotiated_high', 'audit_no_cooperation_low', 'audit_no_cooperation_high'];

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);
}

function resultOf(v: ExcelJS.CellValue): number {
  assert.ok(v && typeof v === 'object' && 'formula' in v, `expected a formula cell, got ${JSON.stringify(v)}`);
  return Number((v as ExcelJS.CellFormulaValue).result);
}

describe('finance workbook', () => {
  let fx: Fixture;
  let path: string;
  let wb: ExcelJS.Workbook;

  before(async () => {
    fx = await buildFixture();
    path = await writeWorkbook(fx.db, fx.settings, join(fx.dir, 'exports'));
    wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path);
  });
  after(() => disposeFixture(fx));

  it('is named after the client and the review date and holds the nine sheets in order', () => {
    assert.equal(basename(path), 'Contoso-Engineering_2026-09-30_quarterly-review.xlsx');
    assert.deepEqual(wb.worksheets.map((w) => w.name), [...SHEETS]);
    assert.deepEqual([...SHEETS], ['Summary', 'Reclamation', 'Gap Register', 'Optimisation', 'Renewal', 'Settlement', 'Assumptions', 'Data Quality', 'Decisions']);
  });

  it('lists every gap line with units, prices and months in the Gap Register', () => {
    const ws = wb.getWorksheet('Gap Register')!;
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    const col = (h: string) => header.indexOf(h) + 1;
    const byId = new Map<string, ExcelJS.Row>();
    ws.eachRow((r, n) => { if (n > 1) byId.set(String(r.getCell(1).value), r); });
    assert.equal(byId.size, GAPS.length);
    for (const g of GAPS) {
      const r = byId.get(g.id)!;
      assert.equal(r.getCell(col('Units')).value, g.units, g.id);
      assert.equal(r.getCell(col('Unit price (a year)')).value, g.price, g.id);
      assert.equal(r.getCell(col('List price (a year)')).value, g.list_price ?? g.price, `${g.id} list price falls back to price`);
      assert.equal(r.getCell(col('Months exposed')).value, g.months, g.id);
      const first = r.getCell(col('First seen')).value as Date;
      assert.equal(first.toISOString().slice(0, 10), g.first_seen, `${g.id} first seen is a real date`);
    }
    assert.match(String(ws.getCell('H2').numFmt), /\$/, 'unit price carries the currency format');
    // Annual value is live (units × unit price), so a corrected line moves the Summary and Settlement totals.
    ws.eachRow((r, n) => {
      if (n === 1) return;
      const v = r.getCell(col('Annual value')).value as ExcelJS.CellFormulaValue;
      assert.equal(v.formula, `G${n}*H${n}`);
      assert.equal(header[6], 'Units');
      assert.equal(header[7], 'Unit price (a year)');
      close(Number(v.result), Number(r.getCell(col('Units')).value) * Number(r.getCell(col('Unit price (a year)')).value), `row ${n} annual value`);
    });
  });

  it('computes the six settlement scenarios with live formulas whose cached results equal the figures', () => {
    const ws = wb.getWorksheet('Settlement')!;
    const expected = expectedScenarios(fx.settings);
    SCENARIO_ORDER.forEach((k, i) => {
      const v = ws.getCell(`C${i + 2}`).value as ExcelJS.CellFormulaValue;
      assert.match(v.formula, /SUMPRODUCT\('Gap Register'!\$G\$2:\$G\$8/, `${k} reads the Gap Register units`);
      close(resultOf(v), expected[k]!, k);
    });
    assert.match((ws.getCell('C3').value as ExcelJS.CellFormulaValue).formula, /Negotiated_back_period_rate/);
    assert.match((ws.getCell('C4').value as ExcelJS.CellFormulaValue).formula, /Audit_settlement_rate_low/);
    assert.match((ws.getCell('C7').value as ExcelJS.CellFormulaValue).formula, /No_cooperation_loading_high/);
    // The names point at the labelled assumption cells holding the settings' values.
    const names = wb.definedNames.model as { name: string; ranges: string[] }[];
    const neg = names.find((n) => n.name === 'Negotiated_back_period_rate');
    assert.deepEqual(neg?.ranges, ['Assumptions!$B$2']);
    const asm = wb.getWorksheet('Assumptions')!;
    assert.equal(asm.getCell('A2').value, 'Negotiated back-period rate');
    assert.equal(asm.getCell('B2').value, fx.settings.scenario.negotiated_back_period_rate);
    assert.equal(asm.getCell('B6').value, fx.settings.scenario.no_cooperation_loading_high);
  });

  it('gives the CFO savings by lever, seats to buy and the scenarios on the Summary, as formulas over the sheets', () => {
    const ws = wb.getWorksheet('Summary')!;
    const rowOf = (label: string) => {
      let found = 0;
      ws.eachRow((r, n) => { if (String(r.getCell(1).value).trim() === label) found = n; });
      assert.ok(found, `Summary has a "${label}" row`);
      return ws.getRow(found);
    };
    const counted = SAVINGS.filter((s) => s.counted);
    const total = rowOf('Total savings');
    close(resultOf(total.getCell(4).value), counted.reduce((a, s) => a + s.value, 0), 'total savings');
    assert.equal(resultOf(total.getCell(3).value), counted.reduce((a, s) => a + s.units, 0));
    const dormant = rowOf('Dormant user');
    assert.match((dormant.getCell(4).value as ExcelJS.CellFormulaValue).formula, /SUMIFS\(Reclamation!/);
    close(resultOf(dormant.getCell(4).value), SAVINGS.filter((s) => s.type === 'dormant_user').reduce((a, s) => a + s.value, 0), 'dormant savings');
    const seats = rowOf('Seats to buy (gap units)');
    assert.equal(resultOf(seats.getCell(3).value), GAPS.reduce((a, g) => a + g.units, 0));
    const best = rowOf('Self-review, best case');
    assert.equal((best.getCell(4).value as ExcelJS.CellFormulaValue).formula, 'Settlement!$C$2');
    close(resultOf(best.getCell(4).value), expectedScenarios(fx.settings).self_review_best!, 'summary best case');
    assert.equal(ws.getCell('B3').value, 'Contoso Engineering');
  });

  it('lists every finding on the Decisions sheet, decided ones first, so finance can fill in the rest', async () => {
    const ws = wb.getWorksheet('Decisions')!;
    const ids: string[] = [];
    const actions: unknown[] = [];
    ws.eachRow((r, n) => {
      if (n === 1) return;
      ids.push(String(r.getCell(1).value));
      actions.push(r.getCell(6).value);
    });
    const findings = await fx.db.all<{ finding_id: string }>('SELECT finding_id FROM findings');
    const orphans = await fx.db.all<{ finding_id: string }>('SELECT finding_id FROM decisions WHERE finding_id NOT IN (SELECT finding_id FROM findings)');
    assert.equal(new Set(ids).size, ids.length, 'one row per finding');
    assert.deepEqual([...ids].sort(), [...findings, ...orphans].map((f) => f.finding_id).sort());
    const decided = actions.filter((a) => a !== null && a !== undefined && a !== '').length;
    assert.ok(decided >= 1 && decided < ids.length, 'decided and open findings are both listed');
    assert.ok(actions.slice(0, decided).every((a) => a), 'decided rows come first');
    // The Action column offers the app's actions as a list to pick from.
    const xml = await sheetXml(await openXlsx(path), 'Decisions');
    assert.match(xml, new RegExp(`<dataValidation type="list"[^>]*sqref="F2:F${ids.length + 1}"><formula1>&quot;Reclaim,Keep,Buy,Remediate,Dispute,Investigate,Accept,Reject&quot;</formula1>`));
  });

  it('writes client text that looks like a formula as text, never as a formula', async () => {
    const zip = await openXlsx(path);
    for (const sheet of ['Gap Register', 'Reclamation', 'Decisions', 'Data Quality']) {
      const cells = await cellsOf(zip, sheet);
      for (const c of cells) if (c.text !== null) assert.equal(c.formula, null, `${sheet}!${c.ref}`);
    }
    const gap = await cellsOf(zip, 'Gap Register');
    for (const evil of [EVIL.hyperlink, EVIL.plus, EVIL.minus]) {
      const hits = gap.filter((c) => c.text === evil);
      assert.ok(hits.length >= 1, `${evil} is in the Gap Register as text`);
      for (const h of hits) {
        assert.ok(['s', 'str', 'inlineStr'].includes(h.type ?? ''), `${evil} at ${h.ref} is a string cell (t=${h.type})`);
        assert.equal(h.formula, null);
      }
    }
    const recl = await cellsOf(zip, 'Reclamation');
    assert.ok(recl.some((c) => c.text === EVIL.at && c.formula === null), '@SUM(A1) stays text');
    const dec = await cellsOf(zip, 'Decisions');
    assert.ok(dec.some((c) => c.text === EVIL.plus), 'a decision owner "+SUM(1,2)" stays text');
    // No formula anywhere carries client text: formulas are built from our labels and cell references only.
    const formulas = await allFormulas(zip);
    assert.ok(formulas.length >= 20, 'the workbook has its own formulas');
    const clientText = [...Object.values(EVIL), 'evil.example', 'HYPERLINK', 'contoso.com', 'usage-report.csv', 'cmd|'];
    for (const f of formulas) {
      for (const t of clientText) assert.ok(!f.formula.includes(t), `${f.sheet}!${f.ref} formula ${f.formula} contains client text ${t}`);
    }
  });

  it('freezes header rows, filters the registers and formats money in the engagement currency', async () => {
    const zip = await openXlsx(path);
    const gap = await sheetXml(zip, 'Gap Register');
    assert.match(gap, /<pane [^>]*ySplit="1"[^>]*state="frozen"/);
    assert.match(gap, /<autoFilter ref="A1:S1"\/>/);
    assert.match(await sheetXml(zip, 'Reclamation'), /<autoFilter ref="A1:Q1"\/>/);
    const styles = await zip.file('xl/styles.xml')!.async('string');
    assert.match(styles, /formatCode="&quot;\$&quot;#,##0\.00/);
    // <col min max width>: adjacent columns of equal width share one element.
    const widths: number[] = [];
    for (const m of gap.matchAll(/<col min="(\d+)" max="(\d+)" width="([\d.]+)"/g)) for (let c = Number(m[1]); c <= Number(m[2]); c++) widths.push(Number(m[3]));
    assert.equal(widths.length, 19);
    // The last column finds each finding's row on the Decisions sheet by its ID: hidden, read by the decision columns.
    assert.match(gap, /<col min="19" max="19" width="[\d.]+" hidden="1"/);
    assert.match(gap, /<c r="O2"[^>]*><f>IF\(\$S2=0,/);
    assert.match(gap, /<c r="S2"[^>]*><f>IFERROR\(MATCH\(\$A2,Decisions!\$A:\$A,0\),0\)<\/f>/);
    assert.ok(widths.every((w) => w >= 8 && w <= 70), `column widths fit: ${widths.join(',')}`);
  });

  it('costs each renewal line at its unit price with live formulas, and totals the renewal on the Summary', async () => {
    const ws = wb.getWorksheet('Renewal')!;
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    const col = (h: string) => header.indexOf(h) + 1;
    assert.deepEqual(header.slice(11, 16), ['Target quantity', 'Unit price (a seat a year; Flex: a token)', 'Annual cost now', 'Annual cost at target', 'Change']);
    const byLine = new Map<string, ExcelJS.Row>();
    ws.eachRow((r, n) => { if (n > 1) byLine.set(String(r.getCell(1).value), r); });
    const line = (code: string) => byLine.get(code) ?? assert.fail(`no ${code} line`);
    // Seats and target × unit price, live: a target finance edits moves the line's cost.
    const rvt = line('RVT');
    const n = rvt.number;
    assert.equal(rvt.getCell(col('Unit price (a seat a year; Flex: a token)')).value, 2985);
    assert.equal((rvt.getCell(col('Annual cost now')).value as ExcelJS.CellFormulaValue).formula, `IF(M${n}="","",E${n}*M${n})`);
    assert.equal((rvt.getCell(col('Annual cost at target')).value as ExcelJS.CellFormulaValue).formula, `IF(M${n}="","",L${n}*M${n})`);
    close(resultOf(rvt.getCell(col('Annual cost now')).value), 12 * 2985, 'RVT now');
    close(resultOf(rvt.getCell(col('Change')).value), 2 * 2985, 'RVT change');
    // A Flex pool is counted in tokens a year, costed at the Flex token price.
    const flex = line('FLEX');
    assert.equal(flex.getCell(col('Counted in')).value, 'tokens a year');
    assert.equal(rvt.getCell(col('Counted in')).value, 'seats');
    close(resultOf(flex.getCell(col('Annual cost at target')).value), 6300 * fx.settings.flex_token_price, 'Flex at target');
    // A line the review had no price for is blank, not a cost of 0.
    const acd = line('ACD');
    assert.equal(acd.getCell(col('Unit price (a seat a year; Flex: a token)')).value, null);
    assert.notEqual(typeof (acd.getCell(col('Annual cost now')).value as ExcelJS.CellFormulaValue).result, 'number', 'no cached 0');
    // The Summary sums the Renewal sheet's cost columns and says which lines are left out.
    const sum = wb.getWorksheet('Summary')!;
    const rowOf = (label: string) => { let at = 0; sum.eachRow((r, k) => { if (String(r.getCell(1).value).trim() === label) at = k; }); return at || assert.fail(`no "${label}" row`); };
    const now = 40 * 3810 + 12 * 2985 + 5000 * fx.settings.flex_token_price;
    const target = 33 * 3810 + 14 * 2985 + 6300 * fx.settings.flex_token_price;
    const cell = (label: string) => sum.getCell(`D${rowOf(label)}`).value as ExcelJS.CellFormulaValue;
    assert.equal(cell('At the current seats').formula, "SUM(Renewal!$N$2:$N$5)");
    close(resultOf(cell('At the current seats')), now, 'renewal now');
    close(resultOf(cell('At the renewal targets')), target, 'renewal at targets');
    close(resultOf(cell('Change at renewal')), target - now, 'renewal change');
    // Live: a price entered on the Renewal sheet takes the line off the note.
    let note: unknown = null;
    sum.eachRow((r) => { const v = r.getCell(1).value as ExcelJS.CellFormulaValue | null; if (v?.formula?.includes('COUNTBLANK(Renewal!$M$2:$M$5)')) note = v.result; });
    assert.equal(note, '1 line without a unit price is left out: enter a price on the Renewal sheet to cost it.');
    // The Flex pool's tokens are priced at the Assumptions sheet's Flex token price, a yellow input.
    assert.equal((flex.getCell(col('Unit price (a seat a year; Flex: a token)')).value as ExcelJS.CellFormulaValue).formula, 'Flex_token_price');
    const asm = wb.getWorksheet('Assumptions')!;
    assert.equal(asm.getCell('A7').value, 'Flex token price (a token)');
    assert.equal(asm.getCell('B7').value, fx.settings.flex_token_price);
    // Assignments and denials only where they apply: a Flex pool has neither, a Named User line no denials.
    assert.deepEqual([flex.getCell(col('Active assignments')).value, flex.getCell(col('True denials')).value, rvt.getCell(col('True denials')).value], [null, null, null]);
    // A token pool whose usage names no users has no user count, not 0 users.
    assert.equal(flex.getCell(col('Active users')).value, null);
    assert.equal(rvt.getCell(col('Active assignments')).value, 12);
    // What finance is told to edit is yellow, as the Assumptions inputs are: the target and the unit price, not the
    // figures computed from them.
    const yellow = (c: ExcelJS.Cell) => (c.fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb === 'FFFFF2CC';
    assert.ok(yellow(asm.getCell('B7')), 'the Assumptions inputs are yellow');
    for (const r of [rvt, flex]) {
      assert.ok(yellow(r.getCell(col('Target quantity'))) && yellow(r.getCell(col('Unit price (a seat a year; Flex: a token)'))), `${String(r.getCell(1).value)}: inputs yellow`);
      assert.ok(!yellow(r.getCell(col('Annual cost at target'))) && !yellow(r.getCell(col('Seats'))), `${String(r.getCell(1).value)}: computed cells are not`);
    }
  });

  it("leaves a Flex pool whose tokens bought are unknown uncosted, not costed at 0, and costs one at its line's own token price", async () => {
    await fx.db.run(`UPDATE renewal_brief SET seats = 0 WHERE line = 'FLEX'`);
    try {
      const flex = (await pricedRenewalRows(fx.db, fx.settings.flex_token_price)).find((p) => p.r.line === 'FLEX')!;
      assert.equal(flex.price, null);
    } finally {
      await fx.db.run(`UPDATE renewal_brief SET seats = 5000 WHERE line = 'FLEX'`);
    }
    // A pool whose subscription line gives its token price is costed at it, not linked to the setting.
    const flexOf = async () => (await pricedRenewalRows(fx.db, fx.settings.flex_token_price)).find((p) => p.r.line === 'FLEX')!;
    assert.deepEqual([(await flexOf()).price, (await flexOf()).tokenSetting], [fx.settings.flex_token_price, true]);
    await fx.db.run(`INSERT INTO review_prices VALUES ('FLEX', NULL, 'Autodesk Flex', 2.5, 2.5, NULL, 'subscription line', 'subscription line')`);
    try {
      assert.deepEqual([(await flexOf()).price, (await flexOf()).tokenSetting], [2.5, undefined]);
    } finally {
      await fx.db.run(`DELETE FROM review_prices WHERE code = 'FLEX'`);
    }
  });

  it("leaves the Summary's view unfrozen (it has no header row) and freezes the registers' header", async () => {
    const zip = await openXlsx(path);
    const summary = await sheetXml(zip, 'Summary');
    assert.doesNotMatch(summary, /state="frozen"/, 'a frozen pane without a split is malformed');
    assert.match(await sheetXml(zip, 'Renewal'), /<pane [^>]*ySplit="1"[^>]*state="frozen"/);
  });

  it('protects every sheet of the evidence-pack copy', async () => {
    const p = await writeWorkbook(fx.db, fx.settings, join(fx.dir, 'pack-copy'), { protect: true });
    const zip = await openXlsx(p);
    for (const s of SHEETS) assert.match(await sheetXml(zip, s), /<sheetProtection [^>]*sheet="1"/, `${s} is protected`);
    const plain = await openXlsx(path);
    assert.doesNotMatch(await sheetXml(plain, 'Gap Register'), /<sheetProtection/);
    // The locked copy's decisions are plain values (nothing there can change them): no lookups, read by any tool.
    const packGap = await sheetXml(zip, 'Gap Register');
    assert.doesNotMatch(packGap, /INDEX\(Decisions|MATCH\(/);
    assert.match(packGap, /<autoFilter ref="A1:R1"\/>/);
    assert.ok((await cellsOf(zip, 'Gap Register')).some((c) => c.text === 'Buy'), 'the decision as a value');
    // The locked copy does not tell its reader to change cells they cannot change.
    for (const s of ['Summary', 'Assumptions'] as const) {
      const texts = (await cellsOf(zip, s)).map((c) => c.text ?? '');
      assert.ok(!texts.some((t) => /^(Change the yellow cells|Yellow cells are inputs)/.test(t)), `${s} of the pack copy`);
      assert.ok(texts.some((t) => t.startsWith('The yellow cells hold the settlement assumptions this review used. This copy, in the evidence pack, is read-only')), s);
      assert.ok((await cellsOf(plain, s)).some((c) => /^(Change the yellow cells|Yellow cells are inputs)/.test(c.text ?? '')), `${s} of the analyst's workbook invites changes`);
    }
  });

  it("lists on Data Quality how files were read where it matters (dates' order, decimal mark), as the app shows beside them", async () => {
    const note = 'no date in the file settles whether its slash dates are month or day first; they were read month first (M/D/YYYY, as Autodesk writes them): "01/09/2026" was read as 9 January 2026, which day first would be 1 September 2026; check one against the source';
    await fx.db.run('UPDATE sources SET notes = $1 WHERE source_id = 1', [JSON.stringify(['encoding utf-8', 'delimiter ;', note])]);
    try {
      const p = await writeWorkbook(fx.db, fx.settings, join(fx.dir, 'exports-notes'));
      const book = new ExcelJS.Workbook();
      await book.xlsx.readFile(p);
      const rows: string[][] = [];
      book.getWorksheet('Data Quality')!.eachRow((r) => rows.push([String(r.getCell(1).value ?? ''), String(r.getCell(2).value ?? '')]));
      const head = rows.findIndex((r) => r[0]!.startsWith('How files were read: check these against the source (1)'));
      assert.ok(head > 0, rows.map((r) => r[0]).join(' | '));
      const file = (await fx.db.one<{ file: string }>('SELECT file FROM sources WHERE source_id = 1'))!.file;
      assert.deepEqual(rows[head + 2], [file, note], 'the note, not the encoding or delimiter');
    } finally {
      await fx.db.run('UPDATE sources SET notes = NULL WHERE source_id = 1');
    }
  });

  it('uses the currency of the engagement', async () => {
    const eur = await buildFixture({ currency: 'EUR', client: 'Müller & Söhne Straßenbau GmbH / Köln' });
    try {
      const p = await writeWorkbook(eur.db, eur.settings, join(eur.dir, 'x'));
      assert.equal(basename(p), 'Muller-Sohne-Strassenbau-GmbH-Koln_2026-09-30_quarterly-review.xlsx');
      const styles = await (await openXlsx(p)).file('xl/styles.xml')!.async('string');
      assert.match(styles, /formatCode="&quot;€&quot;#,##0\.00/);
    } finally {
      disposeFixture(eur);
    }
  });
});

describe('a long gap register', () => {
  it('streams 20,000 lines and still totals them exactly', async () => {
    const fx = await buildFixture();
    try {
      const N = 20000;
      await fx.db.run(`INSERT INTO findings (finding_id, type, family, severity, "user", product, offering, units, annual_value, price, list_price, months, first_seen, last_seen, evidence_count, counted_in_savings)
        SELECT 'B-' || lpad(CAST(i AS VARCHAR), 6, '0'), 'unassigned_usage', 'gap', 'high', 'user' || i || '@contoso.com', 'RVT', 'RVT', 1 + (i % 3), (1 + (i % 3)) * 2985, 2985, 3100, 1 + (i % 24), DATE '2024-10-01', DATE '2026-09-01', 1, false
        FROM range(${N}) t(i)`);
      const started = Date.now();
      const p = await writeWorkbook(fx.db, fx.settings, join(fx.dir, 'big'));
      const secs = (Date.now() - started) / 1000;
      const zip = await openXlsx(p);
      const xml = await sheetXml(zip, 'Gap Register');
      assert.equal((xml.match(/<row /g) ?? []).length, N + GAPS.length + 1, 'every line plus the header');
      const settlement = await cellsOf(zip, 'Settlement');
      const best = settlement.find((c) => c.ref === 'C2')!;
      assert.match(best.formula!, new RegExp(`\\$G\\$2:\\$G\\$${N + GAPS.length + 1}`));
      let expected = GAPS.reduce((a, g) => a + g.units * g.price, 0);
      for (let i = 0; i < N; i++) expected += (1 + (i % 3)) * 2985;
      close(Number(best.value), expected, 'best case over 20,000 lines');
      assert.ok(secs < 45, `took ${secs}s`);
    } finally {
      disposeFixture(fx);
    }
  });
});
