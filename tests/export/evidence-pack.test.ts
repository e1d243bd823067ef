// The auditor's evidence pack: a signed BagIt bag that `verify` accepts untouched and rejects, naming
// the file, after any change; the signing key stays outside engagements; the report is inert HTML.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resign } from './forge';
import { writeEvidencePack } from '../../analysis/export/evidence-pack';
import { runVerifyCommand, verifyPack } from '../../analysis/export/verify';
import { openPack } from '../../analysis/export/open-pack';
import { buildFixture, disposeFixture, EVIL, GAPS, SAVINGS, type Fixture } from './fixture';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('evidence pack', () => {
  let fx: Fixture;
  let pack: string;
  let fingerprint: string;
  let keyDir: string;
  const copies = mkdtempSync(join(tmpdir(), 'lrtw-pack-copies-'));
  let n = 0;
  /** A fresh copy of the pristine pack to tamper with. */
  const copy = () => {
    const d = join(copies, `pack-${n++}`);
    cpSync(pack, d, { recursive: true });
    return d;
  };

  before(async () => {
    fx = await buildFixture();
    keyDir = join(mkdtempSync(join(tmpdir(), 'lrtw-keys-')), 'keys');
    const r = await writeEvidencePack(fx.db, fx.settings, join(fx.dir, 'exports'), { keyDir, toolVersion: '0.1.0', now: new Date('2026-10-02T09:30:00Z') });
    pack = r.path;
    fingerprint = r.fingerprint;
  });
  after(() => {
    disposeFixture(fx);
    rmSync(copies, { recursive: true, force: true });
    rmSync(join(keyDir, '..'), { recursive: true, force: true });
  });

  it('is a BagIt bag with the payload the auditor needs', () => {
    assert.match(pack, /Contoso-Engineering_2026-09-30_evidence-pack$/);
    assert.equal(readFileSync(join(pack, 'bagit.txt'), 'utf8'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
    const info = readFileSync(join(pack, 'bag-info.txt'), 'utf8');
    for (const label of ['Source-Organization: Contoso Engineering', 'As-Of: 2026-09-30', 'Bagging-Date: 2026-10-02', 'Tool-Version: LRT Workbench 0.1.0', `Signing-Key-Fingerprint: SHA256:${fingerprint}`]) {
      assert.ok(info.includes(label), `bag-info.txt has "${label}"`);
    }
    assert.match(info, /^Signing-Public-Key: [A-Za-z0-9+/]{43}=$/m);
    const data = readdirSync(join(pack, 'data')).sort();
    for (const f of ['findings.csv', 'evidence.csv', 'settings.json', 'report.html', 'sources', 'Contoso-Engineering_2026-09-30_quarterly-review.xlsx']) assert.ok(data.includes(f), `data/${f}`);
    // Sources byte for byte; the one whose stored copy is gone is named, not dropped.
    for (const s of fx.sourceFiles) assert.equal(sha(readFileSync(join(pack, 'data', 'sources', s.file))), sha(s.bytes), s.file);
    assert.match(readFileSync(join(pack, 'data', 'SOURCES-NOT-PACKED.txt'), 'utf8'), /flexlm-debug\.log: the copy kept at import was not found/);
    // Payload-Oxum and the manifest cover every payload file.
    const manifest = readFileSync(join(pack, 'manifest-sha256.txt'), 'utf8').trim().split('\n');
    let bytes = 0;
    for (const line of manifest) {
      const [hash, path] = line.split(/ {2}/) as [string, string];
      const body = readFileSync(join(pack, path));
      assert.equal(sha(body), hash, path);
      bytes += body.length;
    }
    assert.match(info, new RegExp(`Payload-Oxum: ${bytes}\\.${manifest.length}\\n`));
    assert.equal(JSON.parse(readFileSync(join(pack, 'data', 'settings.json'), 'utf8')).client, 'Contoso Engineering');
  });

  it('writes findings.csv in the contract column order with injection-safe text', () => {
    const lines = readFileSync(join(pack, 'data', 'findings.csv'), 'utf8').split('\r\n');
    assert.equal(lines[0], 'finding_id,type,severity,user,product,offering,units,annual_value,first_seen,last_seen,evidence_count,detail');
    assert.equal(lines.filter(Boolean).length - 1, GAPS.length + SAVINGS.length + 2);
    const g3 = lines.find((l) => l.startsWith('G-0003,'))!;
    assert.ok(g3.startsWith(`G-0003,shared_account,high,"'${EVIL.plus}",ACD,ACD,1,1955.5,2026-04-02,2026-09-28,3,`), g3);
    assert.match(readFileSync(join(pack, 'data', 'evidence.csv'), 'utf8'), /G-0001,usage_report,1,usage-report\.csv,3,last_accessed 2026-09-12/);
  });

  it('verifies untouched, and the CLI says so with the fingerprint', async () => {
    const r = await verifyPack(pack);
    assert.deepEqual(r, { ok: true, message: 'verified', failing_file: null, fingerprint, not_a_pack: false });
    const logs: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => void logs.push(a.join(' '));
    try {
      assert.equal(await runVerifyCommand([pack]), 0);
    } finally {
      console.log = orig;
    }
    assert.equal(logs[0], 'verified');
    assert.ok(logs.join('\n').includes(fingerprint));
  });

  it('a pack changed and signed again with another key is intact but not the analyst\'s: pinned to the analyst\'s fingerprint, the CLI refuses it', async () => {
    const d = copy();
    // The forger downgrades the findings and signs with a key of their own.
    const f = join(d, 'data', 'findings.csv');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/,high,/g, ',low,'));
    const forger = resign(d);
    assert.notEqual(forger, fingerprint);
    const r = await verifyPack(d);
    assert.deepEqual([r.ok, r.fingerprint], [true, forger], 'intact and signed: by the forger');
    const out = await captured(() => runVerifyCommand(['verify', d, '--fingerprint', `SHA256:${fingerprint.toUpperCase()}`]));
    assert.equal(out.code, 1);
    assert.equal(out.err[0], 'NOT verified: bag-info.txt (its signing key is not the one you expected)');
    assert.match(out.err[1]!, new RegExp(`^The pack is intact but signed by a different key \\(SHA256:${forger}\\) than the one you expected \\(SHA256:${fingerprint}\\)`));
    const unpinned = await captured(() => runVerifyCommand([d]));
    assert.equal(unpinned.code, 0);
    assert.match(unpinned.log.join('\n'), /Compare this fingerprint with the one the consultant gave you \(or pass it with --fingerprint\): anyone can sign a pack/);
    // The analyst's own pack, pinned to the analyst's key, verifies.
    const pinned = await captured(() => runVerifyCommand([pack, `--fingerprint=${fingerprint}`]));
    assert.deepEqual([pinned.code, pinned.log[0], pinned.log[2]], [0, 'verified', 'It is the fingerprint you expected.']);
    // However it was passed on: without colons, in groups with spaces, upper case.
    const hex = fingerprint.replace(/:/g, '');
    for (const spelling of [hex, fingerprint.replace(/:/g, ' ').toUpperCase(), `sha256: ${fingerprint}`, `SHA256 ${hex}`, `sha256=${hex}`, `Fingerprint: SHA256:${fingerprint}`]) {
      const same = await captured(() => runVerifyCommand([pack, '--fingerprint', spelling]));
      assert.equal(same.code, 0, `${spelling}: ${same.err.join(' ')}`);
    }
    // A slip in typing is said as one, not as another signer.
    const slip = await captured(() => runVerifyCommand([pack, '--fingerprint', fingerprint.slice(0, -5)]));
    assert.equal(slip.code, 1);
    assert.match(slip.err[0]!, /is not a whole fingerprint \(64 hex digits, as SHA256:1a2b:3c4d:… with 16 groups\): check it with the consultant\.$/);
  });

  it('fails naming the payload file when one byte changes', async () => {
    const d = copy();
    const f = join(d, 'data', 'sources', 'usage-report.csv');
    const b = readFileSync(f);
    b[10] = b[10]! ^ 0x01;
    writeFileSync(f, b);
    const r = await verifyPack(d);
    assert.equal(r.ok, false);
    assert.equal(r.failing_file, 'data/sources/usage-report.csv');
    assert.match(r.message, /usage-report\.csv/);
    const errs: string[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => void errs.push(a.join(' '));
    try {
      assert.equal(await runVerifyCommand(['verify', d]), 1);
    } finally {
      console.error = orig;
    }
    assert.match(errs.join('\n'), /data\/sources\/usage-report\.csv/);
  });

  it('tells a folder that is no pack at all from a damaged pack', async () => {
    const r = await verifyPack(join(fx.dir, 'exports'));
    assert.equal(r.ok, false);
    assert.match(r.message, /is not an evidence pack: it holds no bagit\.txt\. Choose the pack folder itself/);
    assert.deepEqual([r.not_a_pack, r.failing_file], [true, null]);
    // A pack that lost only its declaration is damaged, not "no pack".
    const d = copy();
    rmSync(join(d, 'bagit.txt'));
    const damaged = await verifyPack(d);
    assert.equal(damaged.ok, false);
    assert.match(damaged.message, /bagit\.txt is missing/);
    assert.deepEqual([damaged.not_a_pack, damaged.failing_file], [false, 'bagit.txt']);
  });

  it('fails when a file is added to the payload or beside the tag files', async () => {
    const d = copy();
    writeFileSync(join(d, 'data', 'extra-findings.csv'), 'finding_id\nX\n');
    const r = await verifyPack(d);
    assert.equal(r.ok, false);
    assert.equal(r.failing_file, 'data/extra-findings.csv');
    const d2 = copy();
    writeFileSync(join(d2, 'notes.txt'), 'looks fine to me');
    const r2 = await verifyPack(d2);
    assert.equal(r2.ok, false);
    assert.equal(r2.failing_file, 'notes.txt');
  });

  it('fails when a payload file is removed', async () => {
    const d = copy();
    rmSync(join(d, 'data', 'report.html'));
    const r = await verifyPack(d);
    assert.equal(r.ok, false);
    assert.equal(r.failing_file, 'data/report.html');
  });

  it('fails naming bag-info.txt when it is edited', async () => {
    const d = copy();
    const p = join(d, 'bag-info.txt');
    writeFileSync(p, readFileSync(p, 'utf8').replace('As-Of: 2026-09-30', 'As-Of: 2026-06-30'));
    const r = await verifyPack(d);
    assert.equal(r.ok, false);
    assert.equal(r.failing_file, 'bag-info.txt');
  });

  it('fails on the signature when a file is rewritten together with its manifest line and the tag manifest', async () => {
    const d = copy();
    const target = 'data/findings.csv';
    const forged = readFileSync(join(d, target), 'utf8').replace(/^G-0006,.*\r\n/m, '');
    writeFileSync(join(d, target), forged);
    const mPath = join(d, 'manifest-sha256.txt');
    const old = readFileSync(mPath, 'utf8');
    writeFileSync(mPath, old.replace(/^[0-9a-f]{64} {2}data\/findings\.csv$/m, `${sha(forged)}  ${target}`));
    // Payload-Oxum would give the forgery away first; a careful forger fixes it too.
    const infoPath = join(d, 'bag-info.txt');
    const info = readFileSync(infoPath, 'utf8');
    const oxum = /Payload-Oxum: (\d+)\.(\d+)/.exec(info)!;
    const delta = Buffer.byteLength(forged) - statSync(join(pack, target)).size;
    writeFileSync(infoPath, info.replace(oxum[0], `Payload-Oxum: ${Number(oxum[1]) + delta}.${oxum[2]}`));
    const tPath = join(d, 'tagmanifest-sha256.txt');
    const tags = ['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt'].map((t) => `${sha(readFileSync(join(d, t)))}  ${t}\n`).join('');
    writeFileSync(tPath, tags);
    const r = await verifyPack(d);
    assert.equal(r.ok, false);
    assert.equal(r.failing_file, 'tagmanifest-sha256.txt');
    assert.match(r.message, /signature/);
  });

  it('fails when the signature is missing or damaged', async () => {
    const d = copy();
    rmSync(join(d, 'signature.ed25519'));
    assert.equal((await verifyPack(d)).failing_file, 'signature.ed25519');
    const d2 = copy();
    const s = readFileSync(join(d2, 'signature.ed25519'), 'utf8').trim();
    writeFileSync(join(d2, 'signature.ed25519'), `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}\n`);
    assert.equal((await verifyPack(d2)).ok, false);
  });

  it('changing any byte of any file fails verification', async () => {
    const files: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p, `${rel}${name}/`);
        else files.push(`${rel}${name}`);
      }
    };
    walk(pack, '');
    assert.ok(files.length >= 12);
    for (const f of files) {
      const d = copy();
      appendFileSync(join(d, f), ' ');
      const r = await verifyPack(d);
      assert.equal(r.ok, false, `appending to ${f} must fail verification`);
    }
  });

  it('keeps one signing key per analyst outside the engagement, private key mode 0600', async () => {
    const priv = join(keyDir, 'signing-key.pem');
    assert.ok(existsSync(priv));
    if (process.platform !== 'win32') assert.equal(statSync(priv).mode & 0o777, 0o600);
    // Each part is said as it starts (the Export step's progress), in order, ending with the signature.
    const parts: Array<[string, number, number]> = [];
    const again = await writeEvidencePack(fx.db, fx.settings, join(fx.dir, 'exports-2'), { keyDir, toolVersion: '0.1.0', onPart: (m, i, n) => parts.push([m, i, n]) });
    assert.deepEqual(parts.map(([, i, n]) => `${i}/${n}`), ['0/6', '1/6', '2/6', '3/6', '4/6', '5/6']);
    assert.deepEqual([parts[0]![0], parts[5]![0]], ['Writing findings.csv', 'Hashing and signing the pack']);
    assert.equal(again.fingerprint, fingerprint, 'the same analyst key signs every pack');
    assert.equal((await verifyPack(again.path)).ok, true);
    await assert.rejects(
      writeEvidencePack(fx.db, fx.settings, join(fx.dir, 'exports-3'), { keyDir: join(fx.dir, 'exports-3', 'keys'), toolVersion: '0.1.0' }),
      /keys must stay outside engagements/,
    );
    // LRTW_KEY_DIR is the default key folder.
    const envDir = join(mkdtempSync(join(tmpdir(), 'lrtw-envkeys-')), 'k');
    const prev = process.env.LRTW_KEY_DIR;
    process.env.LRTW_KEY_DIR = envDir;
    try {
      const r = await writeEvidencePack(fx.db, fx.settings, join(fx.dir, 'exports-4'), {});
      assert.ok(existsSync(join(envDir, 'signing-key.pem')));
      assert.notEqual(r.fingerprint, fingerprint);
    } finally {
      if (prev === undefined) delete process.env.LRTW_KEY_DIR;
      else process.env.LRTW_KEY_DIR = prev;
      rmSync(join(envDir, '..'), { recursive: true, force: true });
    }
  });

  it('ships a self-contained report: no script, no network URL, client text escaped', () => {
    const html = readFileSync(join(pack, 'data', 'report.html'), 'utf8');
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /https?:\/\//i);
    assert.doesNotMatch(html, /\b(src|href)\s*=/i);
    assert.doesNotMatch(html, /@import|url\(/i);
    assert.match(html, /Content-Security-Policy/);
    assert.match(html, /Contoso Engineering/);
    assert.match(html, /G-0006/);
    // The hostile user name is shown, escaped, as text.
    assert.ok(html.includes('=HYPERLINK(&quot;http&#58;//evil.example&quot;,&quot;x&quot;)'));
    for (const s of fx.sourceFiles) assert.ok(html.includes(sha(s.bytes)), `report lists ${s.file} with its hash`);
  });

  it('lets an auditor recompute and trace the figures from the report: rates, duplicates, signals, where the evidence is', () => {
    const html = readFileSync(join(pack, 'data', 'report.html'), 'utf8');
    const text = html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    assert.match(text, /Negotiated back-period rate 0\.464/);
    assert.match(text, /Audit settlement rate, low \/ high 1 \/ 1\.65/);
    assert.match(text, /Rows read Loaded Rejected Duplicate Bytes/);
    assert.match(text, /Rows read = loaded \+ rejected \+ duplicate/);
    assert.match(html, /<h2>Signals<span class="count">/);
    // A signal's decision is in the report too (the usage spike the fixture's analyst chose to investigate).
    assert.match(text, /Usage spike RVT 31 2026-06-01 2026-06-30 31 users vs 14 on average \d+ Investigate/);
    assert.match(text, /data\/evidence\.csv gives the rows each rests on/);
    // The window, and what this review's settings change from the defaults (the fixture's list price of RVT).
    assert.match(text, /Lookback \d+ months/);
    assert.match(text, /Settings that differ from the defaults \d+ .* prices\.RVT\.list_annual 3100 2985/);
    assert.match(text, /To recompute every finding from the packed sources and settings, run lrtw review --input/);
  });

  it('a source changed since it was reviewed is not packed, and said so: in the report, by verify and in auditor mode', async () => {
    const src = fx.sourceFiles[0]!;
    writeFileSync(src.path, Buffer.concat([src.bytes, Buffer.from('extra,row\n')]));
    try {
      const r = await writeEvidencePack(fx.db, fx.settings, join(fx.dir, 'exports-changed'), { keyDir, toolVersion: '0.1.0', now: new Date('2026-10-02T09:30:00Z') });
      assert.equal((await verifyPack(r.path)).ok, true, 'intact as signed');
      const report = readFileSync(join(r.path, 'data', 'report.html'), 'utf8');
      assert.match(report, /changed since reviewed<\/span><div class="mono">not packed; now [0-9a-f]{64}<\/div>/);
      // Bytes that are not the ones reviewed are not in the pack at all.
      const packedBytes = readdirSync(join(r.path, 'data', 'sources')).map((f) => readFileSync(join(r.path, 'data', 'sources', f)));
      assert.ok(!packedBytes.some((b) => b.includes('extra,row')), 'the changed file is not packed');
      // The fixture also holds a source whose stored copy is gone: two in all.
      assert.match(report, /2 source files are not in this pack as reviewed \(see data\/SOURCES-NOT-PACKED\.txt/);
      const out = await captured(() => runVerifyCommand([r.path]));
      assert.equal(out.code, 0);
      const note = out.log.find((l) => l.startsWith('Note: 2 source files are not in the pack as they were reviewed (data/SOURCES-NOT-PACKED.txt), so the findings cannot be traced to them: '));
      assert.ok(note?.includes(`${src.file}: the copy kept at import no longer matches`), out.log.join('\n'));
      assert.ok(!readFileSync(join(r.path, 'data', 'SOURCES-NOT-PACKED.txt'), 'utf8').includes(fx.dir), 'no local path travels in the pack');
      assert.match(out.log.at(-1)!, /^Verified means unchanged since this key signed it, not that the figures are right: to recompute them, run lrtw review --input /);
      const opened = await openPack(r.path);
      assert.deepEqual(opened.notes, [note!.slice('Note: '.length)]);
      // The pristine pack notes only the source whose copy was gone before.
      assert.match((await openPack(pack)).notes.join(' '), /^One source file is not in the pack as it was reviewed/);
    } finally {
      writeFileSync(src.path, src.bytes);
    }
  });

  it('an engagement whose source paths were pointed at other files (the signing key, a link) packs none of them', async () => {
    const keyFile = readdirSync(keyDir).map((f) => join(keyDir, f)).find((f) => readFileSync(f, 'utf8').includes('PRIVATE KEY'))!;
    const link = join(fx.dir, 'link-to-key.csv');
    symlinkSync(keyFile, link);
    const before = await fx.db.all<{ source_id: number; stored_path: string | null; original_path: string | null }>('SELECT source_id, stored_path, original_path FROM sources ORDER BY source_id');
    // As an engagement file from elsewhere could hold them: one source pointed at the key, another at a link to it.
    await fx.db.run('UPDATE sources SET stored_path = $2 WHERE source_id = $1', [Number(before[0]!.source_id), keyFile]);
    await fx.db.run('UPDATE sources SET stored_path = $2 WHERE source_id = $1', [Number(before[1]!.source_id), link]);
    try {
      const r = await writeEvidencePack(fx.db, fx.settings, join(fx.dir, 'exports-hostile'), { keyDir, toolVersion: '0.1.0', now: new Date('2026-10-02T09:30:00Z') });
      const secret = readFileSync(keyFile);
      const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
      for (const f of walk(r.path)) assert.ok(!readFileSync(f).includes(secret.subarray(0, 64)), `${f} holds none of the key`);
      assert.match(readFileSync(join(r.path, 'data', 'SOURCES-NOT-PACKED.txt'), 'utf8'), /no longer matches the SHA-256 recorded then .* so it is not packed/);
    } finally {
      for (const b of before) await fx.db.run('UPDATE sources SET stored_path = $2, original_path = $3 WHERE source_id = $1', [Number(b.source_id), b.stored_path, b.original_path]);
      rmSync(link, { force: true });
    }
  });

  it('opens in auditor mode with the verification result, findings and report', async () => {
    const opened = await openPack(pack);
    assert.equal(opened.verify.ok, true);
    assert.equal(opened.findings.length, GAPS.length + SAVINGS.length + 2);
    const g1 = opened.findings.find((f) => f.finding_id === 'G-0001')!;
    assert.equal(g1.user, EVIL.hyperlink, 'the CSV guard apostrophe is removed when reading back');
    assert.equal(g1.family, 'gap');
    assert.ok(opened.report_html?.includes('Licence review'));
  });
});

