// The real 2018 FlexNet log (Autodesk's licence server serving an AEC Collection package and a standalone AutoCAD
// package): network over-use of the Collection counts the Collection package's seats only, as FlexNet does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useTestEngine } from '../unit/engine-harness';
import type { Finding } from '../../analysis/model';

const LOG = fileURLToPath(new URL('../../../shared/fixtures/flexnet/adskflex-2018-denials.log', import.meta.url));
const engine = useTestEngine('lrtw-flexnet-pools-');
const call = (method: string, input: unknown) => engine.call(method, input);

test("the 2018 log's standalone AutoCAD package is no AEC Collection seat: the Collection's over-use is its own package's", async () => {
  await call('engagement.create', { path: join(engine.root, 'e', 'e.lrtw'), client: 'Fabrikam', as_of: '2018-08-31' });
  const dir = join(engine.root, 'in');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'subscriptions.csv'), 'Offering Name,Seat Quantity,Start Date,End Date,Access\nAEC Collection,2,2018-01-01,2018-12-31,Multi-user\n');
  await call('import.run', { jobId: 'i', files: [{ path: LOG }, { path: join(dir, 'subscriptions.csv') }] });
  await call('settings.update', { settings: { thresholds: { ...((await call('settings.get', {})) as { thresholds: Record<string, number> }).thresholds, sustained_months: 1 } } });
  await call('review.run', { jobId: 'r' });
  const net = ((await call('findings.list', { types: ['network_over_use'] })) as Finding[]);
  // By hand from the log: at most 3 Collection seats at once (JohnDoe, Giovanni on LAPTOP01, TonyMontana), first on
  // 30 July; the two AutoCAD sessions on 64300ACD_F (Wittenburg, SlabaughT) hold seats of AutoCAD's own package.
  assert.deepEqual(net.map((f) => `${f.product} ${f.offering} ${f.units} ${f.first_seen}`), ['AECCOL AECCOL 1 2018-07-30']);
  const evidence = (await call('findings.evidence', { finding_id: net[0]!.finding_id })) as { rows: Array<{ values: Record<string, unknown> }> };
  const users = new Set(evidence.rows.map((r) => r.values.user_raw).filter(Boolean));
  assert.ok(!users.has('Wittenburg') && !users.has('SlabaughT'), [...users].join(', '));
});
