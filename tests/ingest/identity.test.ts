// Identity resolution over a small engagement: a roster, FlexNet logins, a masked usage export and a map file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngagementDb } from '../../analysis/db/engine';
import { resolveIdentities, type IdentityReport } from '../../analysis/identity';
import { computeQuality } from '../../analysis/quality';

let dir: string;
let db: EngagementDb;
let line = 0;
const prov = () => [1, ++line, `k${line}`] as const;

async function session(userRaw: string, user: string) {
  await db.run(
    `INSERT INTO sessions (source_id, line, row_key, "user", user_raw, product, start_time, licence_type) VALUES ($1, $2, $3, $4, $5, 'ACD', '2025-01-02 09:00:00', 'network')`,
    [...prov(), user, userRaw],
  );
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lrtw-identity-'));
  db = await EngagementDb.open(join(dir, 'e.lrtw'));
  // Roster: one jdoe, two asmith (two domains), Mary with a mixed-case e-mail.
  const roster: Array<[string, string]> = [['jdoe@contoso.com', 'JDoe@Contoso.com'], ['asmith@contoso.com', 'asmith@contoso.com'], ['asmith@fabrikam.com', 'asmith@fabrikam.com'], ['mary.major@contoso.com', 'Mary.Major@contoso.com'], ['pat@contoso.com', 'pat@contoso.com']];
  for (const [u, raw] of roster) {
    await db.run(`INSERT INTO users (source_id, line, row_key, "user", user_raw) VALUES ($1, $2, $3, $4, $5)`, [...prov(), u, raw]);
  }
  await session('JDoe', 'jdoe'); // FlexNet login -> its one e-mail
  await session('asmith', 'asmith'); // ambiguous local part
  await session('ghost', 'ghost'); // no roster e-mail
  await session('pat', 'pat'); // local part of pat@contoso.com, but the map says otherwise
  await session('Mary.Major@Contoso.com', 'mary.major@contoso.com');
  await db.run(
    `INSERT INTO flexnet_events (source_id, line, row_key, ts, event, feature, product, "user", user_raw, host, true_denial) VALUES ($1, $2, $3, '2025-01-02 09:00:00', 'DENIED', '64300ACD_F', 'ACD', 'jdoe', 'jdoe', 'PC1', true)`,
    [...prov()],
  );
  // Masked usage rows: only the hashed id identifies the user; one hashed id is paired with an e-mail in the usage report.
  for (const h of ['HASH-AAA', 'HASH-BBB']) {
    await db.run(
      `INSERT INTO usage_daily (source_id, line, row_key, "user", user_raw, hashed_autodesk_id, day, product, licence_type) VALUES ($1, $2, $3, $4, '*****', $4, '2025-01-03', 'RVT', 'named_user')`,
      [...prov(), h],
    );
  }
  await db.run(
    `INSERT INTO usage_report (source_id, line, row_key, "user", user_raw, hashed_autodesk_id) VALUES ($1, $2, $3, 'mary.major@contoso.com', 'Mary.Major@contoso.com', 'HASH-BBB')`,
    [...prov()],
  );
  await db.run(`INSERT INTO identity_map (source_id, line, row_key, alias, "user") VALUES (2, 1, 'm1', 'PAT', 'Patricia.Q@Contoso.com')`);
});

