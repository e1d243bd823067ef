// Main-process side of the engine: owns the utilityProcess running analysis/, one MessagePort pair per
// window, the calls in flight, and crash recovery. Written against small interfaces (EngineChild,
// EnginePort) so unit tests drive it with a fake child; main.ts adapts Electron's utilityProcess and
// MessageChannelMain to them.
//
// Crash recovery: when the child exits unexpectedly every pending call is answered with a clear error,
// the child is restarted after a backoff (at most maxRestartsPerMinute times in any 60 s), each window
// is reconnected, the engagement it had open is reopened (engagement.open with its path), and the
// window receives an `engine-restarted` event with a sentence for the user.
import type { MethodName, ProgressEvent } from '../analysis/api/contract';
import type { EngineRestartedEvent } from './channels';
import { ChildMessageSchema, PortMessageFromEngineSchema, type CallReply, type ParentMessage, type PortRequest } from './ipc-messages';

/** One end of a window's channel, held by main. */
export interface EnginePort {
  send(msg: PortRequest): void;
  onMessage(cb: (msg: unknown) => void): void;
  close(): void;
}
/** The utility process as main sees it. `port` is the other end of a channel, transferred to the child. */
export interface EngineChild {
  send(msg: ParentMessage, port?: unknown): void;
  onMessage(cb: (msg: unknown) => void): void;
  onExit(cb: (code: number) => void): void;
  kill(): void;
}

export interface EngineHostDeps {
  spawn(): EngineChild;
  createChannel(): { local: EnginePort; remote: unknown };
  /** Events for a window (main forwards them with webContents.send). */
  toWindow(windowId: number, event: { type: 'progress'; event: ProgressEvent } | { type: 'engine-restarted'; event: EngineRestartedEvent }): void;
  /** A window opened (path) or closed (null) an engagement: for the recent list and window titles. */
  onEngagementChanged?(windowId: number, path: string | null): void;
  log(message: string): void;
  now?(): number;
  setTimer?(fn: () => void, ms: number): { cancel(): void };
}

export interface EngineHostOptions {
  maxRestartsPerMinute: number;
  /** Delay before restart number n (0-based within the minute); the last entry repeats. */
  backoffMs: readonly number[];
}
export const DEFAULT_ENGINE_HOST_OPTIONS: EngineHostOptions = { maxRestartsPerMinute: 4, backoffMs: [200, 1000, 3000, 5000] };

/** Methods that run as cancellable jobs (their input carries a jobId). */
const JOB_METHODS: ReadonlySet<string> = new Set<MethodName>(['sample.create', 'import.run', 'review.run', 'export.workbook', 'export.evidencePack']);
/** Methods whose successful result is the engagement now open in that window. */
const OPENS_ENGAGEMENT: ReadonlySet<string> = new Set<MethodName>(['engagement.open', 'engagement.create', 'sample.create']);

interface Pending { method: MethodName; jobId: string | null; resolve(r: CallReply): void }
interface Connection {
  windowId: number;
  connectionId: number;
  port: EnginePort | null;
  pending: Map<number, Pending>;
  engagementPath: string | null;
}

type State = 'idle' | 'running' | 'restarting' | 'gave-up' | 'stopping' | 'stopped';

export interface RunningJob { windowId: number; jobId: string; method: MethodName }

export class EngineHost {
  private child: EngineChild | null = null;
  private state: State = 'idle';
  private readonly conns = new Map<number, Connection>();
  private nextCallId = 1;
  private nextConnectionId = 1;
  private restarts: number[] = [];
  private restartTimer: { cancel(): void } | null = null;
  private stopped: (() => void) | null = null;
  private readonly opts: EngineHostOptions;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => { cancel(): void };

