// The product catalogue and price book (assets/catalogue.json, DATA-CONTRACT §2).
// Resolves any name a client file uses for a product — product line code, product or offering name,
// FlexNet feature code — to one catalogue code, and answers prices and collection membership.
import { z } from 'zod';
// Imported, not read from disk, so the engine bundle (Electron utilityProcess) carries it.
import shippedCatalogue from '../../assets/catalogue.json';

const Figure = z.number().nonnegative().nullable();

export const CatalogueEntrySchema = z.object({
  code: z.string(),
  name: z.string(),
  kind: z.enum(['product', 'collection']),
  /** Other names seen in exports: offering names, older product names, SKU-ish spellings. */
  aliases: z.array(z.string()).default([]),
  /** Product line codes used inside FlexNet feature codes for this product (e.g. "ACD" in 87545ACD_2022_0F). */
  feature_stems: z.array(z.string()).default([]),
  function_group: z.string().nullable().default(null),
  annual: Figure.default(null),
  list_annual: Figure.default(null),
  flex_tokens_per_day: Figure.default(null),
  /** Collections only: member product codes. */
  members: z.array(z.string()).default([]),
  source: z.string().default('estimate'),
  source_date: z.string().default(''),
});
export type CatalogueEntry = z.infer<typeof CatalogueEntrySchema>;

export const CatalogueFileSchema = z.object({
  version: z.string(),
  currency: z.string().default('USD'),
  notes: z.string().default(''),
  entries: z.array(CatalogueEntrySchema),
});
export type CatalogueFile = z.infer<typeof CatalogueFileSchema>;

/** Header-style normalisation: case, spaces, punctuation and a leading "Autodesk" do not matter. */
export function normaliseName(s: string): string {
  return fullName(s.normalize('NFKD').toLowerCase().replace(/^autodesk\s+/, ''));
}

/** The same, keeping a leading "Autodesk": two entries may differ only by it ("InfraWorks", "Autodesk InfraWorks"). */
function fullName(s: string): string {
  return s
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[^a-z0-9]+/g, '');
}

export class Catalogue {
  private readonly byCode = new Map<string, CatalogueEntry>();
  private readonly byName = new Map<string, string>();
  /** Names and aliases as written (a leading "Autodesk" kept): an exact name wins over one matched without it. */
  private readonly byFullName = new Map<string, string>();
  private readonly byStem = new Map<string, string>();

  constructor(readonly file: CatalogueFile) {
    for (const e of file.entries) this.byCode.set(e.code.toUpperCase(), e);
    // Names and aliases win over codes read as names: "Revit" is RVT's name, not the legacy code REVIT.
    for (const e of file.entries) {
      for (const n of [e.name, ...e.aliases]) {
        const k = normaliseName(n);
        if (k && !this.byName.has(k)) this.byName.set(k, e.code);
        const full = fullName(n);
        if (full && !this.byFullName.has(full)) this.byFullName.set(full, e.code);
      }
    }
    for (const e of file.entries) {
      const k = normaliseName(e.code);
      if (k && !this.byName.has(k)) this.byName.set(k, e.code);
      for (const s of [e.code, ...e.feature_stems]) if (!this.byStem.has(s.toUpperCase())) this.byStem.set(s.toUpperCase(), e.code);
    }
  }

  entries(): CatalogueEntry[] {
    return this.file.entries;
  }

  get(code: string): CatalogueEntry | undefined {
    return this.byCode.get(code.toUpperCase());
  }

  /** Any product or offering name, code or FlexNet feature code -> catalogue code, or null. */
  resolve(raw: string | null | undefined): string | null {
    if (!raw) return null;
    const t = raw.trim();
    if (!t) return null;
    // A code written as a code (RVT, REVIT) is that code; mixed case ("Revit") is read as a name first.
    const exact = this.byCode.get(t);
    if (exact) return exact.code;
    const byName = this.byFullName.get(fullName(t)) ?? this.byName.get(normaliseName(t));
    if (byName) return byName;
    const direct = this.byCode.get(t.toUpperCase());
    if (direct) return direct.code;
    // Names with a release year or edition suffix: "Revit 2025", "AutoCAD - including specialized toolsets".
    const stripped = t.replace(/\b(19|20)\d{2}\b/g, '').replace(/\s+-\s+.*$/, '').trim();
    if (stripped && stripped !== t) {
      const s = this.byName.get(normaliseName(stripped));
      if (s) return s;
    }
    return this.resolveFeatureCode(t);
  }

  /**
   * FlexNet feature codes: a 5-digit prefix, the product line code, then an optional release and suffix:
   * `64300ACD_F` (package), `87545ACD_2022_0F` (version), `86815AECCOL_T_F`.
   */
  resolveFeatureCode(feature: string): string | null {
    const m = /^\d{5}([A-Z0-9]+?)(?:_(?:\d{4}_\d+F|T_F|F|\d+F|[A-Z0-9_]*F))?$/.exec(feature.trim().toUpperCase());
    if (!m) return null;
    const stem = m[1]!;
    return this.byStem.get(stem) ?? this.longestStemPrefix(feature.trim().toUpperCase().slice(5));
  }

  /** Stems with an underscore (ACAD_E, AMECH_PP): the longest known stem followed by `_` or the end. */
  private longestStemPrefix(rest: string): string | null {
    let best: string | null = null;
    for (const stem of this.byStem.keys()) {
      if (rest.startsWith(stem) && (rest.length === stem.length || rest[stem.length] === '_') && (!best || stem.length > best.length)) best = stem;
    }
    return best ? this.byStem.get(best)! : null;
  }

  /** Member product codes of a collection (itself for a product). */
  covers(offering: string): string[] {
    const e = this.get(offering);
    if (!e) return [offering];
    return e.kind === 'collection' ? [e.code, ...e.members] : [e.code];
  }
}

let cached: Catalogue | null = null;

/** The shipped catalogue (assets/catalogue.json), validated once. */
export function loadCatalogue(): Catalogue {
  if (!cached) cached = new Catalogue(CatalogueFileSchema.parse(shippedCatalogue));
  return cached;
}
