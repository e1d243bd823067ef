// What an engagement's settings change from the shipped defaults, for the auditor reading the pack's report: a
// shorter lookback, a looser threshold, lower settlement rates or a price below the book all shrink the exposure
// the review shows, and none of them should need a diff of settings.json to be seen.
import { defaultSettings, type Settings } from '../settings';
import { loadCatalogue, type Catalogue } from '../catalogue/catalogue';
import { priceOverrides } from '../pricebook';

export interface Deviation {
  /** The setting, as settings.json names it (thresholds.lookback_months, scenario.…, prices.RVT.annual). */
  setting: string;
  value: string;
  default: string;
}

const text = (v: unknown): string => (v === undefined || v === null ? '—' : typeof v === 'number' || typeof v === 'string' ? String(v) : JSON.stringify(v));

export function settingsDeviations(settings: Settings, catalogue: Catalogue = loadCatalogue()): Deviation[] {
  const d = defaultSettings();
  const out: Deviation[] = [];
  for (const group of ['thresholds', 'scenario'] as const) {
    const mine = settings[group] as Record<string, unknown>;
    const base = d[group] as Record<string, unknown>;
    for (const k of Object.keys({ ...base, ...mine }).sort()) {
      if (text(mine[k]) !== text(base[k])) out.push({ setting: `${group}.${k}`, value: text(mine[k]), default: text(base[k]) });
    }
  }
  // The currency every price is read in, and the time zone that decides which day a session falls on.
  for (const k of ['currency', 'timezone'] as const) if (settings[k] !== d[k]) out.push({ setting: k, value: text(settings[k]), default: text(d[k]) });
  if (settings.flex_token_price !== d.flex_token_price) out.push({ setting: 'flex_token_price', value: text(settings.flex_token_price), default: text(d.flex_token_price) });
  // A price set in the engagement against the shipped book's (the book has none for a code it does not know). Money in
  // another currency than the book's is said with both currencies: 2790 EUR is not "below" a book's 2985 USD.
  const book$ = catalogue.file.currency;
  const money = (v: unknown, cur: string) => (book$ === settings.currency ? text(v) : `${text(v)} ${cur}`);
  for (const [code, o] of [...priceOverrides(settings, catalogue)].sort(([a], [b]) => a.localeCompare(b))) {
    const book = catalogue.get(code);
    const fields: Array<[keyof typeof o, unknown, boolean]> = [['annual', book?.annual, true], ['list_annual', book?.list_annual, true], ['flex_tokens_per_day', book?.flex_tokens_per_day, false]];
    for (const [field, shipped, isMoney] of fields) {
      if (o[field] === undefined || o[field] === shipped) continue;
      const value = isMoney ? money(o[field], settings.currency) : text(o[field]);
      out.push({ setting: `prices.${code}.${field}`, value, default: shipped === undefined ? 'not in the price book' : isMoney ? money(shipped, book$) : text(shipped) });
    }
  }
  return out;
}
