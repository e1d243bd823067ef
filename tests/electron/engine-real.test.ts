// The real engine bundle (electron/engine-process.ts with the real analysis/ engine, DuckDB and
// ExcelJS as externals, exactly as `npm run build` makes it) driven over a fake parentPort and
// MessagePort in plain Node: the utility-process side of "open the sample" without the Electron binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { electronBundleOptions, ROOT } from '../../build/electron-bundles';

class Port extends EventEmitter {
  posted: unknown[] = [];
  postMessage(m: unknown) {
    this.posted.push(m);
    this.emit('posted', m);
  }
  start() {}
  close() {}
}

let code = '';
let state = '';
before(async () => {
  const opts = electronBundleOptions(join(ROOT, 'dist/electron'), true).engine;
  const out = await build({ ...opts, write: false, logLevel: 'silent' });
  code = out.outputFiles[0]!.text;
  state = mkdtempSync(join(tmpdir(), 'lrtw-engine-real-'));
});
after(() => rmSync(state, { recursive: true, force: true }));

test('the shipped engine bundle creates and opens the sample engagement over its port', { timeout: 120_000 }, async () => {
  const parent = new Port();
  const exits: number[] = [];
  const proc = Object.create(process) as NodeJS.Process;
  Object.defineProperty(proc, 'argv', { value: ['/x/electron', '/x/engine-process.cjs', `--state-dir=${join(state, 'engine')}`, `--key-dir=${join(state, 'keys')}`] });
  Object.defineProperty(proc, 'parentPort', { value: parent });
  Object.defineProperty(proc, 'exit', { value: (c: number) => void exits.push(c) });
  Object.defineProperty(proc, 'on', { value: () => proc });
  // Externals resolve from the project, as they do from dist/electron/ in the app.
  const req = createRequire(join(ROOT, 'dist/electron/engine-process.cjs'));
  new Function('require', 'module', 'exports', '__filename', '__dirname', 'process', code)(req, { exports: {} }, {}, join(ROOT, 'dist/electron/engine-process.cjs'), join(ROOT, 'dist/electron'), proc);
  assert.deepEqual(parent.posted, [{ type: 'ready' }]);

  const port = new Port();
  parent.emit('message', { data: { type: 'connect', connectionId: 1 }, ports: [port] });
  let nextId = 1;
  const call = (method: string, input: unknown) =>
    new Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>((resolve) => {
      const id = nextId++;
      const onPosted = (m: { type: string; id?: number; reply?: never }) => {
        if (m.type === 'reply' && m.id === id) {
          port.off('posted', onPosted);
          resolve(m.reply!);
        }
      };
      port.on('posted', onPosted);
      port.emit('message', { data: { type: 'call', id, method, input } });
    });

  // Input is validated against the contract before the engine runs anything.
  const bad = await call('sample.create', { jobId: 'has spaces!' });
  assert.equal(bad.ok, false);
  assert.equal(bad.error?.code, 'invalid_input');
  const none = await call('engagement.info', {});
  assert.deepEqual(none, { ok: true, result: null });

  const made = await call('sample.create', { jobId: 'sample-1', users: 20, months: 4, seed: 3 });
  assert.equal(made.ok, true, JSON.stringify(made.error));
  const path = (made.result as { path: string }).path;
  assert.ok(existsSync(path), `${path} exists on disk`);
  const info = await call('engagement.info', {});
  assert.equal((info.result as { path: string }).path, path);
  const progress = port.posted.filter((m) => (m as { type: string }).type === 'progress');
  assert.ok(progress.length > 0, 'progress events were posted on the port');

  parent.emit('message', { data: { type: 'shutdown' }, ports: [] });
  const end = Date.now() + 10_000;
  while (exits.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(exits, [0]);
  assert.deepEqual(parent.posted.at(-1), { type: 'shutdown-complete' });
});
