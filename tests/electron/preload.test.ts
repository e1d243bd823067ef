// Bundles electron/preload.ts exactly as `npm run build` does and runs it against a fake Electron:
// the page must get one function per API method (each on its own channel) plus the event hooks,
// and never ipcRenderer or a generic send/invoke.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import vm from 'node:vm';
import { ApiErrorSchema, METHOD_NAMES } from '../../analysis/api/contract';
import { electronBundleOptions, ROOT } from '../../build/electron-bundles';
import { CALL_CHANNEL_PREFIX, ENGINE_RESTARTED_CHANNEL, PROGRESS_CHANNEL, SHELL_CHANNELS } from '../../electron/channels';

type Fn = (...args: unknown[]) => unknown;
interface Loaded {
  exposed: Map<string, Record<string, Fn>>;
  invokes: Array<{ channel: string; args: unknown[] }>;
  listeners: Map<string, Set<Fn>>;
  required: string[];
  setReply(r: (channel: string, args: unknown[]) => unknown): void;
  ipcRenderer: object;
}

let code = '';
before(async () => {
  const opts = electronBundleOptions('/tmp/unused', true).preload;
  const out = await build({ ...opts, outfile: undefined, outdir: undefined, write: false, logLevel: 'silent' });
  code = out.outputFiles[0]!.text;
});

function load(): Loaded {
  const exposed = new Map<string, Record<string, Fn>>();
  const invokes: Loaded['invokes'] = [];
  const listeners = new Map<string, Set<Fn>>();
  const required: string[] = [];
  let reply: (channel: string, args: unknown[]) => unknown = () => ({ ok: true, result: null });
  const ipcRenderer = {
    invoke: async (channel: string, ...args: unknown[]) => {
      invokes.push({ channel, args });
      return reply(channel, args);
    },
    on: (channel: string, l: Fn) => void (listeners.get(channel) ?? listeners.set(channel, new Set()).get(channel)!).add(l),
    removeListener: (channel: string, l: Fn) => void listeners.get(channel)?.delete(l),
    send: () => assert.fail('the preload must not use ipcRenderer.send'),
    sendSync: () => assert.fail('the preload must not use ipcRenderer.sendSync'),
  };
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, api: Record<string, Fn>) => void exposed.set(name, api) },
    ipcRenderer,
    webUtils: { getPathForFile: (f: { fakePath: string }) => f.fakePath },
  };
  const fakeRequire = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`a sandboxed preload cannot require "${name}"`);
    return electron;
  };
  const module = { exports: {} };
  vm.runInNewContext(code, { require: fakeRequire, module, exports: module.exports, console, Promise, Error, Object, Array, String, JSON });
  return { exposed, invokes, listeners, required, ipcRenderer, setReply: (r) => void (reply = r) };
}

test('requires only electron and exposes exactly window.workbench and window.workbenchShell', () => {
  const l = load();
  assert.deepEqual(l.required, ['electron']);
  assert.deepEqual([...l.exposed.keys()], ['workbench', 'workbenchShell']);
});

test('window.workbench: one function per API method, the event hooks, pathForFile — nothing else', () => {
  const api = load().exposed.get('workbench')!;
  assert.deepEqual(Object.keys(api).sort(), [...METHOD_NAMES, 'onProgress', 'onEngineRestarted', 'pathForFile'].sort());
  for (const [k, v] of Object.entries(api)) assert.equal(typeof v, 'function', k);
  const shell = load().exposed.get('workbenchShell')!;
  assert.deepEqual(Object.keys(shell).sort(), [...Object.keys(SHELL_CHANNELS), 'onOpenRequest', 'pathForFile'].sort());
});

test('each method sends its input on its own fixed channel and resolves to the engine result', async () => {
  const l = load();
  const api = l.exposed.get('workbench')!;
  l.setReply((channel, args) => ({ ok: true, result: { echoed: channel, input: args[0] } }));
  for (const m of METHOD_NAMES) {
    const input = { probe: m };
    const r = await api[m]!(input);
    assert.deepEqual(r, { echoed: CALL_CHANNEL_PREFIX + m, input });
  }
  assert.deepEqual(l.invokes.map((i) => i.channel), METHOD_NAMES.map((m) => CALL_CHANNEL_PREFIX + m));
  assert.ok(l.invokes.every((i) => i.args.length === 1), 'exactly the input is sent, nothing else');
});

