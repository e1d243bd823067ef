// Number, money and date formatting in one place so every figure lines up the same way.
const moneyCache = new Map<string, Intl.NumberFormat>();

/** Money in the engagement's currency: whole units; `compact` for chart labels; `cents` for a unit price such as a token's. */
export function money(n: number | null | undefined, currency: string, opts: { compact?: boolean; cents?: boolean } = {}): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const key = `${currency}:${opts.compact ? 'c' : opts.cents ? 'm' : 'f'}`;
  let f = moneyCache.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat('en-US', opts.compact
        // Three significant digits: $278K beside $372K (not $278K beside $372.3K), $1.26M.
        ? { style: 'currency', currency, notation: 'compact', maximumSignificantDigits: 3 }
        : opts.cents ? { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 } : { style: 'currency', currency, maximumFractionDigits: 0 });
    } catch {
      f = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
    }
    moneyCache.set(key, f);
  }
  return f.format(n);
}

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
export function int(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : intFmt.format(n);
}
export function num(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : decFmt.format(n);
}
export function pct(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : `${decFmt.format(n * 100)}%`;
}
export function date(s: string | null | undefined): string {
  if (!s) return '—';
  return s.slice(0, 10);
}
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

// Finding names are defined once, with the finding types (analysis/model.ts).
export { typeLabel } from './api/shared';

/** "1 decision", "17 decisions". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${int(n)} ${n === 1 ? one : many}`;
}

/** What a carry-over from last quarter holds: "17 decisions and 1 renewal target" ('' when nothing). */
export function carriedText(decisions: number, targets: number): string {
  return [decisions ? count(decisions, 'decision') : null, targets ? count(targets, 'renewal target') : null].filter(Boolean).join(' and ');
}

/** A decision's due date passed by the review date (as of): missed by the time of this review. */
export const overdue = (d: { due_date: string | null }, asOf: string | null | undefined): boolean => !!d.due_date && !!asOf && d.due_date < asOf;

/** A decision's due date as the app says it: "due 2026-08-15 (overdue)" once the review date passed it. */
export function dueText(d: { due_date: string | null }, asOf: string | null | undefined): string {
  return d.due_date ? `due ${date(d.due_date)}${overdue(d, asOf) ? ' (overdue)' : ''}` : 'no due date';
}
