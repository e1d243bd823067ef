// The engine host against a fake utility process: routing, crash recovery, restart limits, reopening
// the engagement each window had, and cancelling jobs before quitting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineHost, type EngineChild, type EnginePort } from '../../electron/engine-host';
import type { EngineRestartedEvent } from '../../electron/channels';
import type { ParentMessage, PortRequest } from '../../electron/ipc-messages';

class FakePort implements EnginePort {
  sent: PortRequest[] = [];
  closed = false;
  private cb: ((m: unknown) => void) | null = null;
  send(msg: PortRequest) {
    this.sent.push(msg);
  }
  onMessage(cb: (m: unknown) => void) {
    this.cb = cb;
  }
  close() {
    this.closed = true;
  }
  /** The engine answers call `id`. */
  reply(id: number, result: unknown) {
    this.cb?.({ type: 'reply', id, reply: { ok: true, result } });
  }
  fail(id: number, code: string, message: string) {
    this.cb?.({ type: 'reply', id, reply: { ok: false, error: { code, message } } });
  }
  emit(raw: unknown) {
    this.cb?.(raw);
  }
  last(method: string): PortRequest {
    const m = [...this.sent].reverse().find((s) => s.method === method);
    assert.ok(m, `a ${method} call was sent`);
    return m;
  }
}

class FakeChild implements EngineChild {
  sent: Array<{ msg: ParentMessage; port: unknown }> = [];
  killed = false;
  private exitCb: ((code: number) => void) | null = null;
  send(msg: ParentMessage, port?: unknown) {
    this.sent.push({ msg, port });
  }
  onMessage() {}
  onExit(cb: (code: number) => void) {
    this.exitCb = cb;
  }
  kill() {
    this.killed = true;
    this.exitCb?.(-1);
  }
  crash(code = 134) {
    this.exitCb?.(code);
  }
  exitCleanly() {
    this.exitCb?.(0);
  }
}

function harness(opts: { maxRestartsPerMinute?: number } = {}) {
  let clock = 1_000_000;
  const children: FakeChild[] = [];
  const ports: FakePort[] = [];
  const timers: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
  const events: Array<{ windowId: number; type: string; event: unknown }> = [];
  const engagements: Array<[number, string | null]> = [];
  const host = new EngineHost(
    {
      spawn: () => {
        const c = new FakeChild();
        children.push(c);
        return c;
      },
      createChannel: () => {
        const p = new FakePort();
        ports.push(p);
        return { local: p, remote: { remoteOf: ports.length - 1 } };
      },
      toWindow: (windowId, e) => events.push({ windowId, type: e.type, event: e.event }),
      onEngagementChanged: (w, p) => engagements.push([w, p]),
      log: () => {},
      now: () => clock,
      setTimer: (fn, ms) => {
        const t = { fn, ms, cancelled: false };
        timers.push(t);
        return { cancel: () => void (t.cancelled = true) };
      },
    },
    { maxRestartsPerMinute: opts.maxRestartsPerMinute ?? 3, backoffMs: [100, 1000, 5000] },
  );
  const fireTimers = () => {
    for (const t of timers.splice(0)) if (!t.cancelled) t.fn();
  };
  return { host, children, ports, timers, events, engagements, fireTimers, advance: (ms: number) => void (clock += ms) };
}

const flush = () => new Promise((r) => setImmediate(r));
const restartEvents = (h: ReturnType<typeof harness>, windowId: number) =>
  h.events.filter((e) => e.windowId === windowId && e.type === 'engine-restarted').map((e) => e.event as EngineRestartedEvent);

test('each window gets its own port; calls and progress are routed to the right window', async () => {
  const h = harness();
  h.host.start();
  h.host.attachWindow(1);
  h.host.attachWindow(2);
  assert.deepEqual(h.children[0]!.sent.map((s) => s.msg), [{ type: 'connect', connectionId: 1 }, { type: 'connect', connectionId: 2 }]);
  assert.deepEqual(h.children[0]!.sent.map((s) => s.port), [{ remoteOf: 0 }, { remoteOf: 1 }]);
  const call = h.host.call(2, 'summary.get', {});
  const req = h.ports[1]!.last('summary.get');
  assert.equal(h.ports[0]!.sent.length, 0);
  h.ports[1]!.emit({ type: 'progress', event: { jobId: 'j', phase: 'load', file: 'a.csv', done: 5, total: 10, rows_per_second: 100, message: 'Loading a.csv', finished: false } });
  h.ports[1]!.reply(req.id, null);
  assert.deepEqual(await call, { ok: true, result: null });
  assert.deepEqual(h.events.map((e) => [e.windowId, e.type]), [[2, 'progress']]);
  // Malformed engine messages are ignored, not forwarded.
  h.ports[1]!.emit({ type: 'progress', event: { jobId: 1 } });
  assert.equal(h.events.length, 1);
});

