// The analyst's Ed25519 signing key: generated once per analyst and kept outside every engagement,
// in $LRTW_KEY_DIR or ~/.lrt-workbench/keys/ (private key file mode 0600). Packs carry only the
// public key and its fingerprint, so anyone can verify and nobody else can sign as this analyst.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve, isAbsolute } from 'node:path';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
export const PRIVATE_KEY_FILE = 'signing-key.pem';
export const PUBLIC_KEY_FILE = 'signing-key.pub.pem';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The raw 32-byte public key. */
  publicRaw: Buffer;
  fingerprint: string;
  dir: string;
}

export function defaultKeyDir(): string {
  const env = process.env.LRTW_KEY_DIR;
  return env && env.trim() ? resolve(env) : join(homedir(), '.lrt-workbench', 'keys');
}

export function rawPublicKey(pub: KeyObject): Buffer {
  const der = pub.export({ format: 'der', type: 'spki' });
  if (der.length !== ED25519_SPKI_PREFIX.length + 32 || !der.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX)) {
    throw new Error('The signing key is not an Ed25519 key.');
  }
  return der.subarray(ED25519_SPKI_PREFIX.length);
}

export function publicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new Error(`An Ed25519 public key is 32 bytes; this one is ${raw.length}.`);
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** SHA-256 of the raw public key, hex in groups of four: what an auditor reads out to the analyst. */
export function fingerprintOf(raw: Buffer): string {
  const hex = createHash('sha256').update(raw).digest('hex');
  return hex.match(/.{4}/g)!.join(':');
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!!rel && !rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Loads the analyst's key from `keyDir` (default: defaultKeyDir()), creating it on first use.
 * `forbiddenInside` lists folders the key must never live in (the engagement and export folders).
 */
export function loadOrCreateSigningKey(keyDir?: string, forbiddenInside: string[] = []): SigningKey {
  const dir = resolve(keyDir ?? defaultKeyDir());
  // A folder that also holds the per-analyst default (the home folder, say) is not an engagement folder.
  const analystHome = join(homedir(), '.lrt-workbench');
  for (const f of forbiddenInside) {
    if (isInside(dir, resolve(f)) && !isInside(analystHome, resolve(f))) {
      throw new Error(`The signing key folder ${dir} is inside ${resolve(f)}; keys must stay outside engagements and exports. Set LRTW_KEY_DIR to a folder of your own.`);
    }
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privPath = join(dir, PRIVATE_KEY_FILE);
  const pubPath = join(dir, PUBLIC_KEY_FILE);
  if (!existsSync(privPath)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    try {
      // 'wx': never overwrite a key another process created a moment ago.
      writeFileSync(privPath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
      writeFileSync(pubPath, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`Could not create the signing key in ${dir}: ${(e as Error).message}. Check the folder is writable or set LRTW_KEY_DIR.`);
    }
  }
  if (process.platform !== 'win32' && (statSync(privPath).mode & 0o077) !== 0) chmodSync(privPath, 0o600);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(privPath));
  } catch (e) {
    throw new Error(`${privPath} is not a readable private key (${(e as Error).message}). Move it aside to generate a new key.`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${privPath} is not an Ed25519 key. Move it aside to generate a new key.`);
  const publicKey = createPublicKey(privateKey);
  const publicRaw = rawPublicKey(publicKey);
  return { privateKey, publicKey, publicRaw, fingerprint: fingerprintOf(publicRaw), dir };
}
