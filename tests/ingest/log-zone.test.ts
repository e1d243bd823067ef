// A FlexNet log's clock: the zone its banner names, and times moved from it into the engagement's zone, across
// daylight-saving changes on either side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logTimeZone, zoneShifter } from '../../analysis/ingest/log-zone';

const wall = (iso: string) => Date.parse(`${iso}Z`) / 1000;
const iso = (s: number) => new Date(s * 1000).toISOString().slice(0, 19);

test("the zone a log's banner names, in Windows' words or as an abbreviation", () => {
  const banner = (z: string) => `15:49:07 (lmgrd) pid 5372\n15:49:07 (lmgrd) Server's System Date and Time: Fri Jul 27 2018 15:49:07 ${z}\r\n15:49:07 (lmgrd) pid 5372`;
  assert.deepEqual(logTimeZone(banner('Eastern Daylight Time')), { written: 'Eastern Daylight Time', iana: 'America/New_York' });
  assert.deepEqual(logTimeZone(banner('Romance Daylight Time')), { written: 'Romance Daylight Time', iana: 'Europe/Paris' });
  assert.deepEqual(logTimeZone(banner('GMT Standard Time')), { written: 'GMT Standard Time', iana: 'Europe/London' });
  assert.deepEqual(logTimeZone(banner('Coordinated Universal Time')), { written: 'Coordinated Universal Time', iana: 'UTC' });
  assert.deepEqual(logTimeZone(banner('PDT')), { written: 'PDT', iana: 'America/Los_Angeles' });
  assert.deepEqual(logTimeZone(banner('Kamchatka Standard Time')), { written: 'Kamchatka Standard Time', iana: null });
  assert.equal(logTimeZone('15:49:10 (lmgrd) FlexNet Licensing started on SRV (IBM PC) (7/27/2018)'), null);
});

test('times move from the server\'s wall clock to the engagement\'s, each at its own offset', () => {
  const ny = zoneShifter('America/New_York', 'Europe/London')!;
  assert.equal(iso(ny(wall('2026-01-15T09:00:00'))), '2026-01-15T14:00:00', 'winter: 5 hours');
  assert.equal(iso(ny(wall('2026-03-20T09:00:00'))), '2026-03-20T13:00:00', 'New York on summer time, London not yet: 4 hours');
  assert.equal(iso(ny(wall('2026-07-01T21:30:00'))), '2026-07-02T02:30:00', 'across midnight');
  const utc = zoneShifter('Europe/Paris', 'UTC')!;
  assert.equal(iso(utc(wall('2016-03-30T01:56:00'))), '2016-03-29T23:56:00');
  assert.equal(zoneShifter('UTC', 'UTC'), null, 'the same zone moves nothing');
  assert.ok(Number.isNaN(ny(Number.NaN)), 'an open session stays open');
});