test('an engine error comes back as {ok:false} with its code and message', async () => {
  const h = harness();
  h.host.start();
  h.host.attachWindow(1);
  const call = h.host.call(1, 'findings.list', {});
  h.ports[0]!.fail(h.ports[0]!.last('findings.list').id, 'no_engagement', 'No engagement is open.');
  assert.deepEqual(await call, { ok: false, error: { code: 'no_engagement', message: 'No engagement is open.' } });
});

test('a crash answers pending calls, restarts after backoff, and reopens each window\'s engagement', async () => {
  const h = harness();
  h.host.start();
  h.host.attachWindow(1);
  h.host.attachWindow(2);
  const open = h.host.call(1, 'engagement.open', { path: '/clients/Acme Q3.lrtw' });
  h.ports[0]!.reply(h.ports[0]!.last('engagement.open').id, { path: '/clients/Acme Q3.lrtw', client: 'Acme' });
  assert.equal((await open).ok, true);
  assert.equal(h.host.engagementOf(1), '/clients/Acme Q3.lrtw');
  assert.deepEqual(h.engagements, [[1, '/clients/Acme Q3.lrtw']]);

  const importing = h.host.call(1, 'import.run', { jobId: 'imp-1', files: [{ path: '/x/sessions.csv' }] });
  h.children[0]!.crash(139);
  const r = await importing;
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error.message : '', /stopped unexpectedly \(exit code 139\) while running import\.run.*run this step again/);
  assert.equal(h.host.status, 'restarting');
  // While restarting, calls fail fast with a sentence rather than hanging.
  const during = await h.host.call(1, 'summary.get', {});
  assert.match(!during.ok ? during.error.message : '', /restarting/);

  assert.equal(h.timers[0]?.ms, 100);
  h.fireTimers();
  assert.equal(h.children.length, 2);
  const newPorts = h.ports.slice(2);
  assert.equal(newPorts.length, 2);
  assert.deepEqual(h.children[1]!.sent.map((s) => s.msg.type), ['connect', 'connect']);
  // Window 1 had an engagement: it is reopened on its new port; window 2 had none.
  const reopen = newPorts[0]!.last('engagement.open');
  assert.deepEqual(reopen.input, { path: '/clients/Acme Q3.lrtw' });
  assert.equal(newPorts[1]!.sent.length, 0);
  newPorts[0]!.reply(reopen.id, { path: '/clients/Acme Q3.lrtw' });
  await flush();
  const [ev1] = restartEvents(h, 1);
  assert.equal(ev1?.reopened, '/clients/Acme Q3.lrtw');
  assert.match(ev1?.message ?? '', /restarted; your engagement "Acme Q3\.lrtw" was reopened/);
  const [ev2] = restartEvents(h, 2);
  assert.equal(ev2?.reopened, null);
  assert.equal(ev2?.gaveUp, false);
  // Old ports are closed and what arrives on them is ignored.
  assert.ok(h.ports[0]!.closed);
  const after = h.host.call(1, 'summary.get', {});
  h.ports[0]!.reply(1, 'stale');
  newPorts[0]!.reply(newPorts[0]!.last('summary.get').id, null);
  assert.deepEqual(await after, { ok: true, result: null });
});

test('if the engagement cannot be reopened the window is told why and what to do', async () => {
  const h = harness();
  h.host.start();
  h.host.attachWindow(1);
  const open = h.host.call(1, 'engagement.create', { path: '/c/new.lrtw', client: 'Acme' });
  h.ports[0]!.reply(h.ports[0]!.last('engagement.create').id, { path: '/c/new.lrtw' });
  await open;
  h.children[0]!.crash();
  h.fireTimers();
  const p = h.ports[1]!;
  p.fail(p.last('engagement.open').id, 'not_found', '/c/new.lrtw does not exist.');
  await flush();
  const [ev] = restartEvents(h, 1);
  assert.equal(ev?.reopened, null);
  assert.match(ev?.message ?? '', /could not be reopened: \/c\/new\.lrtw does not exist\. Open it again from File/);
  assert.equal(h.host.engagementOf(1), null);
});

