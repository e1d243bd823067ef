// A review of data that cannot support its figures says so, where the figures are read: Autodesk's real
// FlexNet logs (2016, 2018) and Token Flex sample reviewed as of 2026 hold no usage in the window and no
// contract; a EUR engagement priced from the USD book is not silently relabelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestEngine } from './engine-harness';
import type { Summary } from '../../analysis/model';
import { FIXTURES } from '../ingest/helpers';
import { cellsOf, openXlsx } from '../export/xlsx-xml';

const engine = useTestEngine('lrtw-warnings-');
const call = (method: string, input: unknown) => engine.call(method, input);
/** The small samples here hold a low-frequency user of a product with no Flex token rate (the last test's subject). */
const notFlex = (code: string) => code !== 'flex_rate_missing';

test('usage from another period and no contract are reported, not an all-clear', async () => {
  await call('engagement.create', { path: join(engine.root, 'old', 'old.lrtw'), client: 'Fabrikam', as_of: '2026-09-30' });
  await call('import.run', { jobId: 'i', files: [{ path: join(FIXTURES, 'flexnet') }, { path: join(FIXTURES, 'tokenflex') }] });
  const summary = (await call('review.run', { jobId: 'r' })) as Summary;
  assert.equal(summary.warnings.length, 2, summary.warnings.join('\n'));
  assert.match(summary.warnings[0]!, /^No usage falls in the review window \(the 24 months to 2026-09-30\): the loaded usage runs from 201\d-\d\d-\d\d to 20\d\d-\d\d-\d\d.*Set the review date to 20\d\d-\d\d-\d\d \(As of, in Settings; as_of in engagement\.json\)/);
  assert.match(summary.warnings[1]!, /^No subscriptions were loaded/);
  assert.deepEqual(((await call('summary.get', {})) as Summary).warnings, summary.warnings);

  // The workbook and the pack's report carry them above the figures.
  const { path } = (await call('export.workbook', { jobId: 'w', dir: join(engine.root, 'old-out') })) as { path: string };
  const texts = (await cellsOf(await openXlsx(path), 'Summary')).map((c) => c.text ?? '');
  for (const w of summary.warnings) assert.ok(texts.includes(`Check first: ${w}`), w);
  const pack = (await call('export.evidencePack', { jobId: 'p', dir: join(engine.root, 'old-out') })) as { path: string };
  const report = readFileSync(join(pack.path, 'data', 'report.html'), 'utf8');
  assert.equal((report.match(/class="warn"/g) ?? []).length, 2);
});

