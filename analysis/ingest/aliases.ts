// Canonical columns of every tabular input kind and the header spellings accepted for each
// (DATA-CONTRACT §1.1–1.5). Headers are matched after `normHeader`, never by position, because
// Autodesk renames export columns between releases.
import type { InputKind } from '../model';
import type { CanonicalTable } from './types';

export type TabularKind = Exclude<InputKind, 'flexnet_log'>;

export type ColumnType = 'text' | 'user' | 'product' | 'timestamp' | 'date' | 'number' | 'integer' | 'claim';

export interface ColumnSpec {
  /** Canonical column name (what the normaliser reads). */
  name: string;
  /** Accepted header spellings (any case/punctuation); the canonical name is always accepted too. */
  aliases: string[];
  type: ColumnType;
}

export interface KindSpec {
  kind: TabularKind;
  table: CanonicalTable;
  columns: ColumnSpec[];
  /** Each group needs at least one mapped column (a group of one is a plain required column). */
  required: string[][];
  /** Columns that are distinctive for this kind, with their weight in detection. */
  signature: Record<string, number>;
}

/** Kinds DuckDB's own reader may take (native-csv.ts): their reject reasons are computed in SQL as well as in JS. */
export const NATIVE_KINDS: readonly TabularKind[] = ['sessions', 'usage_daily'];

