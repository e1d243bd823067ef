// What the analyst must know before trusting a review's figures, defined once and shown wherever the
// figures are (CLI, summary.json, workbook, report, UI): prices in another currency than the engagement's,
// usage that lies outside the lookback, no contract to judge compliance against.
import type { EngagementDb } from './db/engine';
import type { Settings } from './settings';
import { loadCatalogue, type Catalogue } from './catalogue/catalogue';
import { priceOverrides } from './pricebook';
import { NO_FLEX_RATE, NO_FLEX_RATE_END } from './rules/savings';
import { mostlyRejected } from './model';
import { DATE_NOTES, NUMBER_NOTES, sourceNotes } from './ingest/normalise';

const list = (codes: readonly string[], max = 6) => (codes.length <= max ? codes.join(', ') : `${codes.slice(0, max).join(', ')} and ${codes.length - max} more`);

/** What a warning is about, so a screen can say which of its figures it touches. */
export type WarningCode = 'usage_outside_window' | 'sources_outside_window' | 'no_subscriptions' | 'currency_unconverted' | 'price_unmatched' | 'offering_unknown' | 'flex_rate_missing' | 'sources_mostly_rejected' | 'no_corporate_domains' | 'corporate_domains_unmatched' | 'no_usage' | 'no_named_user_usage' | 'flex_pool_missing' | 'usage_in_future' | 'usage_after_review_date' | 'network_without_network_line' | 'date_order' | 'number_mark';
export interface ReviewWarning {
  code: WarningCode;
  message: string;
}

