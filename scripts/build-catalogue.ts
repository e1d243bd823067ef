// Generates assets/catalogue.json (DATA-CONTRACT §2) from the product line codes already in it (bootstrapped
// from shared/fixtures/product-line-codes.csv) plus the enrichment tables below: aliases, FlexNet feature stems,
// function groups, collections and prices. Idempotent: rerunning gives the same file.
// Usage: npx tsx scripts/build-catalogue.ts [product-line-codes.csv]
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { CatalogueFileSchema, type CatalogueEntry, type CatalogueFile } from '../analysis/catalogue/catalogue';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'assets', 'catalogue.json');

/** Date the estimates below were compiled; an analyst replaces figures per engagement. */
const ESTIMATE_DATE = '2026-11-28';
const ESTIMATE = 'estimate';
const CONTRACT_SOURCE = 'LRT Workbench DATA-CONTRACT.md §1.6 / RULES.md default price (RVT annual 2985, Flex 10 tokens/day)';
const CONTRACT_DATE = '2026-09-30';

/** Products absent from the fixture list that current exports and FlexNet logs name. */
const EXTRA_PRODUCTS: Array<Pick<CatalogueEntry, 'code' | 'name'>> = [
  { code: 'IDSS', name: 'Infrastructure Design Suite Standard' },
  { code: 'ARNOL', name: 'Arnold' },
  { code: 'FCMPLH', name: 'FeatureCAM - Premium - license holder' },
  { code: 'FCMSLH', name: 'FeatureCAM - Standard - license holder' },
  // Token packs appear as a subscription line ("Flex"); products used under Flex are charged per product.
  { code: 'FLEX', name: 'Autodesk Flex' },
];

const ALIASES: Record<string, string[]> = {
  ACD: ['AutoCAD - including specialized toolsets', 'AutoCAD including specialized toolsets', 'AutoCAD Including Specialized Toolsets', 'Autodesk AutoCAD', 'AutoCAD Full', 'ACAD'],
  ACDLT: ['Autodesk AutoCAD LT', 'AutoCAD LT Subscription'],
  RVT: ['Autodesk Revit', 'Revit Subscription'],
  RVTLT: ['Autodesk Revit LT'],
  CIV3D: ['Civil 3D', 'Autodesk Civil 3D'],
  INVPROSA: ['Autodesk Inventor Professional', 'Inventor Pro'],
  NAVMAN: ['Navisworks', 'Autodesk Navisworks Manage'],
  NAVSIM: ['Autodesk Navisworks Simulate'],
  '3DSMAX': ['Autodesk 3ds Max', '3dsMax', '3D Studio Max'],
  MAYA: ['Autodesk Maya'],
  F360PRO: ['Fusion', 'Fusion 360', 'Autodesk Fusion', 'Autodesk Fusion 360', 'FUSION', 'F360', 'Fusion 360 Ultimate'],
  VLTM: ['Vault', 'Autodesk Vault Professional', 'Vault Pro'],
  VLTWG: ['Autodesk Vault Workgroup'],
  INVNTOR: ['Autodesk Inventor'],
  INFMDR: ['InfraWorks 360'],
  RECAP: ['ReCap', 'Autodesk ReCap Pro'],
  MAP: ['Map 3D', 'AutoCAD Map 3D Enterprise'],
  COLLRVT: ['BIM Collaborate Pro', 'BIM 360 Design', 'Collaboration for Revit'],
  ARNOL: ['Autodesk Arnold', 'Arnold Renderer'],
  FLEX: ['Flex', 'Flex tokens', 'Token Flex', 'Autodesk Flex tokens'],
};

/** FlexNet feature stems other than the product line code itself (e.g. 85850MAP3DE_2012_0F is Map 3D Enterprise). */
const STEMS: Record<string, string[]> = {
  MAP: ['MAP3DE'],
  ACAD_E: ['ACAD'],
  AMECH_PP: ['AMECH'],
  MAXDES: [],
  F360PRO: ['F360', 'FUSION'],
  ARNOL: ['ARNOL', 'ARNOLD'],
};

