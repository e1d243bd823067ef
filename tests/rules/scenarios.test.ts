// Settlement scenarios against the seed article's Table 1 (an illustrative 50-licence gap at $1,940/yr):
// best case $97,000; typical $97,000 + ~$45K back-period at 12 months; audit settlement $145K–$240K
// back-period at 18 months on top of the licences; no cooperation $290K–$485K at 18 months on top of
// list-price remediation. Expectations are the article's figures, with rounding tolerance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeScenarios } from '../../analysis/scenarios';

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

test('Table 1: best case is 50 licences at current pricing, $97,000', () => {
  const s = computeScenarios([{ units: 50, price: 1940, list_price: 1940, months: 3 }]);
  assert.equal(s.self_review_best, 97000);
});

test('Table 1: typical self-review adds about $45K back-period at 12 months', () => {
  const s = computeScenarios([{ units: 50, price: 1940, list_price: 1940, months: 12 }]);
  near(s.self_review_typical - 97000, 45000, 500, 'back-period');
});

test('Table 1: negotiated audit settlement adds $145K to $240K at 18 months', () => {
  const s = computeScenarios([{ units: 50, price: 1940, list_price: 1940, months: 18 }]);
  near(s.audit_negotiated_low - 97000, 145000, 1000, 'low');
  near(s.audit_negotiated_high - 97000, 240000, 1000, 'high');
});

test('Table 1: no cooperation costs $290K to $485K at 18 months on top of list-price remediation', () => {
  const s = computeScenarios([{ units: 50, price: 1940, list_price: 1940, months: 18 }]);
  near(s.audit_no_cooperation_low - 97000, 290000, 1500, 'low');
  near(s.audit_no_cooperation_high - 97000, 485000, 1500, 'high');
});

test('scenarios sum over lines, use list price where the formula says so, and follow the assumptions', () => {
  const lines = [
    { units: 2, price: 1000, list_price: 1500, months: 6 },
    { units: 1, price: 3000, list_price: 3000, months: 24 },
  ];
  const s = computeScenarios(lines, { negotiated_back_period_rate: 0.5, audit_settlement_rate_low: 1, no_cooperation_loading_low: 0 });
  // best: 2000 + 3000
  assert.equal(s.self_review_best, 5000);
  // typical: 5000 + (2*1000*0.5 + 3000*2) * 0.5
  assert.equal(s.self_review_typical, 5000 + (1000 + 6000) * 0.5);
  // negotiated low: 5000 + (2*1500*0.5 + 3000*2) * 1
  assert.equal(s.audit_negotiated_low, 5000 + 1500 + 6000);
  // no cooperation low: list 3000 + 3000 = 6000, plus back-period at list × (1 + 0)
  assert.equal(s.audit_no_cooperation_low, 6000 + 1500 + 6000);
  assert.equal(computeScenarios([]).audit_no_cooperation_high, 0);
});
