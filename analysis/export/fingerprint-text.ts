// A signing key's fingerprint as people pass it on (read out, pasted from an e-mail: "SHA256:AB12:…", with or
// without the colons, spaces, any case): compared by its hex digits alone, and shown in one form. Pure, so the
// auditor's screen compares the same way the CLI does.

/** The fingerprint's hex digits, lower case: what two fingerprints are compared by. */
export function normaliseFingerprint(text: string): string {
  return text.trim().replace(/^sha-?256:\s*/i, '').replace(/[^0-9a-f]/gi, '').toLowerCase();
}

/** The fingerprint as verify prints it: hex in groups of four, joined by colons. */
export function fingerprintText(text: string): string {
  return normaliseFingerprint(text).match(/.{1,4}/g)?.join(':') ?? '';
}

export function sameFingerprint(a: string, b: string): boolean {
  const x = normaliseFingerprint(a);
  return x !== '' && x === normaliseFingerprint(b);
}
