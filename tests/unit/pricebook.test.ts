// The price book as Settings lists it: each row says the currency its prices are in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listPriceBook } from '../../analysis/pricebook';
import { defaultSettings } from '../../analysis/settings';
import { loadCatalogue } from '../../analysis/catalogue/catalogue';

test("in another currency than the book's, shipped prices say the book's currency and an override the engagement's", () => {
  const cat = loadCatalogue();
  const rows = listPriceBook({ ...defaultSettings(), currency: 'EUR', prices: { RVT: { annual: 2790 } } }, cat);
  const rvt = rows.find((r) => r.code === 'RVT')!;
  const acd = rows.find((r) => r.code === 'ACD')!;
  assert.deepEqual([rvt.annual, rvt.currency, rvt.overridden], [2790, 'EUR', true]);
  assert.deepEqual([acd.annual, acd.currency, acd.overridden], [cat.get('ACD')!.annual, cat.file.currency, false]);
  assert.equal(cat.file.currency, 'USD', 'the shipped book is in USD');
});