const GROUPS: Record<string, string> = {
  ACD: 'cad2d', ACDLT: 'cad2d', ACDMAC: 'cad2d', ACDLTM: 'cad2d', ACDLAND: 'civil',
  ARCHDESK: 'arch_toolset', BLDSYS: 'mep_toolset', ACAD_E: 'elec_cad', ECSCAD: 'elec_cad', AMECH_PP: 'mech_toolset',
  MAP: 'gis', PLNT3D: 'plant', PNID: 'plant', ARDES: 'raster', UTLDESN: 'utility_design', STRDET: 'structure_detailing',
  RVT: 'bim', RVTLT: 'bim', REVIT: 'bim', REVITST: 'bim', RVTMPB: 'bim', RVTMPJ: 'bim', RAVS: 'bim', REVITS: 'bim',
  REVSU: 'bim', REVSYP: 'bim', BDSADV: 'bim', BDSS: 'bim', LIVE: 'viz',
  CIV3D: 'civil', CIVIL: 'civil', IDSP: 'civil', IDSS: 'civil', INFMDR: 'infra_planning', IW360P: 'infra_planning',
  VEHTRK: 'civil_analysis', RFAMOD: 'civil_analysis', GEOMOD: 'civil_analysis', BRDGMD: 'civil_analysis', SBRDES: 'structure_analysis',
  ADTRPVR: 'civil', ADTRPVSR: 'civil', LDXSP: 'infra_planning',
  RSA: 'structure_analysis', RSAPRO: 'structure_analysis', ADSTPR: 'steel_detailing', ADSTCP: 'concrete_detailing', ASPACD: 'steel_detailing',
  CADMEP: 'fabrication', CAMDCT: 'fabrication', ESTMEP: 'fabrication',
  NAVMAN: 'collab', NAVSIM: 'collab', NAVREV: 'collab', COLLRVT: 'collab', AQTO: 'quantity',
  INVPROSA: 'mcad', INVNTOR: 'mcad', INVLT: 'mcad', INVLTS: 'mcad', INVPRO: 'mcad', INVPROSIM: 'mcad', INVBUN: 'mcad', INVETO: 'mcad_config',
  F360PRO: 'mcad_cloud', INVPUB: 'tech_docs', FDU: 'factory', FDSADV: 'factory', FDSPRM: 'factory',
  PDSP: 'mcad', PDSS: 'mcad', PDSU: 'mcad', TSPRHN: 'mcad',
  INHSMP: 'cam', INVHSM: 'cam', HSMPRM: 'cam', HSMULT: 'cam', FCAMP: 'cam', FCAMS: 'cam', FCAMU: 'cam', FCMPLH: 'cam', FCMSLH: 'cam', FCMULH: 'cam',
  PMAKER: 'cam', PWRMP: 'cam', PWRMS: 'cam', PWRMU: 'cam', PMPLHD: 'cam', PMSLHD: 'cam', PMULHD: 'cam', PWRMMOD: 'cam', TNNUINV: 'cam',
  PWRSP: 'cad_surface', PWRSS: 'cad_surface', PWSPLH: 'cad_surface', PWSULH: 'cad_surface', PWIPLH: 'inspection', PWIULH: 'inspection',
  NINCAD: 'sim', ASMES: 'sim', ASPRO: 'sim', SCFD: 'sim_cfd', SCFDA: 'sim_cfd', SCFDM: 'sim_cfd', SCDSE: 'sim_cfd', SCFDNX: 'sim_cfd', SCFDP: 'sim_cfd', SCPROE: 'sim_cfd',
  ACMPAN: 'sim_composite', ACMPDS: 'sim_composite', PLC0000023: 'sim', MFCD: 'sim_mold',
  MFAA: 'sim_mold', MFAM: 'sim_mold', MFDL: 'sim_mold', MFIA: 'sim_mold', MFIAT: 'sim_mold', MFIB: 'sim_mold', MFIP: 'sim_mold', MFS: 'sim_mold', MFST: 'sim_mold', SIMDFM: 'sim_mold',
  NETFA: 'additive', NETFE: 'additive', NTFABLS: 'additive', MFGDEXUTLP: 'data', MFGPPUTL: 'cam',
  EGLPRM: 'ecad',
  ADKVRD: 'viz', VRDDES: 'viz', VRDPRO: 'viz', VRDPRS: 'viz', VRDSRV: 'viz', RCMVRD: 'viz', DCMVRD: 'viz', SHOWCASE: 'viz', SHOWPRO: 'viz', OSPRO: 'viz', STNGRAY: 'viz',
  ALAUST: 'industrial_design', ALSSF: 'industrial_design', AUTOST: 'industrial_design', DESNST: 'industrial_design', SURFST: 'industrial_design', ALSK: 'sketch', SBPNL: 'sketch',
  '3DSMAX': 'media', MAXDES: 'media', '3DSMXS': 'media', MAYA: 'media', MAYAIO: 'media', SFTIM: 'media', SFTIMA: 'media', MOBPRO: 'animation', MBXPRO: 'sculpt', ARNOL: 'render',
  A250: 'finishing', A350: 'finishing', A400: 'finishing', C300: 'finishing', K100: 'finishing', LSTRSR: 'finishing', WTGTWY: 'finishing', STUWAL: 'finishing',
  VLTM: 'data', VLTWG: 'data', VLTC: 'data', VLTEAD: 'data', PCOFFI: 'data', PCEASY: 'data', PCPRO: 'data',
  FLEX: 'flex', RECAP: 'reality', MMNTO: 'reality', FORMIT: 'concept', DYNSTD: 'visual_programming', ECOA: 'analysis_energy', PNTLAY: 'layout', WTHNLBS: 'additive',
};

