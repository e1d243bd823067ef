// `verify PACK` (DATA-CONTRACT §3.1, §3.4): checks an evidence pack the way an auditor needs it checked.
// Order: the signature over the tag manifest (the root of trust), then every tag file against the tag
// manifest, then every payload file against the manifest, then nothing unlisted, then Payload-Oxum.
// The first failure is reported with the file it concerns.
import { verify as verifySignature } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VerifyResultSchema } from '../api/contract';
import { BAGIT, BAG_INFO, MANIFEST, SIGNATURE, TAGMANIFEST, TAG_FILES, parseBagInfo, parseManifest, sha256File, walkFiles } from './bagit';
import { fingerprintOf, publicKeyFromRaw } from './signing-key';
import { fingerprintText, isWholeFingerprint, sameFingerprint } from './fingerprint-text';

export interface VerifyResult {
  ok: boolean;
  message: string;
  failing_file: string | null;
  fingerprint: string | null;
  not_a_pack: boolean;
}

class PackFailure extends Error {
  constructor(readonly file: string, message: string) {
    super(message);
  }
}

/** The folder is no pack at all: nothing in it failed, the wrong folder was chosen. */
class NotAPack extends Error {}

function readTag(dir: string, name: string): string {
  const p = join(dir, name);
  if (!existsSync(p) || !lstatSync(p).isFile()) throw new PackFailure(name, `${name} is missing`);
  return readFileSync(p, 'utf8');
}

export async function verifyPack(dir: string): Promise<VerifyResult> {
  const root = resolve(dir);
  let fingerprint: string | null = null;
  const result = (ok: boolean, message: string, failing_file: string | null, not_a_pack = false): VerifyResult =>
    VerifyResultSchema.parse({ ok, message, failing_file, fingerprint, not_a_pack });
  try {
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new NotAPack(`${root} is not a folder; choose the evidence pack folder (the one holding bagit.txt)`);
    // A folder with no bag declaration and no manifest was never a pack (rather than a damaged one).
    if (!existsSync(join(root, BAGIT)) && !existsSync(join(root, MANIFEST))) {
      throw new NotAPack(`${root} is not an evidence pack: it holds no ${BAGIT}. Choose the pack folder itself (the one holding ${BAGIT}, ${MANIFEST} and data/)`);
    }
    const bagit = readTag(root, BAGIT);
    if (!/^BagIt-Version: \d+\.\d+\r?\nTag-File-Character-Encoding: UTF-8\r?\n?$/.test(bagit)) throw new PackFailure(BAGIT, `${BAGIT} is not a BagIt declaration`);

    // 1. Signature over the tag manifest, with the public key the bag names.
    const info = parseBagInfo(readTag(root, BAG_INFO));
    const keyB64 = info.get('Signing-Public-Key');
    if (!keyB64) throw new PackFailure(BAG_INFO, `${BAG_INFO} carries no Signing-Public-Key`);
    const raw = Buffer.from(keyB64, 'base64');
    let pub;
    try {
      pub = publicKeyFromRaw(raw);
    } catch (e) {
      throw new PackFailure(BAG_INFO, `${BAG_INFO}: Signing-Public-Key is not an Ed25519 key (${(e as Error).message})`);
    }
    fingerprint = fingerprintOf(raw);
    const stated = info.get('Signing-Key-Fingerprint')?.replace(/^SHA256:/, '');
    if (stated !== fingerprint) throw new PackFailure(BAG_INFO, `${BAG_INFO}: Signing-Key-Fingerprint does not match Signing-Public-Key`);
    const tagmanifestText = readTag(root, TAGMANIFEST);
    // The signature file is not itself hashed, so its form is exact: 64 bytes base64, one line.
    const sigText = readTag(root, SIGNATURE);
    if (!/^[A-Za-z0-9+/]{86}==\n$/.test(sigText)) throw new PackFailure(SIGNATURE, `${SIGNATURE} is not one base64 Ed25519 signature line`);
    const sig = Buffer.from(sigText.trim(), 'base64');
    if (sig.length !== 64 || !verifySignature(null, Buffer.from(tagmanifestText, 'utf8'), pub, sig)) {
      // The check cannot tell which side changed: a flipped signature byte and a tag manifest rewritten (with the
      // files it lists) by a forger fail alike, so the message names both.
      throw new PackFailure(TAGMANIFEST, `${SIGNATURE} does not verify ${TAGMANIFEST}: the tag manifest (with the files it lists) or the signature itself was changed after signing`);
    }
    // The signed bytes must be exactly the file's bytes (no re-encoding slipped in).
    if (!Buffer.from(tagmanifestText, 'utf8').equals(readFileSync(join(root, TAGMANIFEST)))) throw new PackFailure(TAGMANIFEST, `${TAGMANIFEST} is not valid UTF-8`);

    // 2. Tag files against the tag manifest.
    const tagEntries = parseManifestOr(tagmanifestText, TAGMANIFEST);
    const tagListed = new Set(tagEntries.map((e) => e.path));
    for (const t of TAG_FILES) if (!tagListed.has(t)) throw new PackFailure(t, `${t} is not covered by ${TAGMANIFEST}`);
    for (const e of tagEntries) await checkHash(root, e.path, e.sha256, TAGMANIFEST);

    // 3. Payload against the manifest.
    const entries = parseManifestOr(readTag(root, MANIFEST), MANIFEST);
    const listed = new Set<string>();
    for (const e of entries) {
      if (!e.path.startsWith('data/')) throw new PackFailure(MANIFEST, `${MANIFEST} line ${e.line} lists ${e.path}, outside data/`);
      if (listed.has(e.path)) throw new PackFailure(MANIFEST, `${MANIFEST} lists ${e.path} twice`);
      listed.add(e.path);
      await checkHash(root, e.path, e.sha256, MANIFEST);
    }

    // 4. Nothing unlisted: every payload file is in the manifest; no tag file beyond the known ones.
    if (!existsSync(join(root, 'data')) || !lstatSync(join(root, 'data')).isDirectory()) throw new PackFailure('data', 'the payload folder data/ is missing');
    let bytes = 0;
    let count = 0;
    for (const f of walkFiles(join(root, 'data'), 'data')) {
      if (f.problem) throw new PackFailure(f.path, `${f.path} ${f.problem}; a pack holds regular files only`);
      if (!listed.has(f.path)) throw new PackFailure(f.path, `${f.path} is not listed in ${MANIFEST} (a file was added to the pack)`);
      bytes += statSync(join(root, f.path)).size;
      count++;
    }
    const allowedTop = new Set<string>([...tagListed, TAGMANIFEST, SIGNATURE, 'data']);
    for (const name of readdirSync(root).sort()) {
      if (!allowedTop.has(name)) throw new PackFailure(name, `${name} is not part of the signed pack (not listed in ${TAGMANIFEST})`);
    }

    // 5. Payload-Oxum.
    const oxum = info.get('Payload-Oxum');
    if (oxum !== `${bytes}.${count}`) throw new PackFailure(BAG_INFO, `${BAG_INFO}: Payload-Oxum ${oxum ?? '(missing)'} does not match the payload (${bytes}.${count})`);

    return result(true, 'verified', null);
  } catch (e) {
    if (e instanceof NotAPack) return result(false, e.message, null, true);
    if (e instanceof PackFailure) return result(false, e.message, e.file);
    return result(false, `could not check ${root}: ${(e as Error).message}`, null);
  }
}

