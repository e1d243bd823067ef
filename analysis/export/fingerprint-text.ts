// A signing key's fingerprint as people pass it on (read out, pasted from an e-mail: "SHA256:AB12:…", spaces, any
// case), in the one form verifyPack reports. Pure, so the auditor's screen compares the same way the CLI does.

export function normaliseFingerprint(text: string): string {
  return text.trim().replace(/^sha-?256:\s*/i, '').replace(/\s+/g, '').toLowerCase();
}