/** [annual, flex tokens/day]; list_annual = annual (public list prices). All estimates except RVT. */
const PRICES: Record<string, [number, number | null]> = {
  ACD: [2030, 7], ACDMAC: [2030, 7], ACDLT: [615, 3], ACDLTM: [615, 3],
  ARCHDESK: [2030, 7], BLDSYS: [2030, 7], ACAD_E: [2030, 7], AMECH_PP: [2030, 7], MAP: [2030, 7], PLNT3D: [2030, 7], PNID: [2030, 7],
  ARDES: [2030, 7], UTLDESN: [2030, 7],
  RVTLT: [550, 3], CIV3D: [2995, 10], INVPROSA: [2865, 9], INVNTOR: [2540, 8], NAVMAN: [2975, 9], NAVSIM: [1460, 5],
  '3DSMAX': [1975, 8], MAYA: [1975, 8], MOBPRO: [1975, 8], MBXPRO: [95, null], ARNOL: [420, null],
  F360PRO: [680, null], INFMDR: [955, 6], IW360P: [955, 6], RECAP: [405, 3], ADSTPR: [2760, 8], RSAPRO: [3300, 9],
  VEHTRK: [1200, null], FORMIT: [150, null], VLTM: [2130, 5], VLTWG: [1300, null], VRDDES: [3330, null], VRDPRO: [7600, null],
  NINCAD: [2390, null], FDU: [1100, null], CADMEP: [2150, null], SBRDES: [1950, null],
};

const COLLECTIONS: Array<{ code: string; name: string; aliases: string[]; stems: string[]; members: string[]; annual: number }> = [
  {
    code: 'AECCOL', name: 'Architecture Engineering & Construction Collection', annual: 3810,
    aliases: ['Autodesk AEC Collection', 'AEC Collection', 'Architecture, Engineering & Construction Collection', 'Architecture Engineering and Construction Collection', 'AEC Collection IC', 'AECCOL'],
    stems: ['AECCOL'],
    members: ['ACD', 'ARCHDESK', 'BLDSYS', 'ACAD_E', 'AMECH_PP', 'MAP', 'PLNT3D', 'PNID', 'ARDES', 'UTLDESN', 'RVT', 'REVIT', 'REVITST', 'RVTMPB',
      'CIV3D', 'NAVMAN', '3DSMAX', 'MAXDES', 'INFMDR', 'IW360P', 'ADSTPR', 'RECAP', 'RSAPRO', 'FORMIT', 'DYNSTD', 'VEHTRK', 'SBRDES',
      'CADMEP', 'ESTMEP', 'CAMDCT', 'LIVE', 'GEOMOD', 'RFAMOD', 'BRDGMD'],
  },
  {
    code: 'PDCOLL', name: 'Product Design & Manufacturing Collection', annual: 3340,
    aliases: ['Autodesk Product Design & Manufacturing Collection', 'Product Design and Manufacturing Collection', 'PDM Collection', 'PD&M Collection', 'PDMC'],
    stems: ['PDCOLL'],
    members: ['INVPROSA', 'ACD', 'AMECH_PP', 'ACAD_E', 'ARCHDESK', 'BLDSYS', 'MAP', 'PLNT3D', 'PNID', 'ARDES', 'NAVMAN', '3DSMAX', 'VRDDES',
      'FCAMP', 'FCAMS', 'INFMDR', 'INHSMP', 'NINCAD', 'FDU', 'RECAP', 'VLTWG', 'MFAM', 'INVETO'],
  },
  {
    code: 'MECOLL', name: 'Media & Entertainment Collection', annual: 2290,
    aliases: ['Autodesk Media & Entertainment Collection', 'Media and Entertainment Collection', 'M&E Collection'],
    stems: ['MECOLL'],
    members: ['MAYA', '3DSMAX', 'MOBPRO', 'MBXPRO', 'ARNOL'],
  },
  {
    code: 'RVTLTS', name: 'Revit LT Suite', annual: 660,
    aliases: ['Autodesk Revit LT Suite', 'AutoCAD Revit LT Suite'],
    stems: ['RVTLTS'],
    members: ['RVTLT', 'ACDLT'],
  },
];

