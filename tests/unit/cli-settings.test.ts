// engagement.json and --as-of as an analyst meets them: a hand-edited file's mistakes are reported with the
// file, the line and the fix before anything is imported, and a review that loads nothing still records
// what it refused in summary.json.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { jsonKeyLines, parseSettingsText } from '../../analysis/settings-file';
import { isCalendarDate } from '../../analysis/settings';
import { SummarySchema } from '../../analysis/model';

let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'lrtw-cli-settings-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const CLI = join(import.meta.dirname, '..', '..', 'analysis', 'cli.ts');
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const errorOf = (text: string) => {
  try {
    parseSettingsText(text, 'engagement.json');
  } catch (e) {
    return (e as Error).message;
  }
  return null;
};

test('calendar dates: shape and real days', () => {
  for (const ok of ['2026-09-30', '2024-02-29', '2000-02-29']) assert.equal(isCalendarDate(ok), true, ok);
  for (const bad of ['2026-13-45', '2026-02-30', '2025-02-29', '1900-02-29', '2026-9-30', '2026-00-10', 'abc']) assert.equal(isCalendarDate(bad), false, bad);
});

test('JSON key lines follow nesting, arrays and escaped quotes', () => {
  const text = '{\n "client": "A \\"quoted\\" name",\n "thresholds": {\n   "dormant_days": 30\n },\n "corporate_email_domains": [\n  "a.com",\n  "b.com"\n ]\n}';
  const lines = jsonKeyLines(text);
  assert.equal(lines.get('client'), 2);
  assert.equal(lines.get('thresholds'), 3);
  assert.equal(lines.get('thresholds.dormant_days'), 4);
  assert.equal(lines.get('corporate_email_domains.1'), 8);
});

test('engagement.json mistakes name the line and the fix', () => {
  // A trailing comma: the comma's own line, not the closing bracket's.
  const comma = errorOf('{\n  "client": "X",\n  "thresholds": {\n    "dormant_days": 30\n  },\n}\n');
  assert.match(comma!, /^engagement\.json line 5, column 4: not valid JSON \(a comma before the closing bracket\)/);
  // A misspelt key is an error with a suggestion, not a setting silently left at its default.
  const typo = errorOf('{\n "client": "Z",\n "thresholds": {"dormant_dayz": 3}\n}');
  assert.match(typo!, /^engagement\.json line 3: thresholds\.dormant_dayz is not a setting \(did you mean "dormant_days"\?\)/);
  assert.match(errorOf('{"clinet": "Z"}')!, /clinet is not a setting \(did you mean "client"\?\)/);
  assert.match(errorOf('{"prices": {"RVT": {"anual": 1}}}')!, /prices\.RVT\.anual is not a setting \(did you mean "annual"\?\)/);
  // Wrong type and impossible date: the field's line.
  assert.match(errorOf('{\n "client": "Z",\n "thresholds": {"dormant_days": "ninety"}\n}')!, /^engagement\.json line 3: thresholds\.dormant_days: enter a number\. Fix the value/);
  assert.match(errorOf('{\n "thresholds": {\n  "dormant_days": 2.5\n }\n}')!, /^engagement\.json line 3: thresholds\.dormant_days: enter a whole number\./);
  // Values of the right type that make no sense: a "spike" that is no rise, a buffer of 500 %, an address as a range, a range read high to low.
  assert.match(errorOf('{"thresholds": {"spike_ratio": 0.8}}')!, /thresholds\.spike_ratio: enter a ratio above 1/);
  assert.match(errorOf('{"thresholds": {"renewal_buffer": 5}}')!, /thresholds\.renewal_buffer: enter a share of at most 1 \(0\.05 is 5 %\)/);
  assert.match(errorOf('{"corporate_ip_ranges": ["10.1.2.3/8"]}')!, /corporate_ip_ranges\.0: 10\.1\.2\.3\/8 is an address, not the start of its range: enter 10\.0\.0\.0\/8/);
  assert.match(errorOf('{\n "scenario": {\n  "audit_settlement_rate_low": 2,\n  "audit_settlement_rate_high": 1.5\n }\n}')!, /^engagement\.json line 3: scenario\.audit_settlement_rate_low: enter at most the high end \(1\.5\)/);
  assert.match(errorOf('{\n\n "as_of": "2026-02-30"\n}')!, /^engagement\.json line 3: as_of: not a calendar date/);
  assert.match(errorOf('[1, 2]')!, /expected a JSON object of settings/);
  // Hostile shapes: nested 200,000 deep (named, not a stack overflow), and keys every object has through its prototype.
  assert.match(errorOf(`{"client": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`)!, /^engagement\.json line 1, column \d+: nested more than 32 levels deep, deeper than any setting\. Fix the file\.$/);
  assert.equal(errorOf('{"client": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}'), null, 'brackets inside a string are text');
  assert.match(errorOf('{"constructor": 1}')!, /^engagement\.json line 1: constructor is not a setting/);
  assert.match(errorOf('{"thresholds": {"toString": 1}}')!, /thresholds\.toString is not a setting/);
  assert.match(errorOf('{"__proto__": {"client": "X"}}')!, /__proto__ is not a setting/);
});

