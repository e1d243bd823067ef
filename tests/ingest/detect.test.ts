// Kind detection and header mapping by alias sets (DATA-CONTRACT §1): never by position, both Autodesk
// spellings, and the analyst's overrides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { detectKind, detectAs, findHeaderRow, MappingError } from '../../analysis/ingest/detect';
import { normHeader } from '../../analysis/ingest/aliases';
import { FIXTURES } from './helpers';

test('header matching ignores case, spaces, underscores and punctuation', () => {
  assert.equal(normHeader('Last accessed'), normHeader('last_accessed'));
  assert.equal(normHeader('LastAccessed'), normHeader('last-accessed'));
  assert.equal(normHeader(' Day used '), 'dayused');
});

const USAGE_REPORT_SNAKE = 'hashed_autodesk_id,first_name,last_name,email,autodesk_id,team_alias,group,offering_name,version,seat_assignment,assigned_date,unassigned_date,user_activity,days_inactive,access_option,days_used,monthly_average,tokens_used,last_accessed'.split(',');
const USAGE_REPORT_TITLE = ['Hashed Autodesk ID', 'First name', 'Last name', 'Email', 'Autodesk ID', 'Team alias', 'Group', 'Offering name', 'Version', 'Seat assignment', 'Assigned date', 'Unassigned date', 'User activity', 'Days inactive', 'Access option', 'Days used', 'Monthly average', 'Tokens used', 'Last accessed'];

test('usage report is detected in snake_case and Title Case, every column mapped', () => {
  for (const headers of [USAGE_REPORT_SNAKE, USAGE_REPORT_TITLE]) {
    const d = detectKind(headers)!;
    assert.equal(d.kind, 'usage_report');
    assert.deepEqual(d.unmapped, []);
    assert.deepEqual(d.missing_required, []);
    assert.equal(d.mapping.offering, headers[7]);
    assert.equal(d.mapping.user, headers[3]);
    assert.equal(d.mapping.group_name, headers[6]);
    assert.equal(d.mapping.last_accessed, headers[18]);
  }
});

test('each kind is told apart from its header alone, whatever the column order', () => {
  const cases: Array<[string[], string]> = [
    [['session_id', 'user', 'product', 'device_name', 'start_time', 'end_time'], 'sessions'],
    [['Timestamp', 'Hostname', 'Email', 'Product name', 'Duration'], 'sessions'],
    [['Day used', 'Product', 'Version', 'Access option', 'Email', 'Feature', 'Tokens used', 'Team'], 'usage_daily'],
    [['day_used', 'product_name', 'hashed_autodesk_id', 'access_option'], 'usage_daily'],
    [['autodesk_id', 'email', 'first_name', 'last_name', 'role', 'account_status', 'group', 'offering_name', 'product_name', 'team'], 'users'],
    [['Email', 'Offering name', 'Assigned date', 'Unassigned date', 'User type', 'Cost centre'], 'users'],
    [['Contract number', 'Offering name', 'Seat quantity', 'Start date', 'End date', 'Autorenew date', 'Subscription ID', 'Subscription status', 'Term', 'Reseller name'], 'subscriptions'],
    [['contractYear', 'tokenPool', 'usageCategory', 'usageDate', 'productLineCode', 'productName', 'tokensConsumed'], 'tokenflex'],
    [['userName', 'machineName', 'sessionStartDate', 'chargedItemID', 'productLineCode', 'tokensConsumed', 'customField1'], 'tokenflex'],
    [['alias', 'user'], 'identity_map'],
  ];
  for (const [headers, kind] of cases) {
    assert.equal(detectKind(headers)?.kind, kind, headers.join(','));
    assert.equal(detectKind([...headers].reverse())?.kind, kind, 'reversed: ' + headers.join(','));
  }
  assert.equal(detectKind(['name', 'colour', 'size']), null);
});

test('the real Token Flex sample header detects as tokenflex with every column mapped', () => {
  const first = readFileSync(FIXTURES + 'tokenflex/tokenflex-usage-sample.csv', 'utf8').split(/\r?\n/)[0]!;
  const headers = first.split(',').map((h) => h.replace(/"/g, ''));
  const d = detectKind(headers)!;
  assert.equal(d.kind, 'tokenflex');
  assert.equal(d.mapping.tokens, 'tokensConsumed');
  assert.equal(d.mapping.product, 'productLineCode');
  assert.deepEqual(d.missing_required, []);
});

test('unknown columns are listed as unmapped; missing required columns are named', () => {
  const d = detectKind(['user', 'product', 'start_time', 'Cost Center Code', 'Notes'])!;
  assert.equal(d.kind, 'sessions');
  assert.deepEqual(d.unmapped, ['Cost Center Code', 'Notes']);
  const m = detectKind(['Contract number', 'Seat quantity', 'Term'])!;
  assert.equal(m.kind, 'subscriptions');
  assert.deepEqual(m.missing_required, ['offering']);
  assert.deepEqual(m.missing_groups, [['offering']]);
  // A requirement met by any one of its columns is given as the group (the text joins it with "or").
  const s = detectAs('sessions', ['session_id', 'product', 'start_time', 'end_time', 'licence_type']);
  assert.deepEqual(s.missing_groups, [['user', 'device_name']]);
  assert.deepEqual(s.missing_required, ['user or device_name']);
});

test('a mapping override replaces the detected mapping and can unmap a column', () => {
  const headers = ['Login', 'Email', 'App', 'When', 'Host'];
  const auto = detectAs('sessions', headers);
  assert.equal(auto.mapping.user, 'Email', 'an e-mail column is preferred over a login');
  assert.equal(auto.mapping.start_time, null);
  const d = detectAs('sessions', headers, { user: 'Login', product: 'App', start_time: 'When', device_name: null });
  assert.equal(d.mapping.user, 'Login');
  assert.equal(d.mapping.start_time, 'When');
  assert.equal(d.mapping.device_name, null);
  assert.deepEqual(d.missing_required, []);
  assert.ok(d.unmapped.includes('Email') && d.unmapped.includes('Host'));
  assert.throws(() => detectAs('sessions', headers, { user: 'Nope' }), MappingError);
  assert.throws(() => detectAs('sessions', headers, { colour: 'Email' }), MappingError);
});

test('the header row is found below a title or filter block', () => {
  const rows = [['Usage Report'], ['Filters:', 'All teams'], [], USAGE_REPORT_TITLE, ['x', 'A', 'B']];
  const found = findHeaderRow(rows)!;
  assert.equal(found.offset, 3);
  assert.equal(found.detection.kind, 'usage_report');
});
