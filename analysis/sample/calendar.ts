// Day arithmetic for the sample on UTC day numbers (days since 1970-01-01): no time zones, no wall clock.

const MS_PER_DAY = 86_400_000;

export function dayOf(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new Error(`expected YYYY-MM-DD, got "${iso}"`);
  return Math.round(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / MS_PER_DAY);
}

export function isoOf(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** 0 = Sunday .. 6 = Saturday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function ymOf(day: number): { y: number; m: number; d: number } {
  const dt = new Date(day * MS_PER_DAY);
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate() };
}

/** 'YYYY-MM' of a day. */
export function monthKey(day: number): string {
  return isoOf(day).slice(0, 7);
}

/** The day after `end` minus `months` calendar months: the first day of a window of `months` months ending on `end`. */
export function startOfWindow(end: number, months: number): number {
  const { y, m, d } = ymOf(end + 1);
  const total = y * 12 + (m - 1) - months;
  return Math.round(Date.UTC(Math.floor(total / 12), total % 12, d) / MS_PER_DAY);
}

/** Fixed public holidays (New Year, Christmas, Boxing Day) so working days look real. */
export function isWorkingDay(day: number): boolean {
  const wd = weekday(day);
  if (wd === 0 || wd === 6) return false;
  const s = isoOf(day).slice(5);
  return s !== '01-01' && s !== '12-25' && s !== '12-26';
}

/** Cached 'YYYY-MM-DD' strings: the hot path formats millions of timestamps. */
export class DayNames {
  private readonly cache = new Map<number, string>();
  iso(day: number): string {
    let s = this.cache.get(day);
    if (!s) {
      s = isoOf(day);
      this.cache.set(day, s);
    }
    return s;
  }
}

export function hhmmss(minuteOfDay: number, second = 0): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${second < 10 ? '0' : ''}${second}`;
}
