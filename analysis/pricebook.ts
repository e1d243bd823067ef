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
  currency: string;
}

/**
 * Settings price overrides keyed by catalogue code, the one reading of `prices` that the rules and
 * the price book share. Aliases of one product merge into one entry; a key the catalogue does not
 * know stays as its upper-cased self, so a product seen only in the data can still be priced.
 */
export function priceOverrides(settings: Settings, catalogue: Catalogue = loadCatalogue()): Map<string, Settings['prices'][string]> {
  const byCode = new Map<string, Settings['prices'][string]>();
  for (const [key, value] of Object.entries(settings.prices)) {
    const code = catalogue.resolve(key) ?? key.trim().toUpperCase();
    byCode.set(code, { ...byCode.get(code), ...value });
  }
  return byCode;
}

export function listPriceBook(settings: Settings, catalogue: Catalogue = loadCatalogue()): PriceBookRow[] {
  const byCode = priceOverrides(settings, catalogue);
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
      // The shipped book's prices are in its own currency; an override is in the engagement's.
      currency: o ? settings.currency : catalogue.file.currency,
    };
  });
}
