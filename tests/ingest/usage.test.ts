// summary.json `usage`: per catalogue product, from sessions, daily usage, Token Flex and FlexNet denials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importFiles } from '../../analysis/ingest/import';
import { computeUsage } from '../../analysis/usage';
import { tempDir, freshDb, write, settings } from './helpers';

test('usage counts sessions, distinct user-days, users, devices, denials and tokens per product', async () => {
  const dir = tempDir();
  const db = await freshDb(dir);
  const sessions = write(
    dir,
    'sessions.csv',
    [
      'session_id,user,product,device_name,start_time,duration',
      '1,a@x.com,Revit,PC1,2025-05-01 08:00,60',
      '2,a@x.com,Revit,pc1,2025-05-01 14:00,60', // same user-day, same device (case)
      '3,b@x.com,Revit,PC2,2025-05-03 09:00,30',
      '4,,Revit,PC3,2025-05-04 09:00,30', // device only: a session, no user-day
      '5,c@x.com,Mystery Tool,PC9,2025-05-02 09:00,30', // not in the catalogue: not in usage
    ].join('\n'),
  );
  const daily = write(dir, 'daily.csv', ['Day used,Product,Email,Tokens used', '2025-05-01,Revit,a@x.com,', '2025-05-06,Revit,d@x.com,', '2025-04-20,AutoCAD,e@x.com,12'].join('\n'));
  const flex = write(
    dir,
    'tokens.csv',
    ['contractYear,tokenPool,usageCategory,usageDate,productLineCode,productName,tokensConsumed', '1,CY,DESKTOP_PRODUCT,2025-04-15 00:00:00,ACD,AutoCAD,30', '1,CY,DESKTOP_PRODUCT,2025-04-16 00:00:00,ACD,AutoCAD,10.5'].join('\n'),
  );
  const r = await importFiles(db, [{ path: sessions }, { path: daily }, { path: flex }], { settings: settings() });
  assert.deepEqual(r.refused, []);
  // Denials as the FlexNet reader stores them: one retried (not true), one true, one unknown.
  for (const [line, td] of [[1, false], [2, true], [3, null]] as const) {
    await db.run(`INSERT INTO flexnet_events (source_id, line, row_key, ts, event, feature, product, "user", host, true_denial) VALUES (99, $1, $2, '2025-05-02 10:00:00', 'DENIED', '87545RVT_2025_0F', 'RVT', 'z', 'H', $3)`, [line, `k${line}`, td]);
  }
  const u = await computeUsage(db);
  assert.deepEqual(Object.keys(u).sort(), ['ACD', 'RVT']);
  assert.deepEqual(u.RVT, { sessions: 4, usage_days: 3, users: 3, devices: 3, first_day: '2025-05-01', last_day: '2025-05-06', denials: 2 });
  assert.deepEqual(u.ACD, { sessions: 0, usage_days: 1, users: 1, devices: 0, first_day: '2025-04-15', last_day: '2025-04-20', denials: 0, tokens: 40.5 });
  db.close();
});