test('a currency other than the price book\'s is flagged for every product priced from the book', async () => {
  await call('sample.create', { jobId: 's', users: 60 });
  const clean = (await call('review.run', { jobId: 'r1' })) as Summary;
  assert.deepEqual(clean.warning_codes.filter(notFlex), [], 'the sample in USD needs no warning on its prices');
  await call('settings.update', { settings: { currency: 'EUR' } });
  const eur = (await call('review.run', { jobId: 'r2' })) as Summary;
  assert.deepEqual(eur.warning_codes.filter(notFlex), ['currency_unconverted']);
  assert.match(eur.warnings[0]!, /^The engagement's currency is EUR but the prices of .+ come from the shipped price book in USD; they are not converted\./);
  // A product the engagement prices itself is not listed.
  const info = (await call('engagement.info', {})) as { folder: string };
  assert.ok(readdirSync(info.folder).length > 0);
  const settings = (await call('settings.get', {})) as { prices: Record<string, unknown> };
  for (const code of Object.keys(settings.prices)) assert.ok(!new RegExp(`\\b${code}\\b`).test(eur.warnings[0]!.split(' come from')[0]!), `${code} is priced by the engagement`);
});

test('a price given for a code that names nothing (a typo) is reported, not silently kept unused', async () => {
  await call('sample.create', { jobId: 's2', users: 60 });
  const before = (await call('settings.get', {})) as { prices: Record<string, unknown> };
  // RVTT is a typo; ZZLOCAL is in no catalogue but a loaded session names it, so its price is used.
  const extra = join(engine.root, 'extra');
  mkdirSync(extra, { recursive: true });
  writeFileSync(join(extra, 'local-sessions.csv'), 'session_id,user,product,start_time,end_time,licence_type\nz1,ann@contoso.com,ZZLOCAL,2026-09-01 09:00:00,2026-09-01 10:00:00,named_user\n');
  await call('import.run', { jobId: 'i2', files: [{ path: join(extra, 'local-sessions.csv') }] });
  await call('settings.update', { settings: { currency: 'USD', prices: { ...before.prices, RVTT: { annual: 100 }, ZZLOCAL: { annual: 50 }, Revit: { annual: 3000 } } } });
  const s = (await call('review.run', { jobId: 'r3' })) as Summary;
  assert.deepEqual(s.warning_codes.filter(notFlex), ['price_unmatched']);
  assert.equal(s.warnings[0], 'The price given for RVTT matches no product of the catalogue or the loaded data, so it is not used. Check the product code (the price book in Settings; "prices" in engagement.json).');
});

test('sources wholly outside the window, loaded beside current exports, are named: they count in no finding', async () => {
  await call('sample.create', { jobId: 's3', users: 60 });
  const clean = (await call('review.run', { jobId: 'r4' })) as Summary;
  assert.deepEqual(clean.warning_codes.filter(notFlex), []);
  // Autodesk's own 2016 and 2018 server logs next to a 2026 sample.
  await call('import.run', { jobId: 'i3', files: [{ path: join(FIXTURES, 'flexnet') }] });
  const s = (await call('review.run', { jobId: 'r5' })) as Summary;
  assert.deepEqual(s.warning_codes.filter(notFlex), ['sources_outside_window']);
  assert.match(
    s.warnings[0]!,
    /^adskflex-2016-sample\.log \(2016-\d\d-\d\d to 2016-\d\d-\d\d\), adskflex-2018-denials\.log \(2018-\d\d-\d\d to 2018-\d\d-\d\d\) hold no usage in the review window \(the 24 months to 2026-09-30\), so they count in no finding\./,
  );
});

test('low-frequency users that claim no saving for want of a Flex token rate are named before the figures; a rate set clears it', async () => {
  await call('sample.create', { jobId: 's4' });
  const s = (await call('review.run', { jobId: 'r6' })) as Summary;
  assert.deepEqual(s.warning_codes, ['flex_rate_missing']);
  const m = /^No saving is counted for (\d+) low-frequency users: the price book has no Flex token rate for (.+?)(?: and \d+ more)?, so the Flex cost is unknown\. Set Flex tokens per day for them/.exec(s.warnings[0]!);
  assert.ok(m, s.warnings[0]);
  const findings = (await call('findings.list', {})) as { type: string; annual_value: number; detail: string | null }[];
  const unpriced = findings.filter((f) => f.type === 'low_frequency_user' && (f.detail ?? '').includes('no Flex token rate for'));
  assert.equal(Number(m[1]), unpriced.length);
  assert.ok(unpriced.every((f) => f.annual_value === 0));
  // Rates for the products named: the warning goes and those users' savings count.
  const settings = (await call('settings.get', {})) as { prices: Record<string, Record<string, number>> };
  const prices = { ...settings.prices };
  // Each product by its name and, in brackets, the code the settings take ("Arnold (ARNOL)").
  const codes = m[2]!.split(', ').map((x) => /\(([A-Z0-9_]+)\)$/.exec(x)?.[1] ?? x);
  assert.ok(m[2]!.split(', ').every((x) => /^.+ \([A-Z0-9_]+\)$/.test(x)), m[2]);
  for (const code of codes) prices[code] = { ...(prices[code] ?? {}), flex_tokens_per_day: 1 };
  await call('settings.update', { settings: { prices } });
  const priced = (await call('review.run', { jobId: 'r7' })) as Summary;
  assert.deepEqual(priced.warning_codes, m[0]!.includes(' more') ? ['flex_rate_missing'] : []);
  const total = (x: Summary) => Object.values(x.savings_annual).reduce((a, b) => a + b, 0);
  assert.ok(total(priced) > total(s), `${total(priced)} > ${total(s)}`);
});

test('a file loaded with most of its rows rejected is named before the figures, not passed off as loaded', async () => {
  await call('sample.create', { jobId: 's5', users: 60 });
  const dir = join(engine.root, 'serial');
  mkdirSync(dir, { recursive: true });
  // Times of day without their date where timestamps belong: 3 of 4 rows rejected.
  writeFileSync(
    join(dir, 'sessions-serial.csv'),
    'session_id,user,product,start_time,end_time,licence_type\n' +
      'q1,ann@contoso.com,RVT,09:45,12:00,named_user\nq2,bo@contoso.com,RVT,09:46,12:00,named_user\n' +
      'q3,cy@contoso.com,RVT,09:47,12:00,named_user\nq4,di@contoso.com,RVT,2026-09-01 09:00:00,2026-09-01 10:00:00,named_user\n',
  );
  await call('import.run', { jobId: 'i5', files: [{ path: join(dir, 'sessions-serial.csv') }] });
  const s = (await call('review.run', { jobId: 'r8' })) as Summary;
  assert.deepEqual(s.warning_codes.filter(notFlex), ['sources_mostly_rejected']);
  assert.equal(
    s.warnings[s.warning_codes.indexOf('sources_mostly_rejected')],
    'sessions-serial.csv (3 of 4 rows) was mostly rejected, so its figures are largely missing from this review. Open the rejected rows (Load data) for the reasons, fix the export and import it again.',
  );
});

test('no corporate e-mail domains while users span several domains: said, with the domains found', async () => {
  await call('sample.create', { jobId: 's6', users: 60 });
  const set = (await call('review.run', { jobId: 'r9' })) as Summary;
  assert.ok(!set.warning_codes.includes('no_corporate_domains'), 'the sample sets its domains');
  await call('settings.update', { settings: { corporate_email_domains: [] } });
  const s = (await call('review.run', { jobId: 'r10' })) as Summary;
  assert.deepEqual(s.warning_codes.filter(notFlex), ['no_corporate_domains']);
  assert.match(
    s.warnings[s.warning_codes.indexOf('no_corporate_domains')]!,
    /^No corporate e-mail domains are set, so every user counts as an employee and contractors' unassigned use is not told apart\. The users' addresses are at contoso\.com \(\d+ users\), [a-z.-]+ \(\d+ users?\)/,
  );
  assert.ok((set.findings.contractor_unassigned ?? 0) > 0, 'the sample has contractors');
  assert.equal(s.findings.contractor_unassigned ?? 0, 0, 'with no domains, no contractor is told apart');
});

test('a misspelt corporate domain, no usage at all, and dates that may be read in the wrong order are each said', async () => {
  await call('sample.create', { jobId: 's7', users: 60 });
  await call('settings.update', { settings: { corporate_email_domains: ['contso.com', 'contoso-eng.com'] } });
  const typo = (await call('review.run', { jobId: 'r11' })) as Summary;
  assert.deepEqual(typo.warning_codes.filter(notFlex), ['corporate_domains_unmatched']);
  assert.match(typo.warnings[typo.warning_codes.indexOf('corporate_domains_unmatched')]!, /^No user's address is at contso\.com \(a corporate e-mail domain in the settings\): check the spelling, since users at a domain not listed count as contractors\. The users' addresses are at contoso\.com \(\d+ users\)/);

  // A European export whose days never pass 12 (and a clock set wrong): read month first, and dated after today.
  await call('engagement.create', { path: join(engine.root, 'eu', 'eu.lrtw'), client: 'Fabrikam', as_of: '2026-09-30' });
  const dir = join(engine.root, 'eu-in');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'roster.csv'), 'email,offering_name,seat_assignment,assigned_date\nann@fabrikam.com,Revit,Assigned,2025-01-01\n');
  await call('import.run', { jobId: 'i7', files: [{ path: join(dir, 'roster.csv') }] });
  const none = (await call('review.run', { jobId: 'r12' })) as Summary;
  assert.ok(none.warning_codes.includes('no_usage'), none.warning_codes.join(', '));
  writeFileSync(join(dir, 'sessions-eu.csv'), 'session_id,user,product,start_time,end_time\ne1,ann@fabrikam.com,Revit,03/09/2026 09:00,03/09/2026 10:00\ne2,ann@fabrikam.com,Revit,12/12/2099 09:00,12/12/2099 10:00\n');
  await call('import.run', { jobId: 'i8', files: [{ path: join(dir, 'sessions-eu.csv') }] });
  const eu = (await call('review.run', { jobId: 'r13' })) as Summary;
  assert.ok(!eu.warning_codes.includes('no_usage'));
  assert.equal(eu.warnings[eu.warning_codes.indexOf('date_order')], 'In sessions-eu.csv no slash date settles day or month first, so they were read month first (M/D/YYYY); if it writes day first (31/03/2026), "03/09/2026" was read as 9 March 2026, which day first would be 3 September 2026. Check a few dates against the source before trusting the figures.');
  // The file's card quotes the same date of its own, with both readings.
  const euNotes = (await call('sources.list', {})) as Array<{ file: string; notes: string[] }>;
  assert.ok(euNotes.find((x) => x.file === 'sessions-eu.csv')!.notes.includes('no date in the file settles whether its slash dates are month or day first; they were read month first (M/D/YYYY, as Autodesk writes them): "03/09/2026" was read as 9 March 2026, which day first would be 3 September 2026; check one against the source'), JSON.stringify(euNotes));
  assert.match(eu.warnings[eu.warning_codes.indexOf('usage_in_future')]!, /^Usage is dated up to 2099-12-12, after today \(\d{4}-\d\d-\d\d\): dates were read in the wrong order/);
  // A subscriptions file whose only numbers could take either decimal mark: the mark it was read with is said.
  assert.ok(!eu.warning_codes.includes('number_mark'));
  writeFileSync(join(dir, 'subs-eu.csv'), 'Offering Name;Seat Quantity;Start Date;End Date;Unit Price\nRevit;1;2025-10-01;2026-09-30;2.985\n');
  await call('import.run', { jobId: 'i9', files: [{ path: join(dir, 'subs-eu.csv') }] });
  const mark = (await call('review.run', { jobId: 'r14' })) as Summary;
  assert.equal(
    mark.warnings[mark.warning_codes.indexOf('number_mark')],
    'Nothing settles the decimal mark of a file: subs-eu.csv: "2.985" was read with a decimal comma (2985), as the file is separated by semicolons; if it writes a decimal point, such numbers are a thousand times too large. Check a few numbers against the source before trusting the figures.',
  );
});

