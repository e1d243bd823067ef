// Versioned schema of the engagement file. Each migration runs once, in order, in one transaction;
// `meta.schema_version` records how far a file has come, so an older engagement opens in a newer app.
import type { EngagementDb } from './engine';
import { columnsOf, rowKeySql } from '../ingest/loader';

/** Columns every canonical fact table carries: where the row came from and its de-duplication key. */
const PROVENANCE = `source_id INTEGER NOT NULL, line BIGINT NOT NULL, row_key VARCHAR NOT NULL, extra JSON`;

/** The canonical fact tables (each carries PROVENANCE): a source's rows are in these and in `rejects`. */
export const SOURCE_TABLES = ['sessions', 'usage_report', 'usage_daily', 'users', 'subscriptions', 'tokenflex', 'flexnet_events', 'identity_map'] as const;

/** `run` follows `sql`, in the same transaction, for a step SQL text alone cannot say (one per table, by its columns). */
export const MIGRATIONS: { version: number; name: string; sql: string[]; run?: (db: EngagementDb) => Promise<void> }[] = [
  {
    version: 1,
    name: 'canonical model, sources, rejects, settings, audit log, findings, decisions',
    sql: [
      `CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
      `CREATE TABLE IF NOT EXISTS sources (
        source_id INTEGER PRIMARY KEY, file VARCHAR NOT NULL, original_path VARCHAR, stored_path VARCHAR,
        sha256 VARCHAR NOT NULL, size_bytes BIGINT NOT NULL, kind VARCHAR NOT NULL, sheet VARCHAR,
        encoding VARCHAR, delimiter VARCHAR, mapping JSON, extra_columns JSON, notes JSON,
        rows_read BIGINT NOT NULL DEFAULT 0, rows_loaded BIGINT NOT NULL DEFAULT 0,
        rows_rejected BIGINT NOT NULL DEFAULT 0, rows_duplicate BIGINT NOT NULL DEFAULT 0,
        imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp)`,
      `CREATE TABLE IF NOT EXISTS refused (
        file VARCHAR NOT NULL, original_path VARCHAR, sha256 VARCHAR, size_bytes BIGINT,
        reason VARCHAR NOT NULL, refused_at TIMESTAMP NOT NULL DEFAULT current_timestamp)`,
      `CREATE TABLE IF NOT EXISTS rejects (source_id INTEGER NOT NULL, line BIGINT NOT NULL, raw VARCHAR, reason VARCHAR NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS sessions (${PROVENANCE},
        session_id VARCHAR, "user" VARCHAR, user_raw VARCHAR, product VARCHAR NOT NULL, product_raw VARCHAR,
        version VARCHAR, device_name VARCHAR, device_id VARCHAR, os VARCHAR,
        start_time TIMESTAMP NOT NULL, end_time TIMESTAMP, duration_minutes DOUBLE,
        licence_type VARCHAR NOT NULL, features VARCHAR, ip_address VARCHAR, network_domain VARCHAR,
        tokens DOUBLE, feature_code VARCHAR, licence_offering VARCHAR)`,
      `CREATE TABLE IF NOT EXISTS usage_report (${PROVENANCE},
        "user" VARCHAR, user_raw VARCHAR, hashed_autodesk_id VARCHAR, first_name VARCHAR, last_name VARCHAR,
        autodesk_id VARCHAR, team_alias VARCHAR, group_name VARCHAR, offering VARCHAR, offering_raw VARCHAR,
        version VARCHAR, seat_assignment VARCHAR, assigned_date DATE, unassigned_date DATE,
        user_activity VARCHAR, days_inactive INTEGER, access_option VARCHAR, licence_type VARCHAR,
        days_used INTEGER, monthly_average DOUBLE, tokens_used DOUBLE, last_accessed DATE)`,
      `CREATE TABLE IF NOT EXISTS usage_daily (${PROVENANCE},
        "user" VARCHAR, user_raw VARCHAR, hashed_autodesk_id VARCHAR, day DATE NOT NULL,
        product VARCHAR NOT NULL, product_raw VARCHAR, version VARCHAR, licence_type VARCHAR NOT NULL,
        feature VARCHAR, tokens DOUBLE, team VARCHAR)`,
      `CREATE TABLE IF NOT EXISTS users (${PROVENANCE},
        "user" VARCHAR NOT NULL, user_raw VARCHAR, autodesk_id VARCHAR, first_name VARCHAR, last_name VARCHAR,
        role VARCHAR, account_status VARCHAR, group_name VARCHAR, offering VARCHAR, offering_raw VARCHAR,
        product VARCHAR, product_raw VARCHAR, team VARCHAR, seat_assignment VARCHAR,
        assigned_date DATE, unassigned_date DATE, user_type VARCHAR, cost_centre VARCHAR)`,
      `CREATE TABLE IF NOT EXISTS subscriptions (${PROVENANCE},
        contract_number VARCHAR, offering VARCHAR, offering_raw VARCHAR, seat_quantity INTEGER,
        start_date DATE, end_date DATE, autorenew_date DATE, subscription_id VARCHAR,
        subscription_status VARCHAR, term VARCHAR, reseller_name VARCHAR, reseller_email VARCHAR,
        team VARCHAR, plan VARCHAR, contract_manager_email VARCHAR, licence_model VARCHAR NOT NULL,
        unit_price DOUBLE, list_price DOUBLE, tokens DOUBLE)`,
      `CREATE TABLE IF NOT EXISTS tokenflex (${PROVENANCE},
        contract_year VARCHAR, token_pool VARCHAR, usage_category VARCHAR, usage_date DATE NOT NULL,
        product VARCHAR, product_raw VARCHAR, product_name VARCHAR, tokens DOUBLE,
        "user" VARCHAR, user_raw VARCHAR, machine VARCHAR, session_start TIMESTAMP, charged_item_id VARCHAR)`,
      `CREATE TABLE IF NOT EXISTS flexnet_events (${PROVENANCE},
        ts TIMESTAMP NOT NULL, event VARCHAR NOT NULL, feature VARCHAR, product VARCHAR,
        "user" VARCHAR, user_raw VARCHAR, host VARCHAR, reason VARCHAR, true_denial BOOLEAN)`,
      `CREATE TABLE IF NOT EXISTS identity_map (${PROVENANCE}, alias VARCHAR NOT NULL, "user" VARCHAR NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS identities (alias VARCHAR PRIMARY KEY, "user" VARCHAR NOT NULL, method VARCHAR NOT NULL, detail VARCHAR)`,
      `CREATE TABLE IF NOT EXISTS settings (id INTEGER PRIMARY KEY, json JSON NOT NULL, updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp)`,
      `CREATE TABLE IF NOT EXISTS audit_log (ts TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, action VARCHAR NOT NULL, detail JSON)`,
      `CREATE TABLE IF NOT EXISTS review_runs (run_id INTEGER PRIMARY KEY, as_of DATE NOT NULL, settings JSON NOT NULL, summary JSON, finished_at TIMESTAMP NOT NULL DEFAULT current_timestamp)`,
      `CREATE TABLE IF NOT EXISTS findings (
        finding_id VARCHAR PRIMARY KEY, type VARCHAR NOT NULL, family VARCHAR NOT NULL, severity VARCHAR NOT NULL,
        "user" VARCHAR, product VARCHAR, offering VARCHAR, units DOUBLE NOT NULL, annual_value DOUBLE NOT NULL,
        price DOUBLE, list_price DOUBLE, months DOUBLE, first_seen DATE, last_seen DATE,
        evidence_count BIGINT NOT NULL DEFAULT 0, detail VARCHAR, counted_in_savings BOOLEAN NOT NULL DEFAULT false)`,
      `CREATE TABLE IF NOT EXISTS finding_evidence (finding_id VARCHAR NOT NULL, table_name VARCHAR NOT NULL, source_id INTEGER, line BIGINT, note VARCHAR)`,
      `CREATE TABLE IF NOT EXISTS renewal_brief (
        offering VARCHAR PRIMARY KEY, seats DOUBLE, active_assignments BIGINT, active_users BIGINT,
        peak_monthly_active BIGINT, trend DOUBLE, true_denials BIGINT, recommendation VARCHAR NOT NULL,
        target_quantity DOUBLE, reason VARCHAR)`,
      `CREATE TABLE IF NOT EXISTS decisions (
        finding_id VARCHAR PRIMARY KEY, action VARCHAR NOT NULL, owner VARCHAR, due_date DATE,
        justification VARCHAR, updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp, carried_from VARCHAR)`,
    ],
  },
  {
    version: 2,
    name: "the analyst's renewal targets per offering",
    sql: [`CREATE TABLE IF NOT EXISTS renewal_targets (offering VARCHAR PRIMARY KEY, target_quantity INTEGER NOT NULL, updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp)`],
  },
  {
    version: 3,
    name: 'views the UI reads, computed once after a review (data quality), keyed by what they were computed from',
    sql: [`CREATE TABLE IF NOT EXISTS view_cache (name VARCHAR PRIMARY KEY, fingerprint VARCHAR NOT NULL, json VARCHAR NOT NULL, computed_at TIMESTAMP NOT NULL DEFAULT current_timestamp)`],
  },
  {
    version: 4,
    // An offering renewed under two licence models (70 Named User seats and 6 network seats of AutoCAD) is two
    // contract lines to renew, not one. `line` keys a row: the offering's code for its main line, `<code>:<model>`
    // for another; renewal_targets.offering holds that key, so a target set before stays on the main line.
    name: 'one renewal row per offering and licence model',
    sql: [
      `CREATE TABLE renewal_brief_v4 (
        line VARCHAR PRIMARY KEY, offering VARCHAR NOT NULL, licence_model VARCHAR, seats DOUBLE, active_assignments BIGINT, active_users BIGINT,
        peak_monthly_active BIGINT, trend DOUBLE, true_denials BIGINT, recommendation VARCHAR NOT NULL,
        target_quantity DOUBLE, reason VARCHAR)`,
      `INSERT INTO renewal_brief_v4 SELECT offering, offering, NULL, seats, active_assignments, active_users, peak_monthly_active, trend, true_denials,
        recommendation, target_quantity, reason FROM renewal_brief`,
      `DROP TABLE renewal_brief`,
      `ALTER TABLE renewal_brief_v4 RENAME TO renewal_brief`,
    ],
  },
  {
    version: 5,
    // An auditor checks a finding's value against its price: the evidence pack carries them (prices.csv).
    name: 'the prices the latest review used, with where each came from',
    sql: [
      `CREATE TABLE IF NOT EXISTS review_prices (code VARCHAR NOT NULL, licence_model VARCHAR, name VARCHAR, annual_price DOUBLE, list_price DOUBLE,
        flex_tokens_per_day DOUBLE, source VARCHAR NOT NULL, list_source VARCHAR)`,
    ],
  },
  {
    version: 6,
    // Rows loaded before keep de-duplicating against new imports: their keys are computed again the new way. Only rows
    // whose key is the row hash (not a session id) and whose address as written has a capital letter change.
    name: 'the de-duplication key reads the address as written without its case',
    sql: [],
    run: async (db) => {
      for (const table of SOURCE_TABLES) {
        const cols = await columnsOf(db, table);
        if (!cols.position.has('user_raw')) continue;
        await db.run(
          `UPDATE ${table} SET row_key = ${rowKeySql(table, cols.names)}
           WHERE user_raw IS DISTINCT FROM lower(user_raw) AND row_key = ${rowKeySql(table, cols.names, { userCase: true })}`,
        );
      }
    },
  },
  {
    version: 7,
    // A licence server up but idle (its TIMESTAMP lines go on) is no telemetry gap; a server down, or its log missing, is.
    name: "the days each FlexNet log has any line on (the server was up and logging)",
    sql: [`CREATE TABLE IF NOT EXISTS log_days (source_id INTEGER NOT NULL, day DATE NOT NULL)`],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export async function migrate(db: EngagementDb): Promise<void> {
  await db.run(`CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)`);
  const row = await db.one<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema_version'`);
  const current = row ? Number(row.value) : 0;
  if (current > SCHEMA_VERSION) {
    throw new Error(`${db.path} was written by a newer LRT Workbench (schema ${current}, this app knows ${SCHEMA_VERSION}). Update the app to open it.`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    await db.transaction(async () => {
      for (const stmt of m.sql) await db.run(stmt);
      await m.run?.(db);
      await db.run(`INSERT OR REPLACE INTO meta VALUES ('schema_version', $1)`, [String(m.version)]);
      await db.audit('migrate', { version: m.version, name: m.name });
    });
  }
}
