import { Engagement } from '../../analysis/engagement';
import { defaultSettings } from '../../analysis/settings';
import { importFiles } from '../../analysis/ingest/import';
import { rmSync } from 'node:fs';
async function main() {
  const dir = process.argv[3]!;
  rmSync(dir + '/dbg.lrtw', { force: true }); rmSync(dir + '/dbg.lrtw.wal', { force: true });
  const eng = await Engagement.create(dir + '/dbg.lrtw', defaultSettings(), { allowedDirectories: [process.argv[4] ?? dir] });
  const t0 = performance.now();
  const r = await importFiles(eng.db, [{ path: process.argv[2]! }], { settings: eng.settings });
  console.log(JSON.stringify(r, null, 1).slice(0, 3000), ((performance.now() - t0) / 1000).toFixed(2));
  console.log(await eng.db.all('SELECT * FROM rejects LIMIT 5'));
  console.log(await eng.db.all('SELECT * FROM sessions LIMIT 2'));
  eng.close();
}
main();
