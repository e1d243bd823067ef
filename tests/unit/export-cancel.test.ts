// Export stops cleanly: Cancel stops the write (the API answers `cancelled`, nothing half-written is left in
// the output folder), and an output folder that cannot be made is refused at once rather than hanging the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiError } from '../../analysis/api/contract';
import { useTestEngine } from './engine-harness';

const t = useTestEngine('lrtw-export-cancel-');

test('a cancelled workbook or evidence pack answers cancelled and leaves nothing in the folder; uncancelled, both are written', async () => {
  await t.call('sample.create', { jobId: 's', users: 40 });
  const out = join(t.root, 'out');
  for (const [method, what] of [['export.workbook', 'workbook'], ['export.evidencePack', 'evidence pack']] as const) {
    await assert.rejects(
      t.call(method, { jobId: 'x', dir: out }, { cancelled: true }),
      (e: ApiError) => e.code === 'cancelled' && e.message === `Cancelled: the ${what} was not written, and nothing of it was left in the folder.`,
    );
  }
  // The folder may have been made; nothing is in it, no partial file or hidden partial pack either.
  assert.deepEqual(existsSync(out) ? readdirSync(out) : [], []);
  const wb = (await t.call('export.workbook', { jobId: 'w', dir: out })) as { path: string };
  const pack = (await t.call('export.evidencePack', { jobId: 'p', dir: out })) as { path: string };
  assert.deepEqual(readdirSync(out).sort(), [pack.path, wb.path].map((p) => p.slice(out.length + 1)).sort());
});

test('an output folder that cannot be made is refused at once, saying so (under /proc Node would loop for ever)', { skip: !existsSync('/proc/self') && 'no /proc here' }, async () => {
  const started = Date.now();
  for (const method of ['export.workbook', 'export.evidencePack']) {
    await assert.rejects(t.call(method, { jobId: 'x', dir: '/proc/lrtw-nope/out' }), /The folder \/proc\/lrtw-nope cannot be made \(ENOENT\): choose a folder you can write into\./);
  }
  assert.ok(Date.now() - started < 10_000);
});
