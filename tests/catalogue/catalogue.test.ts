// The shipped price book resolves every name a client file can use for a product (DATA-CONTRACT §2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalogue, CatalogueFileSchema } from '../../analysis/catalogue/catalogue';

const FIXTURES = join(process.cwd(), '..', 'shared', 'fixtures');
const cat = loadCatalogue();

function fixtureCodes(): Array<{ code: string; name: string }> {
  const rows: Array<{ code: string; name: string }> = [];
  for (const line of readFileSync(join(FIXTURES, 'product-line-codes.csv'), 'utf8').split(/\r?\n/)) {
    const m = /^"([^"]*)","([^"]*)"$/.exec(line.trim());
    if (m) rows.push({ code: m[1]!, name: m[2]! });
  }
  return rows;
}

test('the shipped catalogue file validates against its schema', () => {
  const raw = JSON.parse(readFileSync(join(process.cwd(), 'assets', 'catalogue.json'), 'utf8')) as unknown;
  const parsed = CatalogueFileSchema.parse(raw);
  const codes = parsed.entries.map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length, 'codes are unique');
});

test('every fixture product line code resolves to itself, and its name to an entry of that name', () => {
  const rows = fixtureCodes();
  assert.ok(rows.length >= 170, `fixture has ${rows.length} rows`);
  for (const { code, name } of rows) {
    assert.equal(cat.resolve(code), code, `code ${code}`);
    if (name === 'N/A') continue;
    const r = cat.resolve(name);
    assert.ok(r, `name ${name} resolves`);
    // Two fixture codes differ only by a leading "Autodesk" (IW360P "InfraWorks", INFMDR "Autodesk InfraWorks", as
    // Autodesk's own Token Flex export writes them): each name as written lands on its own code.
    assert.equal(r, code, `name ${name}`);
  }
});

test('names as exports write them resolve to the product, not a legacy code', () => {
  const cases: Array<[string, string]> = [
    ['Revit', 'RVT'], ['Revit 2025', 'RVT'], ['AutoCAD', 'ACD'], ['AutoCAD 2024', 'ACD'],
    ['AutoCAD - including specialized toolsets', 'ACD'], ['AutoCAD LT', 'ACDLT'], ['Autodesk AutoCAD LT', 'ACDLT'],
    ['Autodesk AEC Collection', 'AECCOL'], ['Architecture Engineering & Construction Collection', 'AECCOL'],
    ['Architecture, Engineering & Construction Collection', 'AECCOL'],
    ['Product Design & Manufacturing Collection', 'PDCOLL'], ['Media & Entertainment Collection', 'MECOLL'],
    ['Revit LT Suite', 'RVTLTS'], ['Fusion', 'F360PRO'], ['Fusion 360', 'F360PRO'], ['Navisworks Manage', 'NAVMAN'],
    ['Vault Professional', 'VLTM'], ['Inventor Professional', 'INVPROSA'], ['Civil 3D', 'CIV3D'], ['3ds Max', '3DSMAX'],
  ];
  for (const [name, code] of cases) assert.equal(cat.resolve(name), code, name);
  assert.equal(cat.resolve('Not An Autodesk Product'), null);
});

test('every FlexNet feature code in the fixture logs resolves to a catalogue entry', () => {
  const dir = join(FIXTURES, 'flexnet');
  const features = new Set<string>();
  for (const f of readdirSync(dir)) {
    const text = readFileSync(join(dir, f), 'utf8');
    // Feature codes: 5-digit prefix, a product stem with at least one letter, an `F` suffix after an underscore.
    for (const m of text.matchAll(/\b\d{5}[A-Z0-9_]*[A-Z][A-Z0-9_]*_[A-Z0-9_]*F\b/g)) features.add(m[0]);
  }
  assert.ok(features.size > 100, `found ${features.size} feature codes`);
  const expected: Record<string, string> = {
    '86815AECCOL_T_F': 'AECCOL', '64300ACD_F': 'ACD', '86718CIV3D_2017_0F': 'CIV3D', '87088ACAD_E_2019_0F': 'ACAD_E',
    '86279AMECH_PP_2015_0F': 'AMECH_PP', '866333DSMAX_2017_0F': '3DSMAX', '85850MAP3DE_2012_0F': 'MAP', '65400MAP_F': 'MAP',
  };
  for (const f of features) {
    const r = cat.resolve(f);
    assert.ok(r, `feature ${f} does not resolve`);
    if (expected[f]) assert.equal(r, expected[f], f);
  }
  for (const f of Object.keys(expected)) assert.ok(features.has(f), `${f} is in the fixture logs`);
});

