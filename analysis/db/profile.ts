// Developer profiling: with LRTW_PROFILE=1 set, every statement slower than 0.2 s (LRTW_PROFILE_MS) and every marked phase
// is written to stderr with its wall time and the process's CPU time (DuckDB's threads included), so
// `npm run bench` can be read phase by phase even on a machine busy with other work.
const enabled = Boolean(process.env.LRTW_PROFILE);

export interface ProfileMark {
  wall: number;
  cpu: NodeJS.CpuUsage;
}

export function profileMark(): ProfileMark {
  return { wall: performance.now(), cpu: process.cpuUsage() };
}

/** Logs a phase: `since` is a mark from profileMark() (wall and CPU) or an elapsed time in ms (wall only). */
export function profileLog(label: string, since: ProfileMark | number): void {
  if (!enabled) return;
  const ms = typeof since === 'number' ? since : performance.now() - since.wall;
  if (ms < Number(process.env.LRTW_PROFILE_MS ?? 200)) return;
  let cpu = '';
  if (typeof since !== 'number') {
    const c = process.cpuUsage(since.cpu);
    cpu = `cpu ${((c.user + c.system) / 1e6).toFixed(2).padStart(7)} s`;
  }
  process.stderr.write(`profile ${(ms / 1000).toFixed(2).padStart(7)} s  ${cpu.padEnd(15)} rss ${String(Math.round(process.memoryUsage().rss / 1048576)).padStart(5)} MB  ${label.replace(/\s+/g, ' ').slice(0, 100)}\n`);
}

/** Times `fn` under `label` when profiling is on (no cost otherwise). */
export async function profiled<T>(label: string, fn: () => Promise<T>): Promise<T> {
  if (!enabled) return fn();
  const mark = profileMark();
  try {
    return await fn();
  } catch (e) {
    process.stderr.write(`profile FAILED  ${label.replace(/\s+/g, ' ').slice(0, 300)}\n`);
    throw e;
  } finally {
    profileLog(label, mark);
  }
}
