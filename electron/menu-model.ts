// The native menu as plain data: what items exist on which platform and in which build. main.ts turns
// it into an Electron Menu with toMenuTemplate(); tests check the model without Electron.
import type { MenuItemConstructorOptions } from 'electron';

/** What a menu click asks the main process to do. */
export type MenuCommand =
  | { type: 'new-engagement' }
  | { type: 'open-engagement' }
  | { type: 'open-evidence-pack' }
  | { type: 'open-recent'; path: string; kind: 'engagement' | 'evidence-pack' }
  | { type: 'clear-recent' }
  | { type: 'close-window' }
  | { type: 'quit' }
  | { type: 'about' }
  | { type: 'documentation' };

/** Electron roles used here (each is a built-in behaviour, no code of ours runs). */
export type MenuRole =
  | 'undo' | 'redo' | 'cut' | 'copy' | 'paste' | 'pasteAndMatchStyle' | 'delete' | 'selectAll'
  | 'reload' | 'forceReload' | 'toggleDevTools' | 'resetZoom' | 'zoomIn' | 'zoomOut' | 'togglefullscreen'
  | 'services' | 'hide' | 'hideOthers' | 'unhide' | 'minimize' | 'zoom' | 'front' | 'window';

export type MenuItemModel =
  | { kind: 'command'; label: string; command: MenuCommand; accelerator?: string; enabled?: boolean }
  | { kind: 'role'; role: MenuRole; label?: string }
  | { kind: 'separator' }
  | { kind: 'submenu'; label: string; items: MenuItemModel[]; role?: MenuRole };

export interface MenuModelOptions {
  platform: NodeJS.Platform;
  /** Development build (unpackaged): adds reload and devtools. Never true in a packaged app. */
  dev: boolean;
  appName: string;
  recent: ReadonlyArray<{ path: string; kind: 'engagement' | 'evidence-pack'; label: string }>;
}

const sep: MenuItemModel = { kind: 'separator' };

export function buildMenuModel(o: MenuModelOptions): MenuItemModel[] {
  const mac = o.platform === 'darwin';
  const recentItems: MenuItemModel[] = o.recent.length === 0
    ? [{ kind: 'command', label: 'No recent files', command: { type: 'clear-recent' }, enabled: false }]
    : [
        ...o.recent.map((r): MenuItemModel => ({ kind: 'command', label: r.label, command: { type: 'open-recent', path: r.path, kind: r.kind } })),
        sep,
        { kind: 'command', label: 'Clear Recent', command: { type: 'clear-recent' } },
      ];

  const file: MenuItemModel = {
    kind: 'submenu',
    label: '&File',
    items: [
      { kind: 'command', label: 'New Engagement', command: { type: 'new-engagement' }, accelerator: 'CmdOrCtrl+N' },
      { kind: 'command', label: 'Open Engagement…', command: { type: 'open-engagement' }, accelerator: 'CmdOrCtrl+O' },
      { kind: 'command', label: 'Open Evidence Pack…', command: { type: 'open-evidence-pack' }, accelerator: 'CmdOrCtrl+Shift+O' },
      { kind: 'submenu', label: 'Open Recent', items: recentItems },
      sep,
      { kind: 'command', label: 'Close Window', command: { type: 'close-window' }, accelerator: 'CmdOrCtrl+W' },
      // On macOS Quit lives in the application menu (platform convention); elsewhere it ends File.
      ...(mac ? [] : [sep, { kind: 'command', label: 'Quit', command: { type: 'quit' }, accelerator: 'Ctrl+Q' } as MenuItemModel]),
    ],
  };

  const edit: MenuItemModel = {
    kind: 'submenu',
    label: '&Edit',
    items: [
      { kind: 'role', role: 'undo' }, { kind: 'role', role: 'redo' }, sep,
      { kind: 'role', role: 'cut' }, { kind: 'role', role: 'copy' }, { kind: 'role', role: 'paste' },
      ...(mac ? [{ kind: 'role', role: 'pasteAndMatchStyle' } as MenuItemModel] : []),
      { kind: 'role', role: 'delete' }, sep, { kind: 'role', role: 'selectAll' },
    ],
  };

  const view: MenuItemModel = {
    kind: 'submenu',
    label: '&View',
    items: [
      ...(o.dev ? [{ kind: 'role', role: 'reload' } as MenuItemModel, { kind: 'role', role: 'forceReload' } as MenuItemModel, sep] : []),
      { kind: 'role', role: 'resetZoom' }, { kind: 'role', role: 'zoomIn' }, { kind: 'role', role: 'zoomOut' }, sep,
      { kind: 'role', role: 'togglefullscreen' },
      ...(o.dev ? [sep, { kind: 'role', role: 'toggleDevTools' } as MenuItemModel] : []),
    ],
  };

  const help: MenuItemModel = {
    kind: 'submenu',
    label: '&Help',
    items: [
      { kind: 'command', label: 'Documentation', command: { type: 'documentation' }, accelerator: 'F1' },
      ...(mac ? [] : [sep, { kind: 'command', label: `About ${o.appName}`, command: { type: 'about' } } as MenuItemModel]),
    ],
  };

  const menus: MenuItemModel[] = [];
  if (mac) {
    menus.push({
      kind: 'submenu',
      label: o.appName,
      items: [
        { kind: 'command', label: `About ${o.appName}`, command: { type: 'about' } }, sep,
        { kind: 'role', role: 'services' }, sep,
        { kind: 'role', role: 'hide' }, { kind: 'role', role: 'hideOthers' }, { kind: 'role', role: 'unhide' }, sep,
        { kind: 'command', label: `Quit ${o.appName}`, command: { type: 'quit' }, accelerator: 'Cmd+Q' },
      ],
    });
  }
  menus.push(file, edit, view);
  if (mac) {
    menus.push({ kind: 'submenu', label: 'Window', role: 'window', items: [{ kind: 'role', role: 'minimize' }, { kind: 'role', role: 'zoom' }, sep, { kind: 'role', role: 'front' }] });
  }
  menus.push(help);
  return menus;
}

/** Converts the model to Electron's template; every command click goes to `run`. */
export function toMenuTemplate(items: readonly MenuItemModel[], run: (c: MenuCommand) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'role':
        return item.label ? { role: item.role, label: item.label } : { role: item.role };
      case 'submenu':
        return { label: item.label, submenu: toMenuTemplate(item.items, run), ...(item.role ? { role: item.role } : {}) };
      case 'command':
        return {
          label: item.label,
          enabled: item.enabled ?? true,
          ...(item.accelerator ? { accelerator: item.accelerator } : {}),
          click: () => run(item.command),
        };
    }
  });
}

/** Every command reachable in a model (tests and the main-process dispatcher's exhaustiveness). */
export function listCommands(items: readonly MenuItemModel[]): MenuCommand[] {
  return items.flatMap((i) => (i.kind === 'command' ? [i.command] : i.kind === 'submenu' ? listCommands(i.items) : []));
}
export function listRoles(items: readonly MenuItemModel[]): MenuRole[] {
  return items.flatMap((i) => (i.kind === 'role' ? [i.role] : i.kind === 'submenu' ? listRoles(i.items) : []));
}