function readFixtureCsv(path: string): Array<{ code: string; name: string }> {
  const out: Array<{ code: string; name: string }> = [];
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const m = /^"([^"]*)","([^"]*)"$/.exec(line.trim());
    if (m && m[2] !== 'N/A') out.push({ code: m[1]!, name: m[2]! });
  }
  return out;
}

function build(base: Array<{ code: string; name: string }>): CatalogueFile {
  const seen = new Map<string, { code: string; name: string }>();
  for (const p of [...base, ...EXTRA_PRODUCTS]) if (!seen.has(p.code)) seen.set(p.code, p);
  const entries: CatalogueEntry[] = [];
  for (const { code, name } of [...seen.values()].sort((a, b) => a.code.localeCompare(b.code))) {
    if (COLLECTIONS.some((c) => c.code === code)) continue;
    const price = PRICES[code];
    const contract = code === 'RVT';
    const annual = contract ? 2985 : price ? price[0] : null;
    const flex = contract ? 10 : price ? price[1] : null;
    const priced = annual !== null || flex !== null;
    entries.push({
      code, name, kind: 'product',
      aliases: ALIASES[code] ?? [],
      feature_stems: STEMS[code] ?? [],
      function_group: GROUPS[code] ?? 'other',
      annual, list_annual: annual, flex_tokens_per_day: flex, members: [],
      source: contract ? CONTRACT_SOURCE : ESTIMATE,
      source_date: priced ? (contract ? CONTRACT_DATE : ESTIMATE_DATE) : '',
    });
  }
  for (const c of COLLECTIONS) {
    entries.push({
      code: c.code, name: c.name, kind: 'collection', aliases: c.aliases, feature_stems: c.stems,
      function_group: 'collection', annual: c.annual, list_annual: c.annual, flex_tokens_per_day: null,
      members: c.members, source: ESTIMATE, source_date: ESTIMATE_DATE,
    });
  }
  const codes = new Set(entries.map((e) => e.code));
  for (const c of COLLECTIONS) for (const m of c.members) if (!codes.has(m)) throw new Error(`collection ${c.code}: member ${m} is not a catalogue product`);
  return CatalogueFileSchema.parse({
    version: '1.0.0',
    currency: 'USD',
    notes:
      'Price book: annual Named User (1-year subscription) and list prices in USD, Flex tokens per day. Figures with source "estimate" ' +
      'are compiled from memory of Autodesk US list prices and Flex rates, not from a verified document: confirm them against the ' +
      "client's quote before relying on them. RVT follows the DATA-CONTRACT default. The seed article's illustrative cost comparison " +
      'uses $1,940 per licence per year. Collections are not charged in Flex tokens (each member product is). Edit per engagement via ' +
      'engagement.json "prices".',
    entries,
  });
}

const csvArg = process.argv[2];
const base: Array<{ code: string; name: string }> = csvArg
  ? readFixtureCsv(csvArg)
  : existsSync(join(ROOT, '..', 'shared', 'fixtures', 'product-line-codes.csv'))
    ? readFixtureCsv(join(ROOT, '..', 'shared', 'fixtures', 'product-line-codes.csv'))
    : CatalogueFileSchema.parse(JSON.parse(readFileSync(OUT, 'utf8'))).entries.filter((e) => e.kind === 'product');
writeFileSync(OUT, JSON.stringify(build(base), null, 1) + '\n');
console.log(`wrote ${OUT}`);
