import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyOpenTarget, openTargetsFromArgv, type FsProbe } from '../../electron/open-targets';
import { addRecent, loadRecent, saveRecent, MAX_RECENT } from '../../electron/recent-files';

const fs: FsProbe = { exists: existsSync, isDirectory: (p) => existsSync(p) && statSync(p).isDirectory() };

test('engagement files and evidence-pack folders are recognised; anything else ignored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrtw-open-'));
  try {
    writeFileSync(join(dir, 'Acme Q3.lrtw'), '');
    mkdirSync(join(dir, 'pack'));
    writeFileSync(join(dir, 'pack', 'bagit.txt'), 'BagIt-Version: 1.0\n');
    writeFileSync(join(dir, 'notes.txt'), '');
    assert.deepEqual(classifyOpenTarget(join(dir, 'Acme Q3.lrtw'), fs), { kind: 'engagement', path: join(dir, 'Acme Q3.lrtw') });
    assert.deepEqual(classifyOpenTarget(join(dir, 'pack'), fs), { kind: 'evidence-pack', path: join(dir, 'pack') });
    assert.deepEqual(classifyOpenTarget(join(dir, 'pack', 'bagit.txt'), fs), { kind: 'evidence-pack', path: join(dir, 'pack') });
    assert.equal(classifyOpenTarget(join(dir, 'notes.txt'), fs), null);
    assert.equal(classifyOpenTarget(join(dir, 'missing.lrtw'), fs), null);
    assert.equal(classifyOpenTarget(dir, fs), null); // a folder without bagit.txt

    // Packaged: argv = [exe, file]; development: [electron, appDir, file]; Chromium switches skipped.
    assert.deepEqual(openTargetsFromArgv(['/opt/LRT/lrt-workbench', '--allow-file-access', 'Acme Q3.lrtw'], { packaged: true, cwd: dir }, fs).map((t) => t.kind), ['engagement']);
    assert.deepEqual(openTargetsFromArgv(['/x/electron', dir, 'pack', 'pack'], { packaged: false, cwd: dir }, fs), [{ kind: 'evidence-pack', path: join(dir, 'pack') }]);
    assert.deepEqual(openTargetsFromArgv(['/x/electron', '.'], { packaged: false, cwd: dir }, fs), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('recent list: newest first, no duplicates, capped, survives a corrupt file', async () => {
  let list = [] as ReturnType<typeof addRecent>;
  for (let i = 0; i < MAX_RECENT + 3; i++) list = addRecent(list, { path: `/e/${i}.lrtw`, kind: 'engagement', opened_at: `2026-01-${String(i + 1).padStart(2, '0')}` });
  list = addRecent(list, { path: '/e/5.lrtw', kind: 'engagement', opened_at: '2026-02-01' });
  assert.equal(list.length, MAX_RECENT);
  assert.equal(list[0]?.path, '/e/5.lrtw');
  assert.equal(list.filter((e) => e.path === '/e/5.lrtw').length, 1);
  const dir = mkdtempSync(join(tmpdir(), 'lrtw-recent-'));
  try {
    const file = join(dir, 'recent.json');
    await saveRecent(file, list);
    assert.deepEqual(await loadRecent(file), list);
    writeFileSync(file, JSON.stringify({ version: 1, entries: [{ path: 42 }] }));
    assert.deepEqual(await loadRecent(file), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