/** Runs a CLI command with its console output captured. */
async function captured(run: () => Promise<number>): Promise<{ code: number; log: string[]; err: string[] }> {
  const log: string[] = [];
  const err: string[] = [];
  const [l, e] = [console.log, console.error];
  console.log = (...a: unknown[]) => void log.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    return { code: await run(), log, err };
  } finally {
    [console.log, console.error] = [l, e];
  }
}

describe("evidence pack of a review in another currency than the price book's", () => {
  it("marks each figure the book priced as the book's, not converted; a price the engagement gave is not marked", async () => {
    const fx = await buildFixture({ currency: 'EUR' });
    try {
      const keys = join(mkdtempSync(join(tmpdir(), 'lrtw-keys-')), 'keys');
      const r = await writeEvidencePack(fx.db, fx.settings, join(fx.dir, 'exports'), { keyDir: keys, toolVersion: '0.1.0' });
      const html = readFileSync(join(r.path, 'data', 'report.html'), 'utf8');
      const row = (id: string) => html.slice(html.indexOf(`>${id}<`), html.indexOf('</tr>', html.indexOf(`>${id}<`)));
      // S-0001 is an AEC Collection saving (the book's price), S-0002 a Revit one (priced in the engagement's settings).
      assert.match(row('S-0001'), /USD book price, not converted/);
      assert.doesNotMatch(row('S-0002'), /not converted/);
    } finally {
      disposeFixture(fx);
    }
  });
});
