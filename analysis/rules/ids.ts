// Stable finding ids: the same (type, user, product, offering[, key]) gives the same id in every run and
// every quarter, so decisions carry over and quarters can be compared. Computed in SQL by the `fid`
// macro; `findingIdOf` is the same function in JavaScript (tests, tools).
import { createHash } from 'node:crypto';

const SEP = '\u001f';

export function findingIdOf(type: string, user: string | null, product: string | null, offering: string | null, key: string | null = null): string {
  const text = [type, user ?? '', product ?? '', offering ?? '', key ?? ''].join(SEP);
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 24);
}

/** SQL macro with the same definition as findingIdOf (chr(31) is the unit separator). */
export const FID_MACRO_SQL = `CREATE OR REPLACE TEMP MACRO fid(t, u, p, o, k) AS
  substr(sha256(concat_ws(chr(31), t, coalesce(u, ''), coalesce(p, ''), coalesce(o, ''), coalesce(k, ''))), 1, 24)`;