/** Warnings about the latest review (empty when nothing needs saying). `asOf` is the review date D. */
export async function reviewWarnings(db: EngagementDb, settings: Settings, asOf: string, catalogue: Catalogue = loadCatalogue()): Promise<ReviewWarning[]> {
  const out: ReviewWarning[] = [];
  const push = (code: WarningCode, message: string) => out.push({ code, message });

  // Usage against the lookback: data from another period gives an all-clear that means nothing.
  const span = await db.one<{ first: string | null; last: string | null; inside: number }>(
    `WITH days AS (
       SELECT CAST(min(start_time) AS DATE) AS lo, CAST(max(start_time) AS DATE) AS hi FROM sessions
       UNION ALL SELECT min(day), max(day) FROM usage_daily
       UNION ALL SELECT min(usage_date), max(usage_date) FROM tokenflex)
     SELECT CAST(min(lo) AS VARCHAR) AS first, CAST(max(hi) AS VARCHAR) AS last,
       CAST(max(hi) > CAST($1 AS DATE) - to_months(CAST($2 AS INTEGER)) AND min(lo) <= CAST($1 AS DATE) AS INTEGER) AS inside FROM days`,
    [asOf, settings.thresholds.lookback_months],
  );
  if (span?.first && span.last && !span.inside) {
    push(
      'usage_outside_window',
      `No usage falls in the review window (the ${settings.thresholds.lookback_months} months to ${asOf}): the loaded usage runs from ${span.first} to ${span.last}, so no finding can be read from it. Set the review date to ${span.last} (As of, in Settings; as_of in engagement.json) or load current exports.`,
    );
  }

  // Each usage source's first and last day, for the two warnings on sources outside the review window.
  const spans = out.some((w) => w.code === 'usage_outside_window')
    ? []
    : await db.all<{ source_id: number; file: string; first: string; last: string; before_window: boolean; after_date: boolean }>(
        `WITH per AS (
           SELECT source_id, CAST(start_time AS DATE) AS d FROM sessions
           UNION ALL SELECT source_id, day FROM usage_daily
           UNION ALL SELECT source_id, usage_date FROM tokenflex
           UNION ALL SELECT source_id, CAST(ts AS DATE) FROM flexnet_events),
         span AS (SELECT source_id, min(d) AS lo, max(d) AS hi FROM per GROUP BY source_id)
         SELECT source_id, s.file, CAST(lo AS VARCHAR) AS first, CAST(hi AS VARCHAR) AS last,
           hi <= CAST($1 AS DATE) - to_months(CAST($2 AS INTEGER)) AS before_window, hi > CAST($1 AS DATE) AS after_date
         FROM span JOIN sources s USING (source_id) ORDER BY s.file`,
        [asOf, settings.thresholds.lookback_months],
      );

  // Some sources wholly outside the window (an old log beside current exports): loaded, and read by nothing.
  const idle = spans.filter((r) => r.before_window || r.first > asOf);
  if (idle.length > 0) {
    const named = idle.map((r) => `${r.file} (${r.first === r.last ? r.first : `${r.first} to ${r.last}`})`);
    push(
      'sources_outside_window',
      `${list(named, 4)} ${idle.length === 1 ? 'holds' : 'hold'} no usage in the review window (the ${settings.thresholds.lookback_months} months to ${asOf}), so ${idle.length === 1 ? 'it counts' : 'they count'} in no finding. Load current exports in ${idle.length === 1 ? 'its' : 'their'} place if ${idle.length === 1 ? 'it was' : 'they were'} meant to be reviewed.`,
    );
  }

  // Usage rows after the review date in files that also hold usage up to it: left out of every finding, which is right
  // when the exports run past the review date, and a silent loss when the dates were misread (a day-first file read
  // month first moves 5 November to 11 May). Counted per file, as the analyst checks them file by file.
  // (Source ids are the engagement's own integers, the only values written into this SQL.)
  const straddling = spans.filter((r) => r.after_date && r.first <= asOf).map((r) => r.source_id);
  if (straddling.length > 0) {
    const after = await db.all<{ file: string; rows: number; first: string; last: string }>(
      `WITH per AS (
         SELECT source_id, CAST(start_time AS DATE) AS d FROM sessions WHERE start_time >= CAST($1 AS DATE) + INTERVAL 1 DAY
         UNION ALL SELECT source_id, day FROM usage_daily WHERE day > CAST($1 AS DATE)
         UNION ALL SELECT source_id, usage_date FROM tokenflex WHERE usage_date > CAST($1 AS DATE)
         UNION ALL SELECT source_id, CAST(ts AS DATE) FROM flexnet_events WHERE ts >= CAST($1 AS DATE) + INTERVAL 1 DAY)
       SELECT s.file, count(*) AS rows, CAST(min(d) AS VARCHAR) AS first, CAST(max(d) AS VARCHAR) AS last
       FROM per JOIN sources s USING (source_id) WHERE source_id IN (${straddling.map((id) => Math.trunc(Number(id))).join(', ')}) GROUP BY s.file ORDER BY s.file`,
      [asOf],
    );
    const named = after.map((r) => `${Number(r.rows).toLocaleString('en-US')} in ${r.file} (${r.first === r.last ? r.first : `${r.first} to ${r.last}`})`);
    const total = after.reduce((a, r) => a + Number(r.rows), 0);
    push(
      'usage_after_review_date',
      `${total === 1 ? 'One usage row is' : `${total.toLocaleString('en-US')} usage rows are`} dated after the review date (${asOf}): ${list(named, 4)}. They count in no finding. Set the review date later (As of, in Settings; as_of in engagement.json) if they belong to this review; if a file writes its dates day first, check that they were read so (a licence server's log in another time zone moves its late sessions past midnight in the engagement's).`,
    );
  }

  // Network check-outs (a licence server's) of products no network subscription line covers: the server serves licences
  // the contract does not list (perpetual ones, another contract, a server left running after a trade-in to Named User).
  // RULES.md's gaps judge network seats only where a network line exists, so this use is said here, with its peak.
  if (Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM sessions WHERE licence_type = 'network' LIMIT 1)`))?.n ?? 0) > 0) {
    const lines = await db.all<{ offering: string }>(`SELECT DISTINCT offering FROM subscriptions WHERE licence_model = 'network' AND offering IS NOT NULL`);
    const networkOfferings = new Set(lines.map((l) => l.offering));
    const covered = new Set(lines.flatMap((l) => catalogue.covers(l.offering)));
    const used = await db.all<{ product: string; lo: string | null; sessions: number; users: number; first: string; last: string }>(
      `SELECT product, licence_offering AS lo, count(*) AS sessions, count(DISTINCT "user") AS users,
         CAST(min(start_time)::DATE AS VARCHAR) AS first, CAST(max(start_time)::DATE AS VARCHAR) AS last
       FROM sessions WHERE licence_type = 'network' AND start_time < CAST($1 AS DATE) + INTERVAL 1 DAY
         AND start_time >= CAST($1 AS DATE) + INTERVAL 1 DAY - to_months(CAST($2 AS INTEGER))
       GROUP BY ALL ORDER BY sessions DESC`,
      [asOf, settings.thresholds.lookback_months],
    );
    // A session's pool is the package it took when named (gaps.ts), else its product.
    const unlisted = used.filter((u) => (u.lo !== null ? !networkOfferings.has(u.lo) : !covered.has(u.product)));
    if (unlisted.length > 0) {
      const byCode = new Map<string, { sessions: number; users: number }>();
      for (const u of unlisted) {
        const code = u.lo ?? u.product;
        const x = byCode.get(code) ?? { sessions: 0, users: 0 };
        byCode.set(code, { sessions: x.sessions + Number(u.sessions), users: Math.max(x.users, Number(u.users)) });
      }
      const named = [...byCode].map(([code, x]) => `${catalogue.get(code)?.name ?? code} (${x.sessions.toLocaleString('en-US')} ${x.sessions === 1 ? 'check-out' : 'check-outs'})`);
      push(
        'network_without_network_line',
        `A licence server served network licences that no subscription line lists as network: ${list(named, 4)}. Their use is not weighed against any network seats, so no over-use can show for it. The server holds licences the subscriptions export does not show (perpetual ones, another contract, or a server left running after a move to Named User): check its licence file against the contract.`,
      );
    }
  }

  // Files most of whose rows were rejected (a date order or layout the reader could not follow): loaded, yet
  // their figures are largely missing.
  const rejectedFiles = await db.all<{ file: string; rows_read: number; rows_rejected: number }>(
    `SELECT file, rows_read, rows_rejected FROM sources WHERE rows_read > 0 ORDER BY source_id`,
  );
  const mostly = rejectedFiles.filter((s) => mostlyRejected({ rows_read: Number(s.rows_read), rows_rejected: Number(s.rows_rejected) }));
  if (mostly.length > 0) {
    const named = mostly.map((s) => `${s.file} (${Number(s.rows_rejected).toLocaleString('en-US')} of ${Number(s.rows_read).toLocaleString('en-US')} rows)`);
    push(
      'sources_mostly_rejected',
      `${list(named, 4)} ${mostly.length === 1 ? 'was' : 'were'} mostly rejected, so ${mostly.length === 1 ? 'its' : 'their'} figures are largely missing from this review. Open the rejected rows (Load data) for the reasons, fix the export and import it again.`,
    );
  }

  // A contract to judge compliance against.
  const subs = await db.one<{ n: number }>('SELECT count(*) AS n FROM subscriptions');
  if (Number(subs?.n ?? 0) === 0 && span?.first) {
    push('no_subscriptions', 'No subscriptions were loaded, so nothing is entitled: every product in use is reported out of scope. Load the Autodesk Account subscriptions export to judge compliance.');
  }

  // Token Flex consumption beside a contract with no Flex pool: the subscriptions export lacks the Flex agreement
  // the tokens were billed against, so the renewal brief has no pool to size and no token use is judged.
  const flex = await db.one<{ tokens: number; pools: number }>(
    `SELECT (SELECT count(*) FROM tokenflex) + (SELECT count(*) FROM usage_daily WHERE licence_type = 'flex') AS tokens,
       (SELECT count(*) FROM subscriptions WHERE licence_model = 'flex') AS pools`,
  );
  if (Number(flex?.tokens ?? 0) > 0 && Number(flex?.pools ?? 0) === 0 && Number(subs?.n ?? 0) > 0) {
    push(
      'flex_pool_missing',
      'Token Flex usage is loaded but no subscription line is a Flex token pool, so the renewal brief has no pool to size against the tokens used (Flex use is still never a compliance gap: Autodesk billed it). Load the subscriptions export that holds the Flex agreement (offering "Autodesk Flex", or licence model "flex", with the tokens bought).',
    );
  }

  // No usage at all beside assignments or a contract: every assigned user reads as dormant and no gap can show.
  const usageRows = await db.one<{ n: number; other: number }>(
    `SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM usage_daily) + (SELECT count(*) FROM tokenflex) AS n,
       (SELECT count(*) FROM users) + (SELECT count(*) FROM usage_report) + (SELECT count(*) FROM subscriptions) AS other`,
  );
  if (Number(usageRows?.n ?? 0) === 0 && Number(usageRows?.other ?? 0) > 0) {
    push(
      'no_usage',
      'No usage was loaded (no LRT sessions, daily usage or Token Flex rows), so every assigned user reads as dormant and no compliance gap can be found. Load the usage exports and run the review again.',
    );
  }

  // Usage, but none that shows Named User use (FlexNet network sessions and Token Flex only, say): every assigned
  // Named User without a network login of the same name reads as dormant, "never used", and Named User lines as reducible.
  if (Number(usageRows?.n ?? 0) > 0) {
    const named = await db.one<{ assigned: number; named: number }>(
      `SELECT (SELECT count(DISTINCT "user") FROM (
           SELECT "user" FROM users WHERE lower(trim(coalesce(seat_assignment, ''))) <> 'unassigned'
           UNION ALL SELECT "user" FROM usage_report WHERE lower(trim(coalesce(seat_assignment, ''))) = 'assigned')) AS assigned,
         -- Whether any exists (the first row found ends each scan): millions of sessions need not be counted.
         (SELECT count(*) FROM (SELECT 1 FROM sessions WHERE lower(licence_type) IS DISTINCT FROM 'network' LIMIT 1))
           + (SELECT count(*) FROM (SELECT 1 FROM usage_daily LIMIT 1))
           + (SELECT count(*) FROM (SELECT 1 FROM usage_report WHERE last_accessed IS NOT NULL LIMIT 1)) AS named`,
    );
    const assigned = Number(named?.assigned ?? 0);
    if (assigned > 0 && Number(named?.named ?? 0) === 0) {
      push(
        'no_named_user_usage',
        `No Named User usage was loaded (the usage is network sessions and Token Flex only), so ${assigned === 1 ? 'the assigned user reads' : `the ${assigned} assigned users read`} as dormant unless they also check out network licences under the same name, and Named User lines read as reducible. Load the LRT session export, Autodesk Account's daily usage or its Usage Report and run the review again.`,
      );
    }
  }

  // Usage dated after today (the review date comes from the last usage day): a day-first export read month first,
  // or a clock set wrong. The only question here asked of the wall clock.
  const today = new Date().toISOString().slice(0, 10);
  if (span?.last && span.last > today) {
    push(
      'usage_in_future',
      `Usage is dated up to ${span.last}, after today (${today}): dates were read in the wrong order (a day-first export read month first) or a clock was set wrong. Check the loaded files' dates against their sources.`,
    );
  }

  // Files whose slash dates never settled day or month first, or mix both (import.ts DATE_NOTES).
  const dated = await db.all<{ file: string; notes: string | null }>(`SELECT file, notes FROM sources ORDER BY source_id`);
  const noted = (start: string) => dated.filter((s) => sourceNotes(s.notes).some((n) => n.startsWith(start))).map((s) => s.file);
  const unsettled = noted(DATE_NOTES.unsettled);
  const mixed = noted(DATE_NOTES.mixed);
  if (unsettled.length > 0 || mixed.length > 0) {
    // One of the files' own dates, with both its readings (unsettledDateNote), rather than a made-up one.
    const example = dated.flatMap((s) => sourceNotes(s.notes).filter((n) => n.startsWith(DATE_NOTES.unsettled)).map((n) => ({ file: s.file, m: /: ("[^"]+" was read as [^,]+), which day first would be ([^;]+);/.exec(n) })))
      .find((x) => x.m !== null);
    // The file is named only when several are listed (one is named at the sentence's start already).
    const instance = example?.m ? `${example.m[1]}${unsettled.length > 1 ? ` in ${example.file}` : ''}, which day first would be ${example.m[2]}` : 'a date such as 05/03/2026 was read as 3 May';
    const parts = [
      ...(unsettled.length
        ? [`in ${list(unsettled, 4)} no slash date settles day or month first, so they were read month first (M/D/YYYY); if ${unsettled.length === 1 ? 'it writes' : 'they write'} day first (31/03/2026), ${instance}`]
        : []),
      ...(mixed.length ? [`${list(mixed, 4)} ${mixed.length === 1 ? 'writes' : 'write'} dates both day first and month first: the dates that cannot be month first were rejected`] : []),
    ];
    push('date_order', `${parts.join('; ').replace(/^./, (c) => c.toUpperCase())}. Check a few dates against the source before trusting the figures.`);
  }

  // Files whose numbers never settled their decimal mark, where a value either could be was read (import.ts NUMBER_NOTES):
  // a price of 2.985 may be 2,985.
  const marks = dated.flatMap((s) => {
    const note = sourceNotes(s.notes).find((n) => n.startsWith(NUMBER_NOTES.unsettled));
    return note ? [`${s.file}: ${note.slice(NUMBER_NOTES.unsettled.length).trim()}`] : [];
  });
  if (marks.length > 0) push('number_mark', `Nothing settles the decimal mark of ${marks.length === 1 ? 'a file' : `${marks.length} files`}: ${marks.join('; ')}. Check a few numbers against the source before trusting the figures.`);

  // Without corporate e-mail domains every user counts as an employee (RULES.md "corporate user"): where the
  // users' addresses span several domains, a contractor's unassigned use reads as an employee's.
  if (settings.corporate_email_domains.length === 0) {
    const domains = await db.all<{ domain: string; users: number }>(
      `SELECT lower(split_part(u, '@', 2)) AS domain, count(DISTINCT u) AS users FROM (
         SELECT DISTINCT "user" AS u FROM sessions UNION SELECT DISTINCT "user" FROM usage_daily)
       WHERE contains(u, '@') GROUP BY 1 ORDER BY users DESC, domain`,
    );
    if (domains.length > 1) {
      push(
        'no_corporate_domains',
        `No corporate e-mail domains are set, so every user counts as an employee and contractors' unassigned use is not told apart. The users' addresses are at ${domainList(domains)}. Set the client's own domains (Settings; corporate_email_domains in engagement.json) and run the review again.`,
      );
    }
  }

  // A corporate domain no user's address is at (a typo such as contso.com): everyone at the real one reads as a contractor.
  if (settings.corporate_email_domains.length > 0) {
    const domains = await db.all<{ domain: string; users: number }>(
      // Addresses as exported and as resolved (an alias at contoso-eng.com may resolve to a user at contoso.com).
      `SELECT lower(split_part(u, '@', 2)) AS domain, count(DISTINCT lower(u)) AS users FROM (
         SELECT DISTINCT "user" AS u FROM sessions UNION SELECT DISTINCT user_raw FROM sessions
         UNION SELECT DISTINCT "user" FROM usage_daily UNION SELECT DISTINCT user_raw FROM usage_daily
         UNION SELECT DISTINCT "user" FROM users UNION SELECT DISTINCT user_raw FROM users)
       WHERE contains(u, '@') GROUP BY 1 ORDER BY users DESC, domain`,
    );
    const seen = new Set(domains.map((d) => d.domain));
    const unmatched = settings.corporate_email_domains.map((d) => d.trim().toLowerCase().replace(/^@/, '')).filter((d) => d && !seen.has(d));
    if (domains.length > 0 && unmatched.length > 0) {
      push(
        'corporate_domains_unmatched',
        `No user's address is at ${list(unmatched)} (${unmatched.length === 1 ? 'a corporate e-mail domain' : 'corporate e-mail domains'} in the settings): check the spelling, since users at a domain not listed count as contractors. The users' addresses are at ${domainList(domains)}.`,
      );
    }
  }

  // Money in the engagement's currency: the shipped price book is in its own currency and is not converted.
  const book = catalogue.file.currency;
  if (settings.currency !== book) {
    const overridden = priceOverrides(settings, catalogue);
    const priced = await db.all<{ code: string }>(
      `SELECT DISTINCT coalesce(CASE WHEN family = 'gap' THEN product END, offering, product) AS code FROM findings
       WHERE annual_value > 0 AND coalesce(CASE WHEN family = 'gap' THEN product END, offering, product) NOT IN (SELECT offering FROM subscriptions WHERE unit_price IS NOT NULL AND offering IS NOT NULL)
       ORDER BY code`,
    );
    const fromBook = priced.map((r) => r.code).filter((c) => !overridden.get(c)?.annual);
    if (fromBook.length > 0) {
      push(
        'currency_unconverted',
        `The engagement's currency is ${settings.currency} but the prices of ${list(fromBook)} come from the shipped price book in ${book}; they are not converted. Give ${settings.currency} prices in the price book (Settings; "prices" in engagement.json) or set the currency to ${book}.`,
      );
    }
  }
  // A price whose key names nothing (a misspelt code in engagement.json, say) is kept but used by nothing.
  const unknown = Object.keys(settings.prices).filter((k) => catalogue.resolve(k) === null).map((k) => k.trim().toUpperCase());
  if (unknown.length > 0) {
    const seen = await db.all<{ code: string }>(
      `SELECT DISTINCT code FROM (
         SELECT product AS code FROM sessions UNION ALL SELECT licence_offering FROM sessions
         UNION ALL SELECT product FROM usage_daily UNION ALL SELECT product FROM tokenflex
         UNION ALL SELECT offering FROM subscriptions UNION ALL SELECT offering FROM usage_report
         UNION ALL SELECT offering FROM users UNION ALL SELECT product FROM users)
       WHERE list_contains(string_split($1, chr(31)), code)`,
      [unknown.join('\u001f')],
    );
    const used = new Set(seen.map((r) => r.code));
    const unmatched = [...new Set(unknown.filter((c) => !used.has(c)))].sort();
    if (unmatched.length > 0) {
      push(
        'price_unmatched',
        `The price${unmatched.length === 1 ? '' : 's'} given for ${list(unmatched)} match${unmatched.length === 1 ? 'es' : ''} no product of the catalogue or the loaded data, so ${unmatched.length === 1 ? 'it is' : 'they are'} not used. Check the product code (the price book in Settings; "prices" in engagement.json).`,
      );
    }
  }
  // A subscription or assignment under an offering name the catalogue does not know ("Autocad Civil 2019 Network")
  // covers nothing but itself: the use of its products reads as out of scope or unassigned.
  const offerings = await db.all<{ code: string; raw: string | null }>(
    `SELECT offering AS code, any_value(offering_raw) AS raw FROM (
       SELECT offering, offering_raw FROM subscriptions UNION ALL SELECT offering, offering_raw FROM users UNION ALL SELECT offering, offering_raw FROM usage_report)
     WHERE offering IS NOT NULL GROUP BY offering ORDER BY offering`,
  );
  const unknownOfferings = offerings.filter((o) => !catalogue.get(o.code)).map((o) => o.raw ?? o.code);
  if (unknownOfferings.length > 0) {
    push(
      'offering_unknown',
      `The catalogue does not know the offering${unknownOfferings.length === 1 ? '' : 's'} ${list(unknownOfferings.map((o) => `"${o}"`), 4)}, so ${unknownOfferings.length === 1 ? 'it covers' : 'they cover'} no product but ${unknownOfferings.length === 1 ? 'itself' : 'themselves'}: the use of ${unknownOfferings.length === 1 ? 'its' : 'their'} products reads as unassigned or out of scope. Write the offering's Autodesk name or product code in the export (Data quality lists them) and load it again.`,
    );
  }
  // Low-frequency users whose products have no Flex token rate claim no saving (their Flex cost is unknown):
  // a headline that silently leaves them at 0 reads as "nothing to save".
  const noRate = await db.one<{ users: number; products: string | null }>(
    `SELECT count(DISTINCT finding_id) AS users, string_agg(DISTINCT p, ', ' ORDER BY p) AS products FROM (
       SELECT finding_id, unnest(string_split(regexp_extract(detail, $1, 1), ', ')) AS p FROM findings
       WHERE type = 'low_frequency_user' AND contains(detail, $2))`,
    [`${escapeRegex(NO_FLEX_RATE)}(.*?)${escapeRegex(NO_FLEX_RATE_END)}`, NO_FLEX_RATE],
  );
  const products = noRate?.products ? noRate.products.split(', ') : [];
  if (Number(noRate?.users ?? 0) > 0 && products.length > 0) {
    const n = Number(noRate!.users);
    push(
      'flex_rate_missing',
      // Products by name, with the code the price book and engagement.json take.
      `No saving is counted for ${n} low-frequency user${n === 1 ? '' : 's'}: the price book has no Flex token rate for ${list(products.map((c) => (catalogue.get(c)?.name ? `${catalogue.get(c)!.name} (${c})` : c)))}, so the Flex cost is unknown. Set Flex tokens per day for ${products.length === 1 ? 'it' : 'them'} (the price book in Settings; "prices" in engagement.json) to count the saving.`,
    );
  }
  return out;
}

/** "contoso.com (380 users), buildpartners.com (16 users)": the domains the users' addresses are at, most first. */
const domainList = (domains: readonly { domain: string; users: number }[]) =>
  list(domains.map((d) => `${d.domain} (${Number(d.users).toLocaleString('en-US')} ${Number(d.users) === 1 ? 'user' : 'users'})`), 4);

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