function parseManifestOr(text: string, name: string) {
  try {
    return parseManifest(text, name);
  } catch (e) {
    throw new PackFailure(name, (e as Error).message);
  }
}

async function checkHash(root: string, rel: string, expected: string, manifest: string): Promise<void> {
  const p = join(root, ...rel.split('/'));
  if (!existsSync(p)) throw new PackFailure(rel, `${rel} is listed in ${manifest} but missing from the pack`);
  const st = lstatSync(p);
  if (!st.isFile()) throw new PackFailure(rel, `${rel} is not a regular file`);
  const got = await sha256File(p);
  if (got !== expected) throw new PackFailure(rel, `${rel} does not match its SHA-256 in ${manifest}: it was changed after the pack was signed`);
}

/**
 * CLI: `verify PACK [--fingerprint SHA256:…]` — prints "verified" and the signing key fingerprint (exit 0), or the
 * failing file (exit 1). Anyone can sign a pack with a key of their own, so the fingerprint the consultant gave the
 * auditor (by another channel) can be pinned, in any spelling: a pack signed by any other key is then not verified.
 */
export async function runVerifyCommand(argv: string[]): Promise<number> {
  const args = argv[0] === 'verify' ? argv.slice(1) : argv;
  let expected: string | null = null;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--fingerprint') {
      const v = args[++i];
      if (!v) {
        console.error('verify: --fingerprint needs the fingerprint the consultant gave you, e.g. --fingerprint SHA256:1a2b:…');
        return 1;
      }
      expected = v;
    } else if (a.startsWith('--fingerprint=')) expected = a.slice('--fingerprint='.length);
    else rest.push(a);
  }
  const pack = rest.find((a) => !a.startsWith('-'));
  if (!pack) {
    console.error('verify: give the evidence pack folder, e.g. `lrtw verify Contoso_2026-09-30_evidence-pack`.');
    return 1;
  }
  if (expected !== null && !isWholeFingerprint(expected)) {
    console.error(`verify: --fingerprint ${expected} is not a whole fingerprint (64 hex digits, as SHA256:1a2b:3c4d:… with 16 groups): check it with the consultant.`);
    return 1;
  }
  const r = await verifyPack(pack);
  if (r.ok && expected !== null && !sameFingerprint(r.fingerprint ?? '', expected)) {
    console.error(`NOT verified: ${BAG_INFO} (its signing key is not the one you expected)`);
    console.error(`The pack is intact but signed by a different key (SHA256:${r.fingerprint}) than the one you expected (SHA256:${fingerprintText(expected)}): someone other than the consultant signed it. Do not rely on it; ask the consultant for the pack and its fingerprint again.`);
    return 1;
  }
  if (r.ok) {
    console.log('verified');
    console.log(`signing key fingerprint: SHA256:${r.fingerprint}`);
    console.log(expected !== null ? 'It is the fingerprint you expected.' : 'Compare this fingerprint with the one the consultant gave you (or pass it with --fingerprint): anyone can sign a pack with a key of their own.');
    // Loaded here, not at the top: open-pack reads packs with verifyPack, and this module would import it back.
    const { packNotes } = await import('./open-pack');
    for (const note of packNotes(resolve(pack))) console.log(`Note: ${note}`);
    console.log(`Verified means unchanged since this key signed it, not that the figures are right: to recompute them, run lrtw review --input "${join(resolve(pack), 'data', 'sources')}" --config "${join(resolve(pack), 'data', 'settings.json')}" --out <folder> and compare.`);
    return 0;
  }
  console.error(`NOT verified: ${r.failing_file ?? pack}`);
  console.error(r.message);
  return 1;
}