test('an engine error rejects with the contract\'s error body: code, sentence and the field of an invalid input', async () => {
  const l = load();
  l.setReply(() => ({ ok: false, error: { code: 'no_engagement', message: 'No engagement is open. Create one, open one, or try the sample data first.' } }));
  await assert.rejects(() => l.exposed.get('workbench')!['summary.get']!({}) as Promise<unknown>, (e: unknown) => {
    // A plain object: contextBridge would keep only an Error's message, and the page needs the code.
    assert.equal(e instanceof Error, false);
    assert.deepEqual(ApiErrorSchema.parse(e), { code: 'no_engagement', message: 'No engagement is open. Create one, open one, or try the sample data first.' });
    return true;
  });
  const field = { path: ['settings', 'thresholds', 'spike_ratio'], problem: 'enter a ratio above 1' };
  l.setReply(() => ({ ok: false, error: { code: 'invalid_input', message: 'settings.update: settings.thresholds.spike_ratio: enter a ratio above 1', field } }));
  await assert.rejects(() => l.exposed.get('workbench')!['settings.update']!({}) as Promise<unknown>, (e: unknown) => {
    assert.deepEqual(ApiErrorSchema.parse(e).field, field);
    return true;
  });
});

test('onProgress/onEngineRestarted pass only the payload (never the IPC event) and unsubscribe', () => {
  const l = load();
  const api = l.exposed.get('workbench')!;
  const got: unknown[][] = [];
  const off = api.onProgress!((...a: unknown[]) => got.push(a)) as () => void;
  const off2 = api.onEngineRestarted!((...a: unknown[]) => got.push(a)) as () => void;
  const fakeEvent = { sender: l.ipcRenderer, ports: [] };
  for (const fn of l.listeners.get(PROGRESS_CHANNEL) ?? []) fn(fakeEvent, { jobId: 'j', done: 1 });
  for (const fn of l.listeners.get(ENGINE_RESTARTED_CHANNEL) ?? []) fn(fakeEvent, { message: 'restarted' });
  assert.deepEqual(got, [[{ jobId: 'j', done: 1 }], [{ message: 'restarted' }]]);
  off();
  off2();
  assert.equal(l.listeners.get(PROGRESS_CHANNEL)?.size, 0);
  assert.equal(l.listeners.get(ENGINE_RESTARTED_CHANNEL)?.size, 0);
});

test('nothing exposed returns or is ipcRenderer; the source has no generic passthrough', async () => {
  const l = load();
  for (const api of l.exposed.values()) for (const v of Object.values(api)) assert.notEqual(v, l.ipcRenderer);
  const src = readFileSync(`${ROOT}/electron/preload.ts`, 'utf8');
  assert.doesNotMatch(src, /METHOD_NAMES/);
  assert.doesNotMatch(src, /ipcRenderer\.(send|sendSync|postMessage)\(/);
  assert.doesNotMatch(src, /exposeInMainWorld\([^)]*ipcRenderer/);
  // Every call site names its method as a literal.
  const calls = [...src.matchAll(/call\('([a-zA-Z.]+)', input\)/g)].map((m) => m[1]);
  assert.deepEqual(calls.sort(), [...METHOD_NAMES].sort());
  const shell = l.exposed.get('workbenchShell')!;
  l.setReply(() => '/home/a/Acme.lrtw');
  assert.equal(await shell.pickNewEngagementPath!('Acme Q3'), '/home/a/Acme.lrtw');
  assert.deepEqual(l.invokes.at(-1), { channel: SHELL_CHANNELS.pickNewEngagementPath, args: ['Acme Q3'] });
  assert.equal(shell.pathForFile!({ fakePath: '/drop/a.csv' }), '/drop/a.csv');
});
