import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMenuModel, listCommands, listRoles, toMenuTemplate, type MenuCommand, type MenuItemModel } from '../../electron/menu-model';

const recent = [
  { path: '/home/a/Acme Q3.lrtw', kind: 'engagement' as const, label: 'Acme Q3.lrtw' },
  { path: '/home/a/pack-acme', kind: 'evidence-pack' as const, label: 'pack-acme (evidence pack)' },
];

function top(model: MenuItemModel[], label: string): MenuItemModel[] {
  const m = model.find((i) => i.kind === 'submenu' && i.label.replace('&', '') === label);
  assert.ok(m && m.kind === 'submenu', `menu ${label} exists`);
  return m.items;
}

test('File menu has new/open/open pack/recent/close/quit on Windows and Linux', () => {
  for (const platform of ['win32', 'linux'] as const) {
    const model = buildMenuModel({ platform, dev: false, appName: 'LRT Workbench', recent });
    assert.deepEqual(model.map((m) => (m.kind === 'submenu' ? m.label.replace('&', '') : m.kind)), ['File', 'Edit', 'View', 'Help']);
    const types = listCommands(top(model, 'File')).map((c) => c.type);
    assert.deepEqual(types, ['new-engagement', 'open-engagement', 'open-evidence-pack', 'open-recent', 'open-recent', 'clear-recent', 'close-window', 'quit']);
    const opened = listCommands(top(model, 'File')).filter((c): c is Extract<MenuCommand, { type: 'open-recent' }> => c.type === 'open-recent');
    assert.deepEqual(opened.map((c) => [c.path, c.kind]), recent.map((r) => [r.path, r.kind]));
  }
});

test('macOS puts About and Quit in the application menu and adds a Window menu', () => {
  const model = buildMenuModel({ platform: 'darwin', dev: false, appName: 'LRT Workbench', recent: [] });
  assert.equal(model[0]?.kind === 'submenu' && model[0].label, 'LRT Workbench');
  assert.deepEqual(listCommands(top(model, 'LRT Workbench')).map((c) => c.type), ['about', 'quit']);
  assert.ok(!listCommands(top(model, 'File')).some((c) => c.type === 'quit'));
  assert.ok(model.some((m) => m.kind === 'submenu' && m.label === 'Window'));
});

test('an empty recent list shows one disabled item', () => {
  const file = top(buildMenuModel({ platform: 'linux', dev: false, appName: 'X', recent: [] }), 'File');
  const sub = file.find((i) => i.kind === 'submenu' && i.label === 'Open Recent');
  assert.ok(sub && sub.kind === 'submenu');
  assert.equal(sub.items.length, 1);
  assert.equal(sub.items[0]?.kind === 'command' && sub.items[0].enabled, false);
});

test('reload and devtools exist only in development builds; zoom and fullscreen always', () => {
  const prod = listRoles(buildMenuModel({ platform: 'win32', dev: false, appName: 'X', recent: [] }));
  const dev = listRoles(buildMenuModel({ platform: 'win32', dev: true, appName: 'X', recent: [] }));
  for (const r of ['reload', 'forceReload', 'toggleDevTools'] as const) {
    assert.ok(!prod.includes(r), `${r} absent in production`);
    assert.ok(dev.includes(r), `${r} present in dev`);
  }
  for (const r of ['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen', 'copy', 'paste', 'undo', 'selectAll'] as const) assert.ok(prod.includes(r), r);
});

test('Help offers local documentation and About, nothing that opens the web', () => {
  const help = top(buildMenuModel({ platform: 'linux', dev: false, appName: 'X', recent: [] }), 'Help');
  assert.deepEqual(listCommands(help).map((c) => c.type), ['documentation', 'about']);
});

test('toMenuTemplate wires each command click to the dispatcher and keeps accelerators', () => {
  const ran: MenuCommand[] = [];
  const tpl = toMenuTemplate(buildMenuModel({ platform: 'linux', dev: false, appName: 'X', recent }), (c) => ran.push(c));
  const fileItems = tpl[0]?.submenu as Array<{ label?: string; accelerator?: string; click?: () => void; submenu?: unknown }>;
  const open = fileItems.find((i) => i.label === 'Open Engagement…');
  assert.equal(open?.accelerator, 'CmdOrCtrl+O');
  open?.click?.();
  const recentSub = fileItems.find((i) => i.label === 'Open Recent')?.submenu as Array<{ label?: string; click?: () => void }>;
  recentSub[0]?.click?.();
  assert.deepEqual(ran, [{ type: 'open-engagement' }, { type: 'open-recent', path: recent[0]!.path, kind: 'engagement' }]);
});