after(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** raw identity of each row (user_raw, or the hashed id of a masked row) -> its resolved user. */
async function users(table: string): Promise<Record<string, string>> {
  const key = table === 'usage_daily' ? `CASE WHEN user_raw = '*****' THEN hashed_autodesk_id ELSE user_raw END` : 'user_raw';
  const rows = await db.all<{ k: string; user: string }>(`SELECT ${key} AS k, "user" FROM ${table}`);
  return Object.fromEntries(rows.map((r) => [r.k, r.user]));
}

let first: IdentityReport;

test('joins logins, e-mails, hashed ids; the map wins over the default join', async () => {
  first = await resolveIdentities(db);
  assert.deepEqual(await users('sessions'), {
    JDoe: 'jdoe@contoso.com', // local part of exactly one roster e-mail
    asmith: 'asmith', // ambiguous: stays itself
    ghost: 'ghost',
    pat: 'patricia.q@contoso.com', // identity_map beats the local-part join to pat@contoso.com
    'Mary.Major@Contoso.com': 'mary.major@contoso.com', // e-mail lower-cased
  });
  assert.deepEqual(await users('flexnet_events'), { jdoe: 'jdoe@contoso.com' });
  assert.deepEqual(await users('usage_daily'), { 'HASH-AAA': 'HASH-AAA', 'HASH-BBB': 'mary.major@contoso.com' });

  const ids = await db.all<{ alias: string; user: string; method: string; detail: string | null }>(`SELECT * FROM identities ORDER BY alias`);
  const byAlias = new Map(ids.map((i) => [i.alias, i]));
  assert.equal(byAlias.get('jdoe')!.method, 'local_part');
  assert.match(byAlias.get('jdoe')!.detail!, /jdoe@contoso\.com/);
  assert.equal(byAlias.get('pat')!.method, 'map');
  assert.equal(byAlias.get('asmith')!.method, 'login');
  assert.match(byAlias.get('asmith')!.detail!, /ambiguous.*asmith@contoso\.com, asmith@fabrikam\.com/);
  // The map's row, in the analyst's words (its file when the source is known, else its source number), not a table name.
  assert.match(byAlias.get('pat')!.detail!, /^the identity map \((source 2|[^)]+\.(csv|xlsx)), line 1\)$/);
  assert.deepEqual([byAlias.get('hash-aaa')!.user, byAlias.get('hash-aaa')!.method], ['HASH-AAA', 'hashed']);
  assert.ok(!byAlias.has('*****'), 'the mask itself is never an identity');

  assert.deepEqual(first.joined.map((j) => [j.alias, j.user, j.method]), [
    ['hash-bbb', 'mary.major@contoso.com', 'hashed'],
    ['jdoe', 'jdoe@contoso.com', 'local_part'],
    ['pat', 'patricia.q@contoso.com', 'map'],
  ]);
  assert.deepEqual(first.unmatched, [
    { alias: 'asmith', seen_in: 'session exports or FlexNet logs' },
    { alias: 'ghost', seen_in: 'session exports or FlexNet logs' },
    { alias: 'hash-aaa', seen_in: 'daily usage' },
  ]);
});

test('re-running is idempotent, and removing a map row reverts to the default join', async () => {
  const before = await db.all(`SELECT * FROM identities ORDER BY alias`);
  const again = await resolveIdentities(db);
  assert.deepEqual(again, first);
  assert.deepEqual(await db.all(`SELECT * FROM identities ORDER BY alias`), before);

  await db.run(`DELETE FROM identity_map`);
  await resolveIdentities(db);
  assert.equal((await users('sessions')).pat, 'pat@contoso.com');
});

test('runs inside a caller transaction without opening its own', async () => {
  await db.transaction(async () => {
    await db.run(`INSERT INTO identity_map (source_id, line, row_key, alias, "user") VALUES (3, 1, 'm2', 'ghost', 'casper@contoso.com')`);
    await resolveIdentities(db);
  });
  assert.equal((await users('sessions')).ghost, 'casper@contoso.com');
});

test('an identity map giving one alias two users is resolved by its last row and named on Data quality', async () => {
  await db.run(`INSERT INTO identity_map (source_id, line, row_key, alias, "user") VALUES (3, 2, 'w2', 'WANDA', 'john.doe@contoso.com'), (3, 3, 'w3', 'wanda ', 'Jane.Doe@contoso.com')`);
  await resolveIdentities(db);
  assert.equal((await db.one<{ user: string }>(`SELECT "user" FROM identities WHERE alias = 'wanda'`))?.user, 'jane.doe@contoso.com', 'the last row wins');
  const { disagreements } = await computeQuality(db);
  assert.deepEqual(disagreements.filter((d) => d.user === 'wanda'), [
    { user: 'wanda', note: 'identity map gives wanda 2 users (jane.doe@contoso.com, john.doe@contoso.com); the last row, jane.doe@contoso.com, is used: keep one row per alias' },
  ]);
});
