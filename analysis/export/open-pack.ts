// Auditor mode: opens an evidence pack read-only. It verifies first (hashes and signature) and then
// reads summary.json, findings.csv and report.html from the payload; nothing here writes to the pack.
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { packedSourceNames } from './file-names';
import { MANIFEST, parseManifest } from './bagit';
import { FindingSchema, SummarySchema, familyOf, FindingTypeSchema, FINDINGS_CSV_COLUMNS, type Finding, type Summary } from '../model';
import { verifyPack, type VerifyResult } from './verify';
import { readTextRecords } from '../ingest/text-reader';
import { readXlsx } from '../ingest/xlsx';
import { DEFAULT_LIMITS } from '../ingest/limits';
import { EVIDENCE_CSV_HEADER } from './evidence-csv';
import { lineWithHeader } from '../ingest/source-line';

/** Files larger than this are not loaded into the viewer (they stay in the pack). */
const MAX_VIEW_BYTES = 64 * 1024 * 1024;

export interface PackDecision {
  finding_id: string;
  action: string;
  owner: string | null;
  due_date: string | null;
  justification: string | null;
}

export interface OpenedPack {
  verify: VerifyResult;
  summary: Summary | null;
  findings: Finding[];
  report_html: string | null;
  decisions: PackDecision[];
  /** What an auditor must know beside "verified": see packNotes. */
  notes: string[];
}

/** A regular file of the pack (never a link: a pack may come from anywhere), when small enough to show. */
function plainFile(path: string): boolean {
  if (!existsSync(path)) return false;
  const st = lstatSync(path);
  return st.isFile() && st.size <= MAX_VIEW_BYTES;
}

function readSmall(path: string): string | null {
  return plainFile(path) ? readFileSync(path, 'utf8') : null;
}