test('engagement.json saved with a byte-order mark reads like any other', () => {
  const s = parseSettingsText('\uFEFF{"client": "Contoso", "as_of": "2026-09-30", "prices": {"Revit": {"annual": 3000}}}', 'engagement.json');
  assert.equal(s.client, 'Contoso');
  assert.equal(s.as_of, '2026-09-30');
  assert.equal(s.prices.Revit?.annual, 3000);
  assert.equal(s.thresholds.dormant_days, 90);
});

test('review refuses a bad engagement.json or --as-of before importing anything (exit 1)', () => {
  const input = join(root, 'bad-config');
  mkdirSync(input, { recursive: true });
  writeFileSync(join(input, 'users.csv'), 'email,offering_name\na@contoso.com,AutoCAD\n');
  writeFileSync(join(input, 'engagement.json'), '{\n  "client": "X",\n  "as_of": "2026-13-45"\n}\n');
  const bad = cli('review', '--input', input, '--out', join(root, 'out-bad-config'));
  assert.equal(bad.code, 1, bad.err);
  assert.match(bad.err, /engagement\.json line 3: as_of: not a calendar date/);
  assert.doesNotMatch(bad.out, /Importing/);

  writeFileSync(join(input, 'engagement.json'), '{"client": "X"}');
  const asOf = cli('review', '--input', input, '--out', join(root, 'out-bad-asof'), '--as-of', '2026-02-30');
  assert.equal(asOf.code, 1, asOf.err);
  assert.match(asOf.err, /--as-of 2026-02-30: expected a calendar date/);
  assert.doesNotMatch(asOf.out, /Importing/);
});

test('a review that loads nothing exits 2 and still writes summary.json with every refusal and its reason', () => {
  const input = join(root, 'nothing-usable');
  mkdirSync(input, { recursive: true });
  writeFileSync(join(input, 'subscriptions.xlsx'), randomBytes(4096));
  writeFileSync(join(input, 'empty.csv'), '');
  // A settings file found in the client's folder is applied, and the log says so and what it sets.
  // Saved with a byte-order mark, as Windows editors do: read like any other (its log line once crashed the review).
  writeFileSync(join(input, 'engagement.json'), '\uFEFF{"client": "Fabrikam", "corporate_email_domains": ["fabrikam.com"]}');
  const out = join(root, 'out-nothing');
  const r = cli('review', '--input', input, '--out', out);
  assert.equal(r.code, 2, r.err);
  assert.ok(r.out.includes(`Settings from ${join(input, 'engagement.json')}: sets client, corporate_email_domains.`), r.out);
  assert.match(r.err, /nothing usable was loaded .* the reasons are in .*summary\.json/);
  const summaryPath = join(out, 'summary.json');
  assert.ok(existsSync(summaryPath));
  const summary = SummarySchema.parse(JSON.parse(readFileSync(summaryPath, 'utf8')));
  assert.deepEqual(summary.refused.map((f) => f.file).sort(), ['empty.csv', 'subscriptions.xlsx']);
  for (const f of summary.refused) assert.ok(f.reason.length > 10, `${f.file} has a reason`);
  assert.deepEqual(summary.outputs, { workbook: null, evidence_pack: null });
  assert.equal(summary.gap_units, 0);
});
