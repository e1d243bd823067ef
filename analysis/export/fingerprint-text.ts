// A signing key's fingerprint as people pass it on (read out, pasted from an e-mail: "SHA256:AB12:…", with or
// without the colons, spaces, any case): compared by its hex digits alone, and shown in one form. Pure, so the
// auditor's screen compares the same way the CLI does.

/** The fingerprint without its label, however that is written ("Fingerprint: SHA256 …", "sha256=…"). */
const unlabelled = (text: string): string => text.trim().replace(/^(?:fingerprint\s*[:=]?\s*)?sha-?256\s*[:=]?\s*/i, '');

/** The fingerprint's hex digits, lower case: what two fingerprints are compared by (the label's a-f are no digits). */
export function normaliseFingerprint(text: string): string {
  return unlabelled(text).replace(/[^0-9a-f]/gi, '').toLowerCase();
}

/** Whether a typed fingerprint has a fingerprint's 64 hex digits: anything else is a typing slip, not another key. */
export function isWholeFingerprint(text: string): boolean {
  return /^[0-9a-f]{64}$/.test(normaliseFingerprint(text)) && /^[\s0-9a-f:]*$/i.test(unlabelled(text));
}

/** The fingerprint as verify prints it: hex in groups of four, joined by colons. */
export function fingerprintText(text: string): string {
  return normaliseFingerprint(text).match(/.{1,4}/g)?.join(':') ?? '';
}

export function sameFingerprint(a: string, b: string): boolean {
  const x = normaliseFingerprint(a);
  return x !== '' && x === normaliseFingerprint(b);
}
