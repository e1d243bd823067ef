// The effective price book of an engagement: the shipped catalogue figures with the engagement's
// `prices` overrides applied (keys may be codes or any alias the catalogue resolves).
import { loadCatalogue, type Catalogue } from './catalogue/catalogue';
import type { Settings } from './settings';

export interface PriceBookRow {
  code: string;
  name: string;
  kind: 'product' | 'collection';
  function_group: string | null;
  annual: number | null;
  list_annual: number | null;
  flex_tokens_per_day: number | null;
  source: string;
  source_date: string;
  overridden: boolean;
}

/** Settings overrides keyed by catalogue code; an alias that resolves to nothing is reported, not ignored. */
export function resolveOverrides(settings: Settings, catalogue: Catalogue = loadCatalogue()): { byCode: Map<string, Settings['prices'][string]>; unknown: string[] } {
  const byCode = new Map<string, Settings['prices'][string]>();
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(settings.prices)) {
    const code = catalogue.resolve(key);
    if (code) byCode.set(code, { ...byCode.get(code), ...value });
    else unknown.push(key);
  }
  return { byCode, unknown };
}

export function listPriceBook(settings: Settings, catalogue: Catalogue = loadCatalogue()): PriceBookRow[] {
  const { byCode } = resolveOverrides(settings, catalogue);
  return catalogue.entries().map((e) => {
    const o = byCode.get(e.code);
    const annual = o?.annual ?? e.annual;
    return {
      code: e.code,
      name: e.name,
      kind: e.kind,
      function_group: e.function_group,
      annual,
      list_annual: o?.list_annual ?? e.list_annual ?? annual,
      flex_tokens_per_day: o?.flex_tokens_per_day ?? e.flex_tokens_per_day,
      source: o ? 'engagement settings' : e.source,
      source_date: o ? (settings.as_of ?? '') : e.source_date,
      overridden: Boolean(o),
    };
  });
}
