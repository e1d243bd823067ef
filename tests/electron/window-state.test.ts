import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cascade, DEFAULT_WINDOW_STATE, fitToDisplays, loadWindowState, parseWindowState, saveWindowState, stateFromBounds } from '../../electron/window-state';

const laptop = { x: 0, y: 0, width: 1440, height: 860 };
const external = { x: 1440, y: -200, width: 2560, height: 1400 };

test('a valid stored state is kept as is', () => {
  const s = { x: 100, y: 80, width: 1300, height: 800, maximized: true };
  assert.deepEqual(parseWindowState(s), { state: s, problem: null });
});

test('invalid or hostile stored state falls back to defaults and says why', () => {
  for (const bad of [null, 'x', { width: 10, height: 10, maximized: false }, { width: 1e9, height: 800, maximized: false }, { width: 1200, height: 800, maximized: 'yes' }, { width: 1200.5, height: 800, maximized: false }]) {
    const r = parseWindowState(bad);
    assert.deepEqual(r.state, DEFAULT_WINDOW_STATE);
    assert.ok(r.problem && r.problem.includes('ignored saved window state'), JSON.stringify(bad));
  }
});

test('a window saved on an unplugged monitor reopens centred on the remaining display', () => {
  const saved = { x: 2000, y: 100, width: 1800, height: 1000, maximized: false };
  const both = fitToDisplays(saved, [laptop, external]);
  assert.equal(both.x, 2000);
  const only = fitToDisplays(saved, [laptop]);
  assert.equal(only.x, undefined);
  assert.equal(only.y, undefined);
  assert.ok(only.width <= laptop.width && only.height <= laptop.height);
});

test('a window whose title bar is just above the screen is not restored there', () => {
  assert.equal(fitToDisplays({ x: 100, y: -60, width: 1000, height: 700, maximized: false }, [laptop]).y, undefined);
  assert.equal(fitToDisplays({ x: 100, y: 10, width: 1000, height: 700, maximized: false }, [laptop]).y, 10);
});

test('new windows cascade instead of stacking exactly', () => {
  const s = { x: 50, y: 50, width: 1000, height: 700, maximized: false };
  const c = cascade(s, [{ x: 50, y: 50, width: 1000, height: 700 }, { x: 78, y: 78, width: 1000, height: 700 }]);
  assert.deepEqual([c.x, c.y], [106, 106]);
});

test('save then load round-trips through JSON on disk; corrupt JSON gives defaults', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrtw-winstate-'));
  try {
    const file = join(dir, 'sub', 'window-state.json');
    const s = stateFromBounds({ x: 10.4, y: 20.6, width: 1500, height: 900 }, false);
    await saveWindowState(file, s);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { x: 10, y: 21, width: 1500, height: 900, maximized: false });
    assert.deepEqual((await loadWindowState(file)).state, s);
    writeFileSync(file, '{"width": 1500,');
    const r = await loadWindowState(file);
    assert.deepEqual(r.state, DEFAULT_WINDOW_STATE);
    assert.match(r.problem ?? '', /not valid JSON/);
    assert.deepEqual(await loadWindowState(join(dir, 'missing.json')), { state: DEFAULT_WINDOW_STATE, problem: null });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
