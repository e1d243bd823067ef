// The settings an auditor must see beside the figures: what this review changes from the shipped defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settingsDeviations } from '../../analysis/export/deviations';
import { defaultSettings } from '../../analysis/settings';
import { loadCatalogue } from '../../analysis/catalogue/catalogue';

test('a shorter lookback, a looser threshold, lower rates and a price below the book are each listed beside the default', () => {
  const d = defaultSettings();
  const cat = loadCatalogue();
  assert.deepEqual(settingsDeviations(d), [], 'the defaults deviate from nothing');
  const vred = cat.get('VRDPRO')!;
  const s = {
    ...d,
    thresholds: { ...d.thresholds, lookback_months: 6, shared_min_days: 30 },
    scenario: { ...d.scenario, audit_settlement_rate_high: 1.2 },
    // By name, as engagement.json may give it; one field equal to the book is no deviation.
    prices: { [vred.name]: { annual: 100, list_annual: 100 }, RVT: { annual: cat.get('RVT')!.annual ?? undefined }, NOTACODE: { annual: 5 } },
  };
  assert.deepEqual(settingsDeviations(s), [
    { setting: 'thresholds.lookback_months', value: '6', default: String(d.thresholds.lookback_months) },
    { setting: 'thresholds.shared_min_days', value: '30', default: String(d.thresholds.shared_min_days) },
    { setting: 'scenario.audit_settlement_rate_high', value: '1.2', default: String(d.scenario.audit_settlement_rate_high) },
    { setting: 'prices.NOTACODE.annual', value: '5', default: 'not in the price book' },
    { setting: 'prices.VRDPRO.annual', value: '100', default: String(vred.annual) },
    { setting: 'prices.VRDPRO.list_annual', value: '100', default: String(vred.list_annual) },
  ]);
});

test('a review in another currency says so, with each price beside the book in its own currency, and a time zone set', () => {
  const d = defaultSettings();
  const cat = loadCatalogue();
  const rvt = cat.get('RVT')!;
  const s = { ...d, currency: 'EUR', timezone: 'Europe/Berlin', prices: { RVT: { annual: 2790 } } };
  assert.deepEqual(settingsDeviations(s), [
    { setting: 'currency', value: 'EUR', default: cat.file.currency },
    { setting: 'timezone', value: 'Europe/Berlin', default: 'UTC' },
    { setting: 'prices.RVT.annual', value: '2790 EUR', default: `${rvt.annual} ${cat.file.currency}` },
  ]);
});