test('collections list catalogue products and cover their members', () => {
  for (const code of ['AECCOL', 'PDCOLL', 'MECOLL']) {
    const e = cat.get(code);
    assert.ok(e, code);
    assert.equal(e.kind, 'collection');
    assert.ok(e.members.length >= 5, `${code} members`);
    for (const m of e.members) assert.equal(cat.get(m)?.kind, 'product', `${code} member ${m}`);
    assert.ok(e.annual !== null && e.annual > 0, `${code} is priced`);
  }
  const aec = cat.covers('AECCOL');
  for (const m of ['ACD', 'RVT', 'CIV3D', 'NAVMAN', '3DSMAX', 'INFMDR', 'ADSTPR', 'ARCHDESK', 'BLDSYS', 'MAP', 'PLNT3D', 'PNID', 'RECAP', 'RSAPRO', 'ARDES', 'FORMIT', 'DYNSTD', 'VEHTRK']) {
    assert.ok(aec.includes(m), `AECCOL covers ${m}`);
  }
  for (const m of ['INVPROSA', 'ACD', 'AMECH_PP', 'ACAD_E', 'NAVMAN', '3DSMAX', 'VRDDES', 'FCAMP', 'NINCAD']) assert.ok(cat.covers('PDCOLL').includes(m), `PDCOLL covers ${m}`);
  for (const m of ['MAYA', '3DSMAX', 'MOBPRO', 'MBXPRO', 'ARNOL']) assert.ok(cat.covers('MECOLL').includes(m), `MECOLL covers ${m}`);
  assert.ok(!aec.includes('ACDLT'), 'AutoCAD LT is not in the AEC collection');
});

test('AutoCAD and AutoCAD LT share a function group; Revit and Revit LT too; AutoCAD and Revit do not', () => {
  const g = (c: string) => cat.get(c)?.function_group;
  assert.equal(g('ACD'), 'cad2d');
  assert.equal(g('ACD'), g('ACDLT'));
  assert.equal(g('RVT'), g('RVTLT'));
  assert.notEqual(g('ACD'), g('RVT'));
  for (const e of cat.entries()) assert.ok(e.function_group, `${e.code} has a function group`);
});

test('every priced figure carries a source and a date; the main products are priced', () => {
  for (const e of cat.entries()) {
    if (e.annual === null && e.list_annual === null && e.flex_tokens_per_day === null) continue;
    assert.ok(e.source.trim().length > 0, `${e.code} source`);
    assert.match(e.source_date, /^\d{4}-\d{2}-\d{2}$/, `${e.code} source_date`);
  }
  for (const c of ['ACD', 'ACDLT', 'RVT', 'RVTLT', 'CIV3D', 'INVPROSA', 'NAVMAN', '3DSMAX', 'MAYA']) {
    const e = cat.get(c)!;
    assert.ok(e.annual !== null && e.annual > 0, `${c} annual`);
    assert.ok(e.list_annual !== null && e.list_annual >= e.annual, `${c} list`);
  }
  assert.equal(cat.get('RVT')!.annual, 2985);
  assert.equal(cat.get('RVT')!.flex_tokens_per_day, 10);
  assert.equal(cat.get('ACD')!.flex_tokens_per_day, 7);
  // A collection costs more than any one member bought alone, or nobody would buy it.
  for (const code of ['AECCOL', 'PDCOLL', 'MECOLL']) {
    const col = cat.get(code)!;
    for (const m of col.members) {
      const p = cat.get(m)!.annual;
      if (p !== null) assert.ok(col.annual! > p, `${code} vs ${m}`);
    }
  }
});
