import { EngagementDb } from './analysis/db/engine';
import { dedupSelect, columnsOf } from './analysis/ingest/loader';
const db = await EngagementDb.open('/tmp/exp/eng/x.lrtw', {});
const cols = await columnsOf(db, 'usage_daily');
const t0 = performance.now();
await db.run(`CREATE OR REPLACE TEMP TABLE native_typed AS SELECT row_number() OVER () AS rn, line, extra, row_key, hash(row_key) AS h, ${cols.names.map(n => `"${n}"`).join(', ')} FROM usage_daily`);
console.log('typed', ((performance.now() - t0) / 1000).toFixed(2));
await db.run(`CREATE OR REPLACE TABLE ud2 AS SELECT source_id, line, row_key, extra, ${cols.names.map(n => `"${n}"`).join(', ')} FROM usage_daily LIMIT 0`);
const sql = `INSERT INTO ud2 ${dedupSelect('usage_daily', cols.names, 'SELECT * FROM temp.main.native_typed', { sourceParam: '$1', existingKeys: null, hasKey: true })}`;
const mode = process.argv[2] ?? 'run';
await db.run('BEGIN'); const t = performance.now(); const c0 = process.cpuUsage();
if (mode === 'explain') { const r = await db.conn.runAndReadAll(`EXPLAIN ANALYZE ${sql}`, [1]); console.log(r.getRowsJson().map(x => x[1]).join('\n')); }
else await db.conn.run(sql, [1]);
await db.run('COMMIT'); const c = process.cpuUsage(c0);
console.log('insert', ((performance.now() - t) / 1000).toFixed(2), 'cpu', ((c.user + c.system) / 1e6).toFixed(2));
db.close();
