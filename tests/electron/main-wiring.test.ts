// Runs the compiled main-process bundle (electron/main.ts as shipped) against a fake Electron and a
// fake engine utility process: what main registers before and after ready, that IPC is sender-checked
// and reaches the engine, that quitting with a running import asks and cancels it, and crash restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { METHOD_NAMES } from '../../analysis/api/contract';
import { electronBundleOptions } from '../../build/electron-bundles';
import { APP_ENTRY_URL, ENGINE_RESTARTED_CHANNEL, SHELL_CHANNELS, callChannel } from '../../electron/channels';
import { createFakeElectron, type FakePort, type FakeUtility } from './fake-electron';

let code = '';
let base = '';
before(async () => {
  const out = await build({ ...electronBundleOptions('/tmp/unused', true).main, outfile: undefined, write: false, logLevel: 'silent' });
  code = out.outputFiles[0]!.text;
  base = mkdtempSync(join(tmpdir(), 'lrtw-main-'));
  mkdirSync(join(base, 'dist/electron'), { recursive: true });
  mkdirSync(join(base, 'dist/renderer'), { recursive: true });
  writeFileSync(join(base, 'dist/renderer/index.html'), '<!doctype html><title>LRT Workbench</title>');
});
after(() => rmSync(base, { recursive: true, force: true }));

type Reply = (method: string, input: unknown, respond: (result: unknown) => void) => void;

function boot(opts: { dialogResponse?: number; engine?: Reply } = {}) {
  const userData = mkdtempSync(join(base, 'ud-'));
  const fake = createFakeElectron({ userData, dialogResponse: () => opts.dialogResponse ?? 0 });
  const engineCalls: Array<{ method: string; input: unknown }> = [];
  const answer: Reply = opts.engine ?? ((m, _i, respond) => respond(m === 'engagement.info' ? null : { ok: true }));
  // Play the engine: answer calls on every port main hands over; exit on shutdown.
  const attach = (u: FakeUtility) => {
    u.on('parent-message', (msg: { type: string }, ports: FakePort[]) => {
      if (msg.type === 'shutdown') queueMicrotask(() => u.emit('exit', 0));
      const port = ports[0];
      if (msg.type !== 'connect' || !port) return;
      port.on('message', ({ data }: { data: { id: number; method: string; input: unknown } }) => {
        engineCalls.push({ method: data.method, input: data.input });
        answer(data.method, data.input, (result) => port.postMessage({ type: 'reply', id: data.id, reply: { ok: true, result } }));
      });
    });
  };
  const realRequire = createRequire(import.meta.url);
  const logs: string[] = [];
  const proc = Object.create(process) as NodeJS.Process;
  Object.defineProperty(proc, 'argv', { value: ['/x/electron', base] });
  Object.defineProperty(proc, 'env', { value: {} });
  // Same realm as the test (not vm), so objects main creates compare structurally with ours.
  const run = new Function('require', 'module', 'exports', '__dirname', '__filename', 'process', 'console', code);
  const mod = { exports: {} };
  run((name: string) => (name === 'electron' ? fake.electron : realRequire(name)), mod, mod.exports, join(base, 'dist/electron'), join(base, 'dist/electron/main.cjs'), proc, { ...console, log: (m: string) => logs.push(String(m)) });
  const origFork = fake.electron.utilityProcess.fork;
  fake.electron.utilityProcess.fork = (p: string, a: string[]) => {
    const u = origFork(p, a);
    attach(u);
    return u;
  };
  return { fake, engineCalls, logs };
}

const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));
/** Polls until cond holds (the machine may be busy; fixed sleeps would be flaky). */
async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await settle(10);
  }
}
/** Ready = window created, engine forked, IPC registered. */
async function ready(fake: ReturnType<typeof createFakeElectron>): Promise<void> {
  fake.becomeReady();
  await waitFor('main to finish onReady', () => fake.windows.length === 1 && fake.utilities.length === 1 && fake.ipcHandlers.size > 0 && fake.windows[0]!.loaded.length === 1);
}
const goodSender = (win: { webContents: unknown }) => ({ sender: win.webContents, senderFrame: { url: APP_ENTRY_URL, parent: null } });

