// "Try with sample data" writes a new sample each time: the state folder keeps the newest few, the open one
// always, and the start screen's recent list does not offer the ones removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, dispatch, type HandlerContext } from '../../analysis/api/handlers';

const ctx: HandlerContext = { emitProgress: () => undefined, signalFor: () => new AbortController().signal };

test('repeated samples keep the newest three folders and the recent list follows', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lrtw-sample-prune-'));
  try {
    const engine = createEngine({ stateDir: join(root, 'state'), keyDir: join(root, 'keys') });
    const call = (method: string, input: unknown) => dispatch(engine, method, input, ctx);
    const folders: string[] = [];
    for (let i = 0; i < 5; i++) {
      const info = (await call('sample.create', { jobId: `s${i}`, users: 20, months: 4 })) as { folder: string };
      folders.push(info.folder);
      assert.ok(existsSync(info.folder), 'the sample just made is kept');
    }
    const left = readdirSync(join(root, 'state', 'samples')).map((n) => join(root, 'state', 'samples', n)).sort();
    assert.deepEqual(left, folders.slice(-3).sort());
    const recent = (await call('engagement.recent', {})) as { path: string }[];
    assert.equal(recent.length, 3);
    for (const r of recent) assert.ok(existsSync(r.path), r.path);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