test('more than N crashes within a minute: gives up and tells every window', async () => {
  const h = harness({ maxRestartsPerMinute: 2 });
  h.host.start();
  h.host.attachWindow(1);
  for (let i = 0; i < 2; i++) {
    h.children.at(-1)!.crash();
    h.fireTimers();
    h.advance(5_000);
  }
  assert.equal(h.children.length, 3);
  assert.deepEqual(h.timers.length, 0);
  h.children.at(-1)!.crash();
  assert.equal(h.host.status, 'gave-up');
  assert.equal(h.timers.length, 0, 'no further restart is scheduled');
  const last = restartEvents(h, 1).at(-1);
  assert.equal(last?.gaveUp, true);
  assert.match(last?.message ?? '', /stopped 3 times within a minute and was not restarted/);
  const r = await h.host.call(1, 'summary.get', {});
  assert.match(!r.ok ? r.error.message : '', /keeps stopping/);
});

test('crashes spread over more than a minute keep being restarted, with growing backoff', () => {
  const h = harness({ maxRestartsPerMinute: 2 });
  h.host.start();
  h.host.attachWindow(1);
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    h.children.at(-1)!.crash();
    delays.push(h.timers[0]!.ms);
    h.fireTimers();
    h.advance(45_000);
  }
  assert.equal(h.children.length, 6);
  assert.equal(h.host.status, 'running');
  assert.deepEqual(delays, [100, 1000, 1000, 1000, 1000]); // 2nd within the window waits longer
});

test('quitting: running jobs are listed, cancelled through the engine, and awaited', async () => {
  const h = harness();
  h.host.start();
  h.host.attachWindow(1);
  h.host.attachWindow(2);
  const imp = h.host.call(1, 'import.run', { jobId: 'imp-7', files: [{ path: '/x/a.csv' }] });
  void h.host.call(2, 'summary.get', {});
  assert.deepEqual(h.host.runningJobs(), [{ windowId: 1, jobId: 'imp-7', method: 'import.run' }]);
  const cancelling = h.host.cancelAllJobs(15_000);
  const cancel = h.ports[0]!.last('job.cancel');
  assert.deepEqual(cancel.input, { jobId: 'imp-7' });
  h.ports[0]!.reply(cancel.id, { ok: true });
  let done = false;
  void cancelling.then(() => (done = true));
  await flush();
  assert.equal(done, false, 'waits for the import itself to answer');
  h.ports[0]!.reply(h.ports[0]!.last('import.run').id, { sources: [], refused: [], cancelled: true });
  assert.deepEqual(await cancelling, []);
  assert.equal((await imp).ok, true);
});

test('a job that ignores cancel is reported after the timeout', async () => {
  const h = harness();
  h.host.start();
  h.host.attachWindow(1);
  void h.host.call(1, 'review.run', { jobId: 'rev-1' });
  const cancelling = h.host.cancelAllJobs(50);
  await flush();
  h.fireTimers();
  assert.deepEqual(await cancelling, [{ windowId: 1, jobId: 'rev-1', method: 'review.run' }]);
});

test('clean stop: shutdown is sent, the exit is not treated as a crash', async () => {
  const h = harness();
  h.host.start();
  h.host.attachWindow(1);
  const stopping = h.host.stop(10_000);
  assert.deepEqual(h.children[0]!.sent.at(-1)?.msg, { type: 'shutdown' });
  h.children[0]!.exitCleanly();
  await stopping;
  assert.equal(h.host.status, 'stopped');
  assert.equal(h.children.length, 1, 'no restart');
  assert.equal(restartEvents(h, 1).length, 0);
});

test('a child that ignores shutdown is killed after the timeout', async () => {
  const h = harness();
  h.host.start();
  const stopping = h.host.stop(10);
  h.fireTimers();
  await stopping;
  assert.equal(h.children[0]!.killed, true);
  assert.equal(h.children.length, 1);
});

test('closing a window answers its calls and disconnects its engine session', async () => {
  const h = harness();
  h.host.start();
  h.host.attachWindow(1);
  const pending = h.host.call(1, 'quality.get', {});
  h.host.detachWindow(1);
  const r = await pending;
  assert.match(!r.ok ? r.error.message : '', /window was closed/);
  assert.deepEqual(h.children[0]!.sent.at(-1)?.msg, { type: 'disconnect', connectionId: 1 });
  assert.ok(h.ports[0]!.closed);
  const later = await h.host.call(1, 'summary.get', {});
  assert.equal(later.ok, false);
});
