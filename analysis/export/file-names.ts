// File and folder names of the exports: `<client>_<as_of>_quarterly-review.xlsx` and
// `<client>_<as_of>_evidence-pack` (DATA-CONTRACT §3.2), with the client slugged so any name is a safe file name.

/** Letters NFKD does not fold to ASCII, written as their languages spell them without the letter. */
const SPELLED: Record<string, string> = { ß: 'ss', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', þ: 'th', Þ: 'TH' };

/** ASCII letters, digits and dashes only; accents folded; never empty, never a path. */
export function slugForFileName(s: string, fallback = 'client'): string {
  const slug = s
    .replace(/[ßæÆœŒøØłŁđĐþÞ]/g, (c) => SPELLED[c] ?? c)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return slug || fallback;
}

export function exportStem(client: string, asOf: string | null): string {
  return `${slugForFileName(client)}_${asOf ?? 'undated'}`;
}

export function workbookFileName(client: string, asOf: string | null): string {
  return `${exportStem(client, asOf)}_quarterly-review.xlsx`;
}

export function evidencePackName(client: string, asOf: string | null): string {
  return `${exportStem(client, asOf)}_evidence-pack`;
}

/** A client-supplied file name reduced to one safe path segment (no separators, no control characters). */
export function safeFileSegment(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f%]/g, '_').replace(/^\.+/, '_').trim();
  return cleaned.slice(0, 180) || 'unnamed';
}

/**
 * The names a source's copy can have in a pack's data/sources: its safe name, or, for a later source of the same
 * name, the name after its source id. The pack writer takes the first free one; a reader tries the second first.
 */
export function packedSourceNames(file: string, sourceId: number): { plain: string; second: string } {
  const plain = safeFileSegment(file);
  return { plain, second: `${sourceId}-${plain}` };
}