test('before ready: app:// registered privileged, sandbox enabled; after ready: one window on app://', async () => {
  const { fake } = boot();
  assert.deepEqual(fake.calls.privileged, [[{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]]);
  assert.equal(fake.calls.sandbox, 1);
  assert.equal(fake.windows.length, 0);
  await ready(fake);
  assert.equal(fake.windows.length, 1);
  const win = fake.windows[0]!;
  assert.deepEqual(win.loaded, [APP_ENTRY_URL]);
  const wp = win.options.webPreferences as Record<string, unknown>;
  assert.equal(wp.sandbox, true);
  assert.equal(wp.contextIsolation, true);
  assert.equal(wp.nodeIntegration, false);
  assert.equal(wp.preload, join(base, 'dist/electron/preload.cjs'));
  assert.ok((fake.session.registered as string[]).includes('setPermissionRequestHandler'));
  assert.ok((fake.session.registered as string[]).includes('onBeforeRequest'));
  assert.equal(fake.calls.menus >= 1, true);
  assert.equal(fake.utilities.length, 1);
  assert.match(fake.utilities[0]!.modulePath, /engine-process\.cjs$/);
  assert.ok(fake.utilities[0]!.args.some((a) => a.startsWith('--state-dir=')));
  // The protocol serves the built renderer with the CSP header.
  const res = await fake.protocolHandlers.get('app')!(new Request(APP_ENTRY_URL));
  assert.equal(res.status, 200);
  assert.match(await res.text(), /LRT Workbench/);
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
});

test('IPC: one handler per API method and per dialog; sender checked before anything reaches the engine', async () => {
  const { fake, engineCalls } = boot();
  await ready(fake);
  for (const m of METHOD_NAMES) assert.ok(fake.ipcHandlers.has(callChannel(m)), m);
  for (const ch of Object.values(SHELL_CHANNELS)) assert.ok(fake.ipcHandlers.has(ch), ch);
  assert.equal(fake.ipcHandlers.size, METHOD_NAMES.length + Object.keys(SHELL_CHANNELS).length);
  const win = fake.windows[0]!;
  const ok = await fake.ipcHandlers.get(callChannel('engagement.info'))!(goodSender(win), {});
  assert.deepEqual(ok, { ok: true, result: null });
  assert.deepEqual(engineCalls, [{ method: 'engagement.info', input: {} }]);
  for (const bad of [
    { sender: win.webContents, senderFrame: { url: 'https://evil.example/', parent: null } },
    { sender: win.webContents, senderFrame: { url: APP_ENTRY_URL, parent: {} } },
    { sender: { id: 999 }, senderFrame: { url: APP_ENTRY_URL, parent: null } },
  ]) {
    const r = (await fake.ipcHandlers.get(callChannel('engagement.open'))!(bad, { path: '/x.lrtw' })) as { ok: boolean; error?: { message: string } };
    assert.equal(r.ok, false);
    assert.match(r.error?.message ?? '', /Refused/);
  }
  assert.equal(engineCalls.length, 1, 'refused calls never reached the engine');
  assert.equal(await fake.ipcHandlers.get(SHELL_CHANNELS.pickImportFolder)!({ sender: { id: 999 }, senderFrame: null }), null);
});

test('quit with an import running: asks; "Cancel and quit" cancels the job, waits, stops the engine, quits', async () => {
  let heldImport: ((r: unknown) => void) | null = null;
  const { fake, engineCalls } = boot({
    dialogResponse: 1,
    engine: (m, _i, respond) => {
      if (m === 'import.run') heldImport = respond;
      else if (m === 'job.cancel') {
        respond({ ok: true });
        heldImport?.({ sources: [], refused: [], cancelled: true });
      } else respond(null);
    },
  });
  await ready(fake);
  const win = fake.windows[0]!;
  const importing = fake.ipcHandlers.get(callChannel('import.run'))!(goodSender(win), { jobId: 'imp-1', files: [{ path: '/x/a.csv' }] }) as Promise<{ ok: boolean; result: { cancelled: boolean } }>;
  await waitFor('import.run to reach the engine', () => engineCalls.length === 1);
  fake.electron.app.quit();
  await waitFor('the quit to finish', () => fake.calls.quit === 2);
  assert.equal(fake.calls.dialogs.length, 1, 'the user was asked');
  assert.deepEqual(engineCalls.map((c) => c.method), ['import.run', 'job.cancel']);
  assert.deepEqual(engineCalls[1]!.input, { jobId: 'imp-1' });
  assert.equal((await importing).result.cancelled, true);
  assert.deepEqual(fake.utilities[0]!.received.at(-1), { type: 'shutdown' });
  assert.equal(fake.calls.quit, 2, 'quit re-issued once the engine stopped');
});

test('quit with an import running: "Keep working" leaves the job alone and does not quit', async () => {
  const { fake, engineCalls } = boot({ dialogResponse: 0, engine: (m, _i, respond) => void (m === 'import.run' || respond(null)) });
  await ready(fake);
  void fake.ipcHandlers.get(callChannel('import.run'))!(goodSender(fake.windows[0]!), { jobId: 'imp-2', files: [{ path: '/x/a.csv' }] });
  await waitFor('import.run to reach the engine', () => engineCalls.length === 1);
  fake.electron.app.quit();
  await waitFor('the question', () => fake.calls.dialogs.length === 1);
  await settle(50);
  assert.deepEqual(engineCalls.map((c) => c.method), ['import.run']);
  assert.equal(fake.calls.quit, 1);
  assert.ok(!fake.utilities[0]!.received.some((m) => (m as { type: string }).type === 'shutdown'));
});

test('an engine crash restarts it and tells the window in a sentence', async () => {
  const { fake, logs } = boot();
  await ready(fake);
  assert.equal(fake.utilities.length, 1, logs.join('\n'));
  fake.utilities[0]!.emit('exit', 134);
  // First backoff is 200 ms.
  await waitFor('the restart notice', () => fake.windows[0]!.webContents.sent.some(([ch]) => ch === ENGINE_RESTARTED_CHANNEL));
  assert.equal(fake.utilities.length, 2);
  const sent = fake.windows[0]!.webContents.sent.filter(([ch]) => ch === ENGINE_RESTARTED_CHANNEL);
  assert.equal(sent.length, 1);
  assert.match((sent[0]![1] as { message: string }).message, /stopped unexpectedly and was restarted/);
});
