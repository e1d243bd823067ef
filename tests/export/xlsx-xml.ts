// Reads an .xlsx as its XML parts (via JSZip) for tests that must see exactly what was written:
// cell types, formulas, cached values, views, protection.
import { readFileSync } from 'node:fs';
import JSZip from 'jszip';

export interface XmlCell {
  ref: string;
  type: string | null;
  formula: string | null;
  value: string | null;
  text: string | null;
}

export function decodeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

export async function openXlsx(path: string): Promise<JSZip> {
  return JSZip.loadAsync(readFileSync(path));
}

/** Sheet name -> its part path (xl/worksheets/sheetN.xml), from workbook.xml and its rels. */
export async function sheetParts(zip: JSZip): Promise<Map<string, string>> {
  const wb = await zip.file('xl/workbook.xml')!.async('string');
  const rels = await zip.file('xl/_rels/workbook.xml.rels')!.async('string');
  const target = new Map<string, string>();
  for (const m of rels.matchAll(/<Relationship [^>]*Id="([^"]+)"[^>]*Target="([^"]+)"/g)) target.set(m[1]!, m[2]!);
  for (const m of rels.matchAll(/<Relationship [^>]*Target="([^"]+)"[^>]*Id="([^"]+)"/g)) target.set(m[2]!, m[1]!);
  const out = new Map<string, string>();
  for (const m of wb.matchAll(/<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"/g)) {
    const t = target.get(m[2]!)!.replace(/^\/?(xl\/)?/, '');
    out.set(decodeXml(m[1]!), `xl/${t}`);
  }
  return out;
}

export async function sheetXml(zip: JSZip, sheet: string): Promise<string> {
  const part = (await sheetParts(zip)).get(sheet);
  if (!part) throw new Error(`no sheet ${sheet}`);
  return zip.file(part)!.async('string');
}

export async function cellsOf(zip: JSZip, sheet: string): Promise<XmlCell[]> {
  const xml = await sheetXml(zip, sheet);
  const shared: string[] = [];
  const ss = zip.file('xl/sharedStrings.xml');
  if (ss) {
    for (const m of (await ss.async('string')).matchAll(/<si>([\s\S]*?)<\/si>/g)) {
      shared.push(decodeXml([...m[1]!.matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => t[1]).join('')));
    }
  }
  const out: XmlCell[] = [];
  for (const m of xml.matchAll(/<c r="([A-Z]+\d+)"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
    const attrs = m[2] ?? '';
    const body = m[3] ?? '';
    const type = /\bt="([^"]+)"/.exec(attrs)?.[1] ?? null;
    const f = /<f[^>]*>([\s\S]*?)<\/f>/.exec(body);
    const v = /<v>([\s\S]*?)<\/v>/.exec(body);
    const is = /<is>([\s\S]*?)<\/is>/.exec(body);
    let text: string | null = null;
    if (type === 's' && v) text = shared[Number(v[1])] ?? null;
    else if ((type === 'str' || type === 'inlineStr') && !f) text = is ? decodeXml([...is[1]!.matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => t[1]).join('')) : v ? decodeXml(v[1]!) : null;
    out.push({ ref: m[1]!, type, formula: f ? decodeXml(f[1]!) : null, value: v ? decodeXml(v[1]!) : null, text });
  }
  return out;
}

/** Every <f> element of every sheet, decoded. */
export async function allFormulas(zip: JSZip): Promise<{ sheet: string; ref: string; formula: string }[]> {
  const out: { sheet: string; ref: string; formula: string }[] = [];
  for (const sheet of (await sheetParts(zip)).keys()) {
    for (const c of await cellsOf(zip, sheet)) if (c.formula !== null) out.push({ sheet, ref: c.ref, formula: c.formula });
  }
  return out;
}