/** `Last accessed` = `last_accessed` = `LastAccessed` = `last-accessed`. */
export function normHeader(h: string): string {
  return h
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

const c = (name: string, type: ColumnType, aliases: string[] = []): ColumnSpec => ({ name, type, aliases });

const USER_ALIASES = ['email', 'e_mail', 'email_address', 'user_email', 'named_user', 'user_name', 'login', 'autodesk_id', 'username', 'user_id', 'account', 'upn'];

const SESSIONS: KindSpec = {
  kind: 'sessions',
  table: 'sessions',
  columns: [
    c('session_id', 'text', ['id', 'event_id', 'session', 'session_guid']),
    c('user', 'user', USER_ALIASES),
    c('product', 'product', ['product_name', 'product_sku', 'sku', 'product_line_code', 'feature_code', 'product_line', 'Product', 'application', 'app']),
    c('version', 'text', ['product_version', 'release', 'product_release']),
    c('device_name', 'text', ['hostname', 'host', 'machine', 'machine_name', 'computer', 'computer_name', 'device']),
    c('device_id', 'text', ['machine_guid', 'device_guid', 'machine_id', 'hardware_id']),
    c('os', 'text', ['operating_system', 'os_version', 'platform']),
    c('start_time', 'timestamp', ['session_start', 'started_at', 'timestamp', 'start', 'start_date_time', 'session_start_time', 'start_datetime']),
    c('end_time', 'timestamp', ['session_end', 'ended_at', 'end', 'end_date_time', 'session_end_time', 'end_datetime']),
    c('duration_minutes', 'number', ['duration', 'duration_min', 'minutes', 'duration_mins', 'session_minutes']),
    c('licence_type', 'claim', ['license_type', 'claim', 'claim_type', 'access_option', 'licence_claim', 'license_claim', 'licensing_model']),
    c('features', 'text', ['feature_flags', 'features_used']),
    c('ip_address', 'text', ['ip', 'client_ip', 'ip_addr', 'ipv4']),
    c('network_domain', 'text', ['domain', 'ad_domain', 'dns_domain', 'network']),
    c('tokens', 'number', ['tokens_used', 'tokens_consumed', 'tokens_charged']),
    c('licence_offering', 'text', ['license_offering', 'offering', 'offering_name', 'entitlement']),
  ],
  required: [['product'], ['start_time'], ['user', 'device_name']],
  signature: { start_time: 6, session_id: 2, end_time: 3, duration_minutes: 2, device_name: 1, device_id: 2, ip_address: 1, os: 1 },
};

const USAGE_REPORT: KindSpec = {
  kind: 'usage_report',
  table: 'usage_report',
  columns: [
    c('hashed_autodesk_id', 'text', ['hashed_id', 'hashed_user_id']),
    c('first_name', 'text', ['given_name', 'firstname']),
    c('last_name', 'text', ['surname', 'family_name', 'lastname']),
    c('user', 'user', ['email', 'e_mail', 'email_address', 'user_email']),
    c('autodesk_id', 'text', ['adsk_id', 'oxygen_id']),
    c('team_alias', 'text', ['team', 'team_name']),
    c('group_name', 'text', ['group', 'groups']),
    c('offering', 'product', ['offering_name', 'product', 'product_name', 'offering_names']),
    c('version', 'text', ['product_version', 'release']),
    c('seat_assignment', 'text', ['assignment', 'seat', 'seat_status', 'assignment_status']),
    c('assigned_date', 'date', ['assigned_on', 'assignment_date', 'date_assigned']),
    c('unassigned_date', 'date', ['unassigned_on', 'date_unassigned']),
    c('user_activity', 'text', ['activity', 'activity_status']),
    c('days_inactive', 'integer', ['inactive_days']),
    c('access_option', 'claim', ['access', 'licence_type', 'license_type', 'access_type']),
    c('days_used', 'integer', ['usage_days', 'number_of_days_used']),
    c('monthly_average', 'number', ['monthly_avg', 'average_monthly_usage', 'monthly_average_days']),
    c('tokens_used', 'number', ['tokens', 'tokens_consumed']),
    c('last_accessed', 'date', ['last_used', 'last_access', 'last_accessed_date', 'last_active']),
  ],
  required: [['offering'], ['user', 'hashed_autodesk_id']],
  signature: { seat_assignment: 4, last_accessed: 5, user_activity: 4, days_inactive: 4, days_used: 4, monthly_average: 4, hashed_autodesk_id: 2 },
};

const USAGE_DAILY: KindSpec = {
  kind: 'usage_daily',
  table: 'usage_daily',
  columns: [
    c('user', 'user', ['email', 'e_mail', 'email_address', 'user_email', 'user_name', 'username', 'autodesk_id', 'login']),
    c('hashed_autodesk_id', 'text', ['hashed_id', 'hashed_user_id']),
    c('day', 'date', ['day_used', 'usage_date', 'date_used', 'date', 'usage_day']),
    c('product', 'product', ['product_name', 'product_line_code', 'offering_name', 'offering']),
    c('version', 'text', ['product_version', 'release']),
    c('licence_type', 'claim', ['access_option', 'licence_type', 'license_type', 'access']),
    c('feature', 'text', ['feature_name']),
    c('tokens', 'number', ['tokens_used', 'tokens_consumed']),
    c('team', 'text', ['team_name', 'team_alias']),
  ],
  required: [['day'], ['product'], ['user', 'hashed_autodesk_id']],
  signature: { day: 8, feature: 1 },
};

const USERS: KindSpec = {
  kind: 'users',
  table: 'users',
  columns: [
    c('user', 'user', ['email', 'e_mail', 'email_address', 'user_email', 'user_name', 'username', 'login', 'named_user']),
    c('autodesk_id', 'text', ['adsk_id', 'oxygen_id']),
    c('first_name', 'text', ['given_name', 'firstname']),
    c('last_name', 'text', ['surname', 'family_name', 'lastname']),
    c('role', 'text', ['user_role', 'roles']),
    c('account_status', 'text', ['status', 'user_status']),
    c('group_name', 'text', ['group', 'groups']),
    c('offering', 'product', ['offering_name', 'offering_names', 'subscription', 'assigned_offering']),
    c('product', 'product', ['product_name', 'products']),
    c('team', 'text', ['team_name', 'team_alias']),
    c('seat_assignment', 'text', ['assignment', 'seat', 'assignment_status']),
    c('assigned_date', 'date', ['assigned_on', 'assignment_date', 'date_assigned', 'assigned']),
    c('unassigned_date', 'date', ['unassigned_on', 'date_unassigned', 'unassigned', 'removed_date']),
    c('user_type', 'text', ['employment_type', 'worker_type', 'type']),
    c('cost_centre', 'text', ['cost_center', 'costcentre', 'department']),
  ],
  required: [['user'], ['offering', 'product']],
  signature: { role: 4, account_status: 4, user_type: 3, cost_centre: 3, first_name: 1, last_name: 1, assigned_date: 1, unassigned_date: 1 },
};

const SUBSCRIPTIONS: KindSpec = {
  kind: 'subscriptions',
  table: 'subscriptions',
  columns: [
    c('contract_number', 'text', ['contract', 'contract_no', 'contract_id', 'agreement_number']),
    c('offering', 'product', ['offering_name', 'product', 'product_name']),
    c('seat_quantity', 'integer', ['seats', 'quantity', 'qty', 'seat_count', 'number_of_seats']),
    c('start_date', 'date', ['subscription_start', 'contract_start', 'start']),
    c('end_date', 'date', ['subscription_end', 'contract_end', 'end', 'expiry_date', 'expiration_date']),
    c('autorenew_date', 'date', ['auto_renew_date', 'renewal_date', 'autorenewal_date']),
    c('subscription_id', 'text', ['subscription_number', 'serial_number']),
    c('subscription_status', 'text', ['status']),
    c('term', 'text', ['billing_term', 'subscription_term']),
    c('reseller_name', 'text', ['reseller', 'partner', 'partner_name']),
    c('reseller_email', 'text', ['partner_email']),
    c('team', 'text', ['team_name']),
    c('plan', 'text', ['subscription_plan', 'plan_type']),
    c('contract_manager_email', 'text', ['contract_manager']),
    c('licence_model', 'text', ['license_model', 'licence_type', 'license_type', 'access_option', 'access']),
    c('unit_price', 'number', ['price', 'net_price', 'annual_price']),
    c('list_price', 'number', ['msrp', 'srp']),
    c('tokens', 'number', ['token_quantity', 'tokens_purchased']),
  ],
  required: [['offering'], ['seat_quantity']],
  signature: { seat_quantity: 6, contract_number: 4, subscription_id: 3, subscription_status: 3, autorenew_date: 4, reseller_name: 2, term: 1, plan: 1 },
};

const TOKENFLEX: KindSpec = {
  kind: 'tokenflex',
  table: 'tokenflex',
  columns: [
    c('contract_year', 'text', ['contractYear']),
    c('token_pool', 'text', ['tokenPool']),
    c('usage_category', 'text', ['usageCategory']),
    c('usage_date', 'date', ['usageDate']),
    c('product', 'product', ['productLineCode', 'product_line_code']),
    c('product_name', 'text', ['productName']),
    c('tokens', 'number', ['tokensConsumed', 'tokens_consumed', 'tokens_charged']),
    c('user', 'user', ['userName']),
    c('machine', 'text', ['machineName', 'machine_name']),
    c('session_start', 'timestamp', ['sessionStartDate', 'session_start_date']),
    c('charged_item_id', 'text', ['chargedItemID', 'charged_item']),
  ],
  required: [['usage_date', 'session_start'], ['tokens'], ['product', 'product_name']],
  signature: { tokens: 4, token_pool: 5, contract_year: 4, usage_category: 4, charged_item_id: 4, usage_date: 2, session_start: 2 },
};

const IDENTITY_MAP: KindSpec = {
  kind: 'identity_map',
  table: 'identity_map',
  columns: [c('alias', 'text', ['aliases', 'other_id', 'login_alias', 'old_email', 'from']), c('user', 'text', ['canonical_user', 'canonical', 'to', 'maps_to'])],
  required: [['alias'], ['user']],
  signature: { alias: 8 },
};

export const KIND_SPECS: Record<TabularKind, KindSpec> = {
  sessions: SESSIONS,
  usage_report: USAGE_REPORT,
  usage_daily: USAGE_DAILY,
  users: USERS,
  subscriptions: SUBSCRIPTIONS,
  tokenflex: TOKENFLEX,
  identity_map: IDENTITY_MAP,
};

export const TABULAR_KINDS = Object.keys(KIND_SPECS) as TabularKind[];

export function isTabularKind(k: string): k is TabularKind {
  return Object.prototype.hasOwnProperty.call(KIND_SPECS, k);
}

/** How a required group reads in a message: `user or device_name`. */
export function describeRequired(group: string[]): string {
  return group.join(' or ');
}
