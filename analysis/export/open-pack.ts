// Auditor mode: opens an evidence pack read-only. It verifies first (hashes and signature) and then
// reads summary.json, findings.csv and report.html from the payload; nothing here writes to the pack.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FindingSchema, SummarySchema, familyOf, FindingTypeSchema, FINDINGS_CSV_COLUMNS, type Finding, type Summary } from '../model';
import { verifyPack, type VerifyResult } from './verify';

/** Files larger than this are not loaded into the viewer (they stay in the pack). */
const MAX_VIEW_BYTES = 64 * 1024 * 1024;

export interface OpenedPack {
  verify: VerifyResult;
  summary: Summary | null;
  findings: Finding[];
  report_html: string | null;
}

function readSmall(path: string): string | null {
  if (!existsSync(path) || !statSync(path).isFile() || statSync(path).size > MAX_VIEW_BYTES) return null;
  return readFileSync(path, 'utf8');
}

/** RFC 4180 records; undoes the CSV-injection apostrophe the pack writer adds. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => {
    row.push(/^'[=+\-@\t\r]/.test(field) ? field.slice(1) : field);
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
  let summary: Summary | null = null;
  const s = readSmall(join(root, 'data', 'summary.json'));
  if (s) {
    try {
      const p = SummarySchema.safeParse(JSON.parse(s));
      summary = p.success ? p.data : null;
    } catch {
      summary = null;
    }
  }
  const csv = readSmall(join(root, 'data', 'findings.csv'));
  return { verify, summary, findings: csv ? findingsFromCsv(csv) : [], report_html: readSmall(join(root, 'data', 'report.html')) };
}
