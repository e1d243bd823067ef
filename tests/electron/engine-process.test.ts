// The utility-process entry (electron/engine-process.ts) bundled as shipped, with the engine module
// replaced by a recording fake and Electron's parentPort/MessagePortMain played by the test.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { build, type Plugin } from 'esbuild';
import { electronBundleOptions } from '../../build/electron-bundles';

// Stands in for analysis/api/handlers.ts: same exports, observable behaviour.
const FAKE_HANDLERS = `
const log = globalThis.__engineLog;
let n = 0;
export function createEngine(opts) {
  const id = ++n;
  log.push(['create', id, opts]);
  let emit = null;
  return {
    id,
    handlers: {},
    ctx(e) { emit = e; return { emitProgress: e, signalFor: () => new AbortController().signal }; },
    cancel() {},
    async dispose() { log.push(['dispose', id]); },
    progress(ev) { emit(ev); },
  };
}
export async function dispatch(engine, method, input, ctx) {
  log.push(['dispatch', engine.id, method, input]);
  if (method === 'import.run') { ctx.emitProgress({ jobId: input.jobId, phase: 'load', file: null, done: 1, total: 2, rows_per_second: null, message: 'half', finished: false }); return { cancelled: false }; }
  if (method === 'bad') { const e = new Error('Unknown method "bad".'); e.code = 'invalid_input'; throw e; }
  return { engine: engine.id, method };
}
export function toApiError(e) { return { code: e.code ?? 'failed', message: e.message }; }
`;

let code = '';
before(async () => {
  const fakeEngine: Plugin = {
    name: 'fake-engine',
    setup(b) {
      b.onResolve({ filter: /analysis\/api\/handlers$/ }, () => ({ path: 'fake-handlers', namespace: 'fake' }));
      b.onLoad({ filter: /.*/, namespace: 'fake' }, () => ({ contents: FAKE_HANDLERS, loader: 'js' }));
    },
  };
  const opts = electronBundleOptions('/tmp/unused', true).engine;
  const out = await build({ ...opts, outfile: undefined, write: false, logLevel: 'silent', plugins: [fakeEngine] });
  code = out.outputFiles[0]!.text;
});

class Port extends EventEmitter {
  posted: unknown[] = [];
  started = false;
  closed = false;
  postMessage(m: unknown) {
    this.posted.push(m);
  }
  start() {
    this.started = true;
  }
  close() {
    this.closed = true;
  }
}

function startProcess(argv: string[]) {
  const log: unknown[][] = [];
  (globalThis as { __engineLog?: unknown }).__engineLog = log;
  const parent = new Port();
  const exits: number[] = [];
  const errors: string[] = [];
  const proc = Object.create(process) as NodeJS.Process & { parentPort: Port };
  Object.defineProperty(proc, 'argv', { value: ['/x/electron', '/x/engine-process.cjs', ...argv] });
  Object.defineProperty(proc, 'parentPort', { value: parent });
  Object.defineProperty(proc, 'exit', { value: (c: number) => void exits.push(c) });
  Object.defineProperty(proc, 'on', { value: () => proc });
  const realRequire = createRequire(import.meta.url);
  new Function('require', 'module', 'exports', '__filename', 'process', 'console', code)(realRequire, { exports: {} }, {}, '/x/engine-process.cjs', proc, { ...console, error: (m: string) => errors.push(String(m)) });
  return { parent, log, exits, errors };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

test('announces itself, creates one engine per window port, answers calls and forwards progress', async () => {
  const p = startProcess(['--state-dir=/ud/engine', '--key-dir=/ud/keys']);
  assert.deepEqual(p.parent.posted, [{ type: 'ready' }]);
  const w1 = new Port();
  const w2 = new Port();
  p.parent.emit('message', { data: { type: 'connect', connectionId: 1 }, ports: [w1] });
  p.parent.emit('message', { data: { type: 'connect', connectionId: 2 }, ports: [w2] });
  assert.ok(w1.started && w2.started);
  assert.deepEqual(p.log.filter((l) => l[0] === 'create'), [['create', 1, { stateDir: '/ud/engine', keyDir: '/ud/keys' }], ['create', 2, { stateDir: '/ud/engine', keyDir: '/ud/keys' }]]);
  w2.emit('message', { data: { type: 'call', id: 5, method: 'summary.get', input: {} } });
  w1.emit('message', { data: { type: 'call', id: 6, method: 'import.run', input: { jobId: 'j1' } } });
  await settle();
  assert.deepEqual(w2.posted, [{ type: 'reply', id: 5, reply: { ok: true, result: { engine: 2, method: 'summary.get' } } }]);
  assert.deepEqual(w1.posted.map((m) => (m as { type: string }).type), ['progress', 'reply']);
  assert.equal((w1.posted[0] as { event: { message: string } }).event.message, 'half');
});

test('errors are answered with their code; non-call messages are ignored', async () => {
  const p = startProcess(['--state-dir=/ud/engine']);
  const w = new Port();
  p.parent.emit('message', { data: { type: 'connect', connectionId: 1 }, ports: [w] });
  assert.deepEqual(p.log[0], ['create', 1, { stateDir: '/ud/engine' }]);
  w.emit('message', { data: { type: 'call', id: 1, method: 'bad', input: {} } });
  w.emit('message', { data: 'hello' });
  w.emit('message', { data: { type: 'call', id: 'x', method: 'summary.get' } });
  await settle();
  assert.deepEqual(w.posted, [{ type: 'reply', id: 1, reply: { ok: false, error: { code: 'invalid_input', message: 'Unknown method "bad".' } } }]);
  assert.equal(p.log.filter((l) => l[0] === 'dispatch').length, 1);
  p.parent.emit('message', { data: { type: 'nonsense' }, ports: [] });
  p.parent.emit('message', { data: { type: 'connect', connectionId: 2 }, ports: [] });
  assert.equal(p.errors.length, 2, 'both refused with a log line');
});

test('disconnect disposes that window\'s engine; shutdown disposes all, reports, exits 0', async () => {
  const p = startProcess(['--state-dir=/ud/engine']);
  const [a, b] = [new Port(), new Port()];
  p.parent.emit('message', { data: { type: 'connect', connectionId: 1 }, ports: [a] });
  p.parent.emit('message', { data: { type: 'connect', connectionId: 2 }, ports: [b] });
  p.parent.emit('message', { data: { type: 'disconnect', connectionId: 1 }, ports: [] });
  await settle();
  assert.deepEqual(p.log.filter((l) => l[0] === 'dispose'), [['dispose', 1]]);
  assert.equal(a.closed, true);
  p.parent.emit('message', { data: { type: 'shutdown' }, ports: [] });
  await settle();
  assert.deepEqual(p.log.filter((l) => l[0] === 'dispose'), [['dispose', 1], ['dispose', 2]]);
  assert.deepEqual(p.parent.posted.at(-1), { type: 'shutdown-complete' });
  assert.deepEqual(p.exits, [0]);
});

test('started without a state folder it exits with a fatal message naming the flag', () => {
  const p = startProcess([]);
  assert.deepEqual(p.exits[0], 70);
  assert.match(JSON.stringify(p.parent.posted[0]), /--state-dir/);
});