test('assigned Named Users with only network sessions and Token Flex loaded: said before they are read as dormant', async () => {
  await call('engagement.create', { path: join(engine.root, 'net', 'net.lrtw'), client: 'Northwind', as_of: '2018-08-31' });
  const dir = join(engine.root, 'net-in');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'roster.csv'), 'email,offering_name,seat_assignment,assigned_date\nann@northwind.com,Revit,Assigned,2017-09-01\nbo@northwind.com,AutoCAD,Assigned,2017-09-01\ncy@northwind.com,Revit,Unassigned,2017-09-01\n');
  await call('import.run', { jobId: 'n1', files: [{ path: join(FIXTURES, 'flexnet') }, { path: join(FIXTURES, 'tokenflex') }, { path: join(dir, 'roster.csv') }] });
  const only = (await call('review.run', { jobId: 'n2' })) as Summary;
  assert.ok(only.warning_codes.includes('no_named_user_usage'), only.warning_codes.join(', '));
  assert.equal(
    only.warnings[only.warning_codes.indexOf('no_named_user_usage')],
    "No Named User usage was loaded (the usage is network sessions and Token Flex only), so the 2 assigned users read as dormant unless they also check out network licences under the same name, and Named User lines read as reducible. Load the LRT session export, Autodesk Account's daily usage or its Usage Report and run the review again.",
  );
  // A subscription under an offering name the catalogue does not know is named, in Data quality too.
  writeFileSync(join(dir, 'subs.csv'), 'Offering Name,Seat Quantity,Start Date,End Date,Access\nAutocad Civil 2019 Network,3,01/01/2018,12/31/2018,Multi-user\n');
  await call('import.run', { jobId: 'n1b', files: [{ path: join(dir, 'subs.csv') }] });
  const unknown = (await call('review.run', { jobId: 'n2b' })) as Summary;
  assert.match(unknown.warnings[unknown.warning_codes.indexOf('offering_unknown')] ?? '', /^The catalogue does not know the offering "Autocad Civil 2019 Network", so it covers no product but itself/);
  // Token Flex use beside a contract with no Flex pool: said, and none of it is a compliance gap (Autodesk billed it).
  assert.match(unknown.warnings[unknown.warning_codes.indexOf('flex_pool_missing')] ?? unknown.warning_codes.join(', '), /^Token Flex usage is loaded but no subscription line is a Flex token pool/);
  // The out-of-scope lines left are the licence server's network products: none rests on a Token Flex row.
  const oos = (await call('findings.list', { types: ['out_of_scope_product'] })) as { finding_id: string; product: string }[];
  assert.ok(oos.length > 0, 'the network sessions still show their out-of-scope products');
  for (const f of oos) {
    const ev = (await call('findings.evidence', { finding_id: f.finding_id, limit: 10000 })) as { rows: { table: string }[] };
    assert.deepEqual([...new Set(ev.rows.map((r) => r.table))], ['sessions'], `${f.product} rests on ${[...new Set(ev.rows.map((r) => r.table))].join(', ')}`);
  }
  // The Flex agreement in Autodesk's own export form (no licence model column, the tokens as the quantity) is a pool.
  writeFileSync(join(dir, 'subs-flex.csv'), 'Offering Name,Seat Quantity,Start Date,End Date\nAutodesk Flex,"150,000",01/01/2018,12/31/2018\n');
  await call('import.run', { jobId: 'n1c', files: [{ path: join(dir, 'subs-flex.csv') }] });
  const pooled = (await call('review.run', { jobId: 'n2c' })) as Summary;
  assert.ok(!pooled.warning_codes.includes('flex_pool_missing'), pooled.warning_codes.join(', '));
  const pool = ((await call('renewal.get', {})) as { offering: string; licence_model: string | null; seats: number; measure: string }[]).find((l) => l.offering === 'FLEX');
  assert.deepEqual([pool?.licence_model, pool?.measure, pool?.seats], ['flex', 'tokens', 150000]);
  const dq = (await call('quality.get', {})) as { unknown_products: { product_raw: string }[] };
  assert.ok(dq.unknown_products.some((u) => u.product_raw === 'Autocad Civil 2019 Network'), JSON.stringify(dq.unknown_products));
  // Its renewal line says why no session sizes it, not that the FlexNet logs are missing.
  const lines = (await call('renewal.get', {})) as { offering: string; reason: string }[];
  const unknownLine = lines.find((l) => !/^[A-Z0-9]+$/.test(l.offering) || l.offering.includes(' '));
  assert.match(unknownLine?.reason ?? JSON.stringify(lines.map((l) => l.offering)), /^the catalogue does not know this offering, so no session can be matched to it/);
  // The licence server's logins that no roster e-mail claims are listed as unmatched, saying why and where seen.
  const q = (await call('quality.get', {})) as { unmatched: { alias: string; seen_in: string }[] };
  assert.ok(q.unmatched.length > 10, `${q.unmatched.length} unmatched`);
  assert.ok(q.unmatched.every((u) => /^no roster e-mail has this local part \(seen in [A-Za-z ,]+\)$|^ambiguous/.test(u.seen_in)), JSON.stringify(q.unmatched.slice(0, 3)));
  // One Named User session is enough to judge the others by.
  writeFileSync(join(dir, 'sessions.csv'), 'session_id,user,product,start_time,end_time,licence_type\ns1,ann@northwind.com,Revit,2018-08-01 09:00,2018-08-01 10:00,Named User\n');
  await call('import.run', { jobId: 'n3', files: [{ path: join(dir, 'sessions.csv') }] });
  const named = (await call('review.run', { jobId: 'n4' })) as Summary;
  assert.ok(!named.warning_codes.includes('no_named_user_usage'), named.warning_codes.join(', '));
});

