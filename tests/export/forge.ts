// A forger's tools, for tests that prove a forged evidence pack is caught: anyone can rebuild a pack's manifests
// and sign them with a key of their own.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { manifestText } from '../../analysis/export/bagit';
import { fingerprintOf, rawPublicKey } from '../../analysis/export/signing-key';

/** Rebuilds a pack's manifests and signs it with a new key, as a forger would; the new key's fingerprint. */
export function resign(dir: string): string {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey);
  const files: { path: string; sha256: string }[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push({ path: relative(dir, p), sha256: createHash('sha256').update(readFileSync(p)).digest('hex') });
    }
  };
  walk(join(dir, 'data'));
  writeFileSync(join(dir, 'manifest-sha256.txt'), manifestText(files));
  const bytes = files.reduce((a, x) => a + statSync(join(dir, x.path)).size, 0);
  const info = readFileSync(join(dir, 'bag-info.txt'), 'utf8')
    .replace(/^Payload-Oxum: .*$/m, `Payload-Oxum: ${bytes}.${files.length}`)
    .replace(/^Signing-Public-Key: .*$/m, `Signing-Public-Key: ${raw.toString('base64')}`)
    .replace(/^Signing-Key-Fingerprint: .*$/m, `Signing-Key-Fingerprint: SHA256:${fingerprintOf(raw)}`);
  writeFileSync(join(dir, 'bag-info.txt'), info);
  const tags = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt'].map((t) => ({ path: t, sha256: createHash('sha256').update(readFileSync(join(dir, t))).digest('hex') }));
  writeFileSync(join(dir, 'tagmanifest-sha256.txt'), manifestText(tags));
  writeFileSync(join(dir, 'signature.ed25519'), `${sign(null, readFileSync(join(dir, 'tagmanifest-sha256.txt')), privateKey).toString('base64')}\n`);
  return fingerprintOf(raw);
}