  constructor(private readonly deps: EngineHostDeps, opts: Partial<EngineHostOptions> = {}) {
    this.opts = { ...DEFAULT_ENGINE_HOST_OPTIONS, ...opts };
    this.now = deps.now ?? Date.now;
    this.setTimer = deps.setTimer ?? ((fn, ms) => {
      const t = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(t) };
    });
  }

  get status(): State {
    return this.state;
  }

  start(): void {
    if (this.state !== 'idle') throw new Error(`EngineHost.start() called twice (state ${this.state})`);
    this.spawnChild();
  }

  /** Connects a window to the engine (one engine session, i.e. one open engagement, per window). */
  attachWindow(windowId: number): void {
    if (this.conns.has(windowId)) return;
    const conn: Connection = { windowId, connectionId: 0, port: null, pending: new Map(), engagementPath: null };
    this.conns.set(windowId, conn);
    if (this.child && this.state === 'running') this.connect(conn);
  }

  /** The window closed: its engine session is disposed, its calls are answered. */
  detachWindow(windowId: number): void {
    const conn = this.conns.get(windowId);
    if (!conn) return;
    this.conns.delete(windowId);
    this.failPending(conn, () => 'The window was closed before the engine answered.');
    if (this.child && this.state === 'running') this.child.send({ type: 'disconnect', connectionId: conn.connectionId });
    conn.port?.close();
  }

  engagementOf(windowId: number): string | null {
    return this.conns.get(windowId)?.engagementPath ?? null;
  }

  /** Sends one API call for a window. Never rejects: failures come back as {ok:false, error}. */
  call(windowId: number, method: MethodName, input: unknown): Promise<CallReply> {
    const conn = this.conns.get(windowId);
    if (!conn) return Promise.resolve(failure('failed', 'This window is not connected to the analysis engine. Close it and open the engagement again.'));
    const port = conn.port;
    if (this.state !== 'running' || !this.child || !port) return Promise.resolve(failure('failed', this.unavailableSentence()));
    const id = this.nextCallId++;
    const jobId = JOB_METHODS.has(method) ? jobIdOf(input) : null;
    return new Promise<CallReply>((resolve) => {
      conn.pending.set(id, { method, jobId, resolve });
      port.send({ type: 'call', id, method, input });
    });
  }

  runningJobs(): RunningJob[] {
    const out: RunningJob[] = [];
    for (const c of this.conns.values()) for (const p of c.pending.values()) if (p.jobId) out.push({ windowId: c.windowId, jobId: p.jobId, method: p.method });
    return out;
  }

  /**
   * Asks the engine to cancel every running job and waits (up to timeoutMs) until their calls have
   * answered, so files are closed cleanly before quitting. Returns the jobs still running at timeout.
   */
  async cancelAllJobs(timeoutMs: number): Promise<RunningJob[]> {
    return this.cancelJobs(this.runningJobs(), timeoutMs);
  }

  /** Same, for the jobs of one window (the user closes it while an import runs). */
  async cancelJobsOf(windowId: number, timeoutMs: number): Promise<RunningJob[]> {
    return (await this.cancelJobs(this.runningJobs().filter((j) => j.windowId === windowId), timeoutMs)).filter((j) => j.windowId === windowId);
  }

  private async cancelJobs(jobs: RunningJob[], timeoutMs: number): Promise<RunningJob[]> {
    if (jobs.length === 0) return [];
    const settled = jobs.map((j) => this.waitForJob(j));
    for (const j of jobs) void this.call(j.windowId, 'job.cancel', { jobId: j.jobId });
    let timer: { cancel(): void } | null = null;
    const timeout = new Promise<'timeout'>((res) => {
      timer = this.setTimer(() => res('timeout'), timeoutMs);
    });
    await Promise.race([Promise.all(settled), timeout]);
    (timer as { cancel(): void } | null)?.cancel();
    return this.runningJobs();
  }

  /** Clean shutdown: the child disposes its engines (closing DuckDB files) and exits; killed after timeoutMs. */
  stop(timeoutMs: number): Promise<void> {
    this.restartTimer?.cancel();
    this.restartTimer = null;
    for (const c of this.conns.values()) this.failPending(c, () => 'LRT Workbench is quitting.');
    const child = this.child;
    if (!child || this.state === 'stopped' || this.state === 'gave-up' || this.state === 'restarting' || this.state === 'idle') {
      this.state = 'stopped';
      return Promise.resolve();
    }
    this.state = 'stopping';
    return new Promise<void>((resolve) => {
      const timer = this.setTimer(() => {
        this.deps.log(`engine did not exit within ${timeoutMs} ms after shutdown; killing it`);
        child.kill();
      }, timeoutMs);
      this.stopped = () => {
        timer.cancel();
        resolve();
      };
      child.send({ type: 'shutdown' });
    });
  }

  // ---- internals ----

  private spawnChild(): void {
    const child = this.deps.spawn();
    this.child = child;
    this.state = 'running';
    child.onMessage((raw) => {
      const m = ChildMessageSchema.safeParse(raw);
      if (!m.success) return this.deps.log('engine sent an unrecognised message on its parent port');
      if (m.data.type === 'fatal') this.deps.log(`engine reported a fatal error: ${m.data.message}`);
    });
    child.onExit((code) => this.onChildExit(child, code));
    for (const c of this.conns.values()) this.connect(c);
  }

  private connect(conn: Connection): void {
    const { local, remote } = this.deps.createChannel();
    conn.connectionId = this.nextConnectionId++;
    conn.port = local;
    local.onMessage((raw) => this.onPortMessage(conn, local, raw));
    this.child?.send({ type: 'connect', connectionId: conn.connectionId }, remote);
  }

  private onPortMessage(conn: Connection, port: EnginePort, raw: unknown): void {
    if (conn.port !== port) return; // a message from a port of a previous engine
    const m = PortMessageFromEngineSchema.safeParse(raw);
    if (!m.success) return this.deps.log(`engine sent an invalid message for window ${conn.windowId}`);
    if (m.data.type === 'progress') return this.deps.toWindow(conn.windowId, { type: 'progress', event: m.data.event });
    const p = conn.pending.get(m.data.id);
    if (!p) return;
    conn.pending.delete(m.data.id);
    const reply = m.data.reply;
    if (reply.ok) this.trackEngagement(conn, p.method, reply.result);
    p.resolve(reply);
  }

  private trackEngagement(conn: Connection, method: MethodName, result: unknown): void {
    let next: string | null | undefined;
    if (OPENS_ENGAGEMENT.has(method)) {
      const path = (result as { path?: unknown } | null)?.path;
      if (typeof path === 'string' && path.length > 0) next = path;
    } else if (method === 'engagement.close') next = null;
    if (next === undefined || next === conn.engagementPath) return;
    conn.engagementPath = next;
    this.deps.onEngagementChanged?.(conn.windowId, next);
  }

  private waitForJob(job: RunningJob): Promise<void> {
    const conn = this.conns.get(job.windowId);
    const entry = conn && [...conn.pending.entries()].find(([, p]) => p.jobId === job.jobId && p.method === job.method);
    if (!entry) return Promise.resolve();
    const [, p] = entry;
    return new Promise<void>((res) => {
      const original = p.resolve;
      p.resolve = (r) => {
        original(r);
        res();
      };
    });
  }

  private onChildExit(child: EngineChild, code: number): void {
    if (child !== this.child) return;
    this.child = null;
    for (const c of this.conns.values()) {
      c.port?.close();
      c.port = null;
    }
    if (this.state === 'stopping') {
      this.state = 'stopped';
      this.stopped?.();
      return;
    }
    this.deps.log(`engine exited unexpectedly with code ${code}`);
    for (const c of this.conns.values()) {
      this.failPending(c, (p) => `The analysis engine stopped unexpectedly (exit code ${code}) while running ${p.method}. Your engagement file is safe; the engine is being restarted — run this step again.`);
    }
    const t = this.now();
    this.restarts = this.restarts.filter((r) => t - r < 60_000);
    if (this.restarts.length >= this.opts.maxRestartsPerMinute) {
      this.state = 'gave-up';
      this.deps.log(`engine stopped ${this.restarts.length + 1} times within a minute; not restarting`);
      for (const c of this.conns.values()) {
        this.deps.toWindow(c.windowId, { type: 'engine-restarted', event: { gaveUp: true, reopened: null, message: `The analysis engine stopped ${this.restarts.length + 1} times within a minute and was not restarted again. Your engagement file is safe: quit and reopen LRT Workbench. If it happens again, the file you last imported is the likely cause — remove it from the import.` } });
      }
      return;
    }
    const delay = this.opts.backoffMs[Math.min(this.restarts.length, this.opts.backoffMs.length - 1)] ?? 1000;
    this.restarts.push(t);
    this.state = 'restarting';
    this.restartTimer = this.setTimer(() => {
      this.restartTimer = null;
      if (this.state !== 'restarting') return;
      this.spawnChild();
      for (const c of this.conns.values()) void this.reopen(c);
    }, delay);
  }

  private async reopen(conn: Connection): Promise<void> {
    const path = conn.engagementPath;
    if (!path) {
      this.deps.toWindow(conn.windowId, { type: 'engine-restarted', event: { gaveUp: false, reopened: null, message: 'The analysis engine stopped unexpectedly and was restarted. Anything that was running was stopped — run it again.' } });
      return;
    }
    const r = await this.call(conn.windowId, 'engagement.open', { path });
    const message = r.ok
      ? `The analysis engine stopped unexpectedly and was restarted; your engagement ${fileName(path)} was reopened. Anything that was running was stopped — run it again.`
      : `The analysis engine stopped unexpectedly and was restarted, but your engagement ${fileName(path)} could not be reopened: ${r.error.message} Open it again from File ▸ Open Engagement.`;
    if (!r.ok) {
      conn.engagementPath = null;
      this.deps.onEngagementChanged?.(conn.windowId, null);
    }
    if (this.conns.get(conn.windowId) === conn) this.deps.toWindow(conn.windowId, { type: 'engine-restarted', event: { gaveUp: false, reopened: r.ok ? path : null, message } });
  }

  private failPending(conn: Connection, why: (p: Pending) => string): void {
    const pending = [...conn.pending.values()];
    conn.pending.clear();
    for (const p of pending) p.resolve(failure('failed', why(p)));
  }

  private unavailableSentence(): string {
    if (this.state === 'restarting') return 'The analysis engine is restarting after a crash; try again in a few seconds.';
    if (this.state === 'gave-up') return 'The analysis engine keeps stopping and was not restarted. Quit and reopen LRT Workbench.';
    if (this.state === 'stopping' || this.state === 'stopped') return 'LRT Workbench is quitting.';
    return 'The analysis engine has not started yet; try again in a moment.';
  }
}

function failure(code: 'failed', message: string): CallReply {
  return { ok: false, error: { code, message } };
}

function jobIdOf(input: unknown): string | null {
  const j = (input as { jobId?: unknown } | null)?.jobId;
  return typeof j === 'string' ? j : null;
}

function fileName(p: string): string {
  return `"${p.split(/[\\/]/).pop() ?? p}"`;
}
