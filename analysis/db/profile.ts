// Developer profiling: with LRTW_PROFILE=1 set, every statement slower than 0.2 s and every marked phase
// is written to stderr with its duration, so `npm run bench` can be read phase by phase.
const enabled = Boolean(process.env.LRTW_PROFILE);

export function profileLog(label: string, ms: number): void {
  if (enabled && ms >= 200) process.stderr.write(`profile ${(ms / 1000).toFixed(2).padStart(7)} s  ${label.replace(/\s+/g, ' ').slice(0, 110)}\n`);
}

/** Times `fn` under `label` when profiling is on (no cost otherwise). */
export async function profiled<T>(label: string, fn: () => Promise<T>): Promise<T> {
  if (!enabled) return fn();
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    profileLog(label, performance.now() - t0);
  }
}