/** The CSV-injection apostrophe the pack writer adds, undone for reading. */
const unguard = (field: string) => (/^'[=+\-@\t\r]/.test(field) ? field.slice(1) : field);

/** RFC 4180 records; undoes the CSV-injection apostrophe the pack writer adds. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => {
    row.push(unguard(field));
    field = '';
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += ch; i++; continue;
    }
    if (ch === '"' && field === '') { quoted = true; i++; continue; }
    if (ch === ',') { endField(); i++; continue; }
    if (ch === '\r' || ch === '\n') {
      endField();
      rows.push(row);
      row = [];
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    field += ch; i++;
  }
  if (field !== '' || row.length) { endField(); rows.push(row); }
  return rows;
}

function findingsFromCsv(text: string): Finding[] {
  const [header, ...rows] = parseCsv(text);
  if (!header || FINDINGS_CSV_COLUMNS.some((c, i) => header[i] !== c)) return [];
  const out: Finding[] = [];
  for (const r of rows) {
    const get = (c: (typeof FINDINGS_CSV_COLUMNS)[number]) => r[FINDINGS_CSV_COLUMNS.indexOf(c)] ?? '';
    const type = FindingTypeSchema.safeParse(get('type'));
    if (!type.success) continue;
    const nul = (s: string) => (s === '' ? null : s);
    const family = familyOf(type.data);
    const value = Number(get('annual_value') || 0);
    const f = FindingSchema.safeParse({
      finding_id: get('finding_id'), type: type.data, family, severity: get('severity'), user: nul(get('user')), product: nul(get('product')),
      offering: nul(get('offering')), units: Number(get('units') || 0), annual_value: value, price: null, list_price: null, months: null,
      first_seen: nul(get('first_seen')), last_seen: nul(get('last_seen')), evidence_count: Number(get('evidence_count') || 0),
      detail: nul(get('detail')), counted_in_savings: family === 'savings' && value > 0,
    });
    if (f.success) out.push(f.data);
  }
  return out;
}

export async function openPack(path: string): Promise<OpenedPack> {
  const root = resolve(path);
  const verify = await verifyPack(root);
  // A folder that is no pack (its data folder chosen, a path that is gone) has nothing more to read: the
  // verification says what to choose instead.
  if (verify.not_a_pack) return { verify, summary: null, findings: [], report_html: null, decisions: [], notes: [] };
  const summary = readSummary(root);
  const csv = readSmall(join(root, 'data', 'findings.csv'));
  const findings = csv ? findingsFromCsv(csv) : [];
  return {
    verify,
    summary,
    findings,
    report_html: readSmall(join(root, 'data', 'report.html')),
    decisions: verify.ok ? decisionsOf(root, summary) : [],
    notes: verify.ok ? packNotes(root, summary, findings) : [],
  };
}

/**
 * What "verified" does not say, read from a verified pack: sources that are not in it as they were reviewed (the pack
 * lists them in SOURCES-NOT-PACKED.txt), and findings.csv not adding up to summary.json's counts (a pack re-signed
 * after an edit of one and not the other). Verified means unchanged since the key signed it, not that the figures
 * are right: an auditor recomputes them from the packed sources and settings.
 */
export function packNotes(root: string, summary: Summary | null = readSummary(root), findings: Finding[] | null = null): string[] {
  const notes: string[] = [];
  const notPacked = readSmall(join(root, 'data', 'SOURCES-NOT-PACKED.txt'));
  if (notPacked) {
    const items = notPacked.split(/\r?\n/).filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
    notes.push(`${items.length === 1 ? 'One source file is' : `${items.length} source files are`} not in the pack as ${items.length === 1 ? 'it was' : 'they were'} reviewed (data/SOURCES-NOT-PACKED.txt), so the findings cannot be traced to ${items.length === 1 ? 'it' : 'them'}: ${items.join(' ')}`);
  }
  // Each source the review read, in the pack as it was read: its SHA-256 in summary.json among the packed copies'
  // (a source the pack already lists as not packed as reviewed is said above).
  if (summary) {
    const packedHashes = new Set(parseManifest(readSmall(join(root, MANIFEST)) ?? '', MANIFEST).filter((e) => e.path.startsWith('data/sources/')).map((e) => e.sha256));
    const swapped = summary.sources.filter((x) => x.sha256 && !packedHashes.has(x.sha256.toLowerCase()) && !(notPacked ?? '').includes(`- ${x.file}:`)).map((x) => x.file);
    if (swapped.length) notes.push(`${swapped.join(', ')}: the packed copy is not the file the review read (its SHA-256 is not the one summary.json records), and the pack does not say why: it was changed and signed again after the review.`);
  }
  const list = findings ?? (() => {
    const csv = readSmall(join(root, 'data', 'findings.csv'));
    return csv ? findingsFromCsv(csv) : [];
  })();
  if (summary) {
    const counted = new Map<string, number>();
    for (const f of list) counted.set(f.type, (counted.get(f.type) ?? 0) + 1);
    const types = new Set([...Object.keys(summary.findings), ...counted.keys()]);
    const differ = [...types].sort().filter((t) => (summary.findings[t] ?? 0) !== (counted.get(t) ?? 0)).map((t) => `${t} ${counted.get(t) ?? 0} listed, ${summary.findings[t] ?? 0} in the summary`);
    const units = list.filter((f) => f.family === 'gap').reduce((a, f) => a + f.units, 0);
    if (Math.abs(units - summary.gap_units) > 1e-9) differ.push(`gap units ${units} listed, ${summary.gap_units} in the summary`);
    // And the money: each savings lever's findings against the summary's figure for it (rounded there to whole units).
    for (const [type, total] of Object.entries(summary.savings_annual).sort()) {
      if (type === 'total') continue;
      const listed = list.filter((f) => f.type === type).reduce((a, f) => a + f.annual_value, 0);
      if (Math.abs(listed - total) > Math.max(1, Math.abs(total) * 1e-6)) differ.push(`${type} ${Math.round(listed)} a year listed, ${Math.round(total)} in the summary`);
    }
    if (differ.length) notes.push(`findings.csv does not add up to summary.json (${differ.join('; ')}): the pack was changed and signed again after the review. Do not rely on either; recompute them from the packed sources.`);
  }
  return notes;
}

function readSummary(root: string): Summary | null {
  const s = readSmall(join(root, 'data', 'summary.json'));
  if (!s) return null;
  try {
    const p = SummarySchema.safeParse(JSON.parse(s));
    return p.success ? p.data : null;
  } catch {
    return null;
  }
}

/**
 * The decisions the pack's workbook records (its Decisions sheet), read with the same guarded XLSX reader
 * as client files: the pack may come from anywhere. None when there is no workbook or no such sheet.
 */
function decisionsOf(root: string, summary: Summary | null): PackDecision[] {
  const data = join(root, 'data');
  if (!existsSync(data) || !statSync(data).isDirectory()) return [];
  // The workbook summary.json names, only as a file of data/ itself ("../x.xlsx" would read outside the pack).
  const named = summary?.outputs.workbook;
  const plainName = named && basename(named) === named && named !== '..' && !named.includes('\\') ? named : null;
  const file = plainName && existsSync(join(data, plainName)) ? plainName : readdirSync(data).find((f) => f.toLowerCase().endsWith('.xlsx'));
  if (!file) return [];
  const path = join(data, file);
  if (!plainFile(path)) return [];
  try {
    const sheet = readXlsx(readFileSync(path), DEFAULT_LIMITS).find((s) => s.name === 'Decisions');
    if (!sheet) return [];
    const head = sheet.rows.findIndex((r) => r.cells.includes('Finding ID') && r.cells.includes('Action'));
    if (head < 0) return [];
    const cols = sheet.rows[head]!.cells;
    const at = (r: string[], name: string) => {
      const v = (r[cols.indexOf(name)] ?? '').trim();
      return v === '' ? null : v;
    };
    return sheet.rows.slice(head + 1).flatMap((r) => {
      const id = at(r.cells, 'Finding ID');
      const action = at(r.cells, 'Action');
      return id && action ? [{ finding_id: id, action, owner: at(r.cells, 'Owner'), due_date: at(r.cells, 'Due date'), justification: at(r.cells, 'Justification') }] : [];
    });
  } catch {
    return []; // a damaged workbook fails verification anyway; the findings still show
  }
}

export interface PackEvidenceRow {
  table: string;
  source_id: number | null;
  file: string | null;
  line: number | null;
  note: string | null;
}

/**
 * One finding's rows of the pack's evidence.csv (the source file and line of every row behind it), read
 * as it streams: the file is sorted by finding, so the read stops once past it. `total` counts them all,
 * `rows` holds at most `limit`. Nothing is written; a pack without evidence.csv gives none.
 */
export async function packEvidence(path: string, findingId: string, limit: number): Promise<{ total: number; rows: PackEvidenceRow[] }> {
  const file = join(resolve(path), 'data', 'evidence.csv');
  if (!existsSync(file) || !statSync(file).isFile()) return { total: 0, rows: [] };
  const rows: PackEvidenceRow[] = [];
  let total = 0;
  let header: string[] | null = null;
  const col = (name: (typeof EVIDENCE_CSV_HEADER)[number]) => header!.indexOf(name);
  for await (const batch of readTextRecords(file, { encoding: 'utf-8', delimiter: ',', limits: { maxLineChars: 1_000_000, maxColumns: 64 } })) {
    for (const r of batch) {
      if (!r.cells) continue;
      if (!header) {
        header = r.cells;
        if (EVIDENCE_CSV_HEADER.some((c) => !header!.includes(c))) return { total: 0, rows: [] };
        continue;
      }
      const id = r.cells[col('finding_id')] ?? '';
      if (id < findingId) continue;
      if (id > findingId) return { total, rows };
      total++;
      if (rows.length < limit) {
        const get = (c: (typeof EVIDENCE_CSV_HEADER)[number]) => unguard(r.cells[col(c)] ?? '');
        const line = get('line');
        const sid = get('source_id');
        rows.push({ table: get('table'), source_id: sid === '' ? null : Number(sid), file: get('file') || null, line: line === '' ? null : Number(line), note: get('note') || null });
      }
    }
  }
  return { total, rows };
}

/**
 * The text of line `line` of a source file in the pack (data/sources), as the auditor would read it there: what an
 * evidence row rests on, without opening a file of millions of lines by hand. The file is found as the pack names
 * its copies (packedSourceNames: the file's safe name, or the name after its source id for a second of a name),
 * read only as a regular file inside data/sources, and decoded as UTF-8. An Excel workbook has rows, not lines.
 */
export async function packSourceLine(path: string, sourceId: number | null, file: string, line: number): Promise<{ text: string | null; reason: string | null; header: string | null }> {
  const dir = join(resolve(path), 'data', 'sources');
  const names = packedSourceNames(file, sourceId ?? 0);
  const candidates = [...(sourceId !== null ? [names.second] : []), names.plain].map((n) => join(dir, n));
  const found = candidates.find((c) => dirname(c) === dir && existsSync(c) && lstatSync(c).isFile());
  if (!found) return { text: null, reason: `The pack holds no copy of ${file} (see data/SOURCES-NOT-PACKED.txt).`, header: null };
  if (/\.xlsx$/i.test(found)) return { text: null, reason: `${file} is an Excel workbook: open data/sources/${basename(found)} at row ${line} of its data sheet.`, header: null };
  // Read with a bound on what a line may hold (a hostile line of hundreds of MB is scanned, not held).
  const got = await lineWithHeader(found, 'utf-8', line, !/\.log$/i.test(found));
  if (!got) return { text: null, reason: `${file} has no line ${line}.`, header: null };
  return { text: got.text, reason: null, header: got.header };
}