test('usage rows after the review date in a file that also holds usage up to it are counted and named, not silently left out', async () => {
  await call('engagement.create', { path: join(engine.root, 'late', 'late.lrtw'), client: 'Tailspin', as_of: '2026-03-31' });
  const dir = join(engine.root, 'late-in');
  mkdirSync(dir, { recursive: true });
  // A day-first export whose dates never settle the order: 05/04/2026 (5 April) is read as 4 May, after the review date.
  writeFileSync(
    join(dir, 'sessions-uk.csv'),
    'session_id,user,product,start_time,end_time,licence_type\n' +
      'u1,ann@tailspin.com,Revit,03/02/2026 09:00,03/02/2026 10:00,Named User\n' +
      'u2,ann@tailspin.com,Revit,05/04/2026 09:00,05/04/2026 10:00,Named User\n' +
      'u3,bo@tailspin.com,Revit,06/04/2026 09:00,06/04/2026 10:00,Named User\n',
  );
  // A file wholly after the review date is named by sources_outside_window instead.
  writeFileSync(join(dir, 'sessions-next.csv'), 'session_id,user,product,start_time,end_time,licence_type\nn1,cy@tailspin.com,Revit,2026-04-20 09:00:00,2026-04-20 10:00:00,Named User\n');
  await call('import.run', { jobId: 'l1', files: [{ path: join(dir, 'sessions-uk.csv') }, { path: join(dir, 'sessions-next.csv') }] });
  const s = (await call('review.run', { jobId: 'l2' })) as Summary;
  assert.equal(
    s.warnings[s.warning_codes.indexOf('usage_after_review_date')],
    "2 usage rows are dated after the review date (2026-03-31): 2 in sessions-uk.csv (2026-05-04 to 2026-06-04). They count in no finding. Set the review date later (As of, in Settings; as_of in engagement.json) if they belong to this review; if a file writes its dates day first, check that they were read so (a licence server's log in another time zone moves its late sessions past midnight in the engagement's).",
  );
  assert.match(s.warnings[s.warning_codes.indexOf('sources_outside_window')] ?? s.warning_codes.join(', '), /^sessions-next\.csv \(2026-04-20\) holds no usage in the review window/);
  assert.ok(s.warning_codes.includes('date_order'), 'the unsettled date order is said as well');
  // With the review date after the last usage day nothing is left out, and nothing is said.
  await call('settings.update', { settings: { as_of: '2026-06-30' } });
  const later = (await call('review.run', { jobId: 'l3' })) as Summary;
  assert.ok(!later.warning_codes.includes('usage_after_review_date'), later.warning_codes.join(', '));
});
