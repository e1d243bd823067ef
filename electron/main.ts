// Electron main process: windows, menus, dialogs, the app:// protocol, and the engine host. Thin by
// design: decisions live in small pure modules (menu-model, navigation-guard, sender-validation,
// window-state, app-protocol, open-targets, engine-host) that are unit tested without Electron.
import { app, BrowserWindow, dialog, ipcMain, Menu, MessageChannelMain, protocol, screen, session, shell, utilityProcess, type IpcMainInvokeEvent, type MessagePortMain, type OpenDialogOptions } from 'electron';
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { METHOD_NAMES, type MethodName } from '../analysis/api/contract';
import { serveAppRequest } from './app-protocol';
import { APP_ENTRY_URL, APP_SCHEME, ENGINE_RESTARTED_CHANNEL, OPEN_REQUEST_CHANNEL, PROGRESS_CHANNEL, SHELL_CHANNELS, callChannel, type OpenRequest } from './channels';
import { EngineHost, type EngineChild, type EnginePort } from './engine-host';
import { buildMenuModel, toMenuTemplate, type MenuCommand } from './menu-model';
import { classifyOpenTarget, ENGAGEMENT_EXTENSION, openTargetsFromArgv, type FsProbe, type OpenTarget } from './open-targets';
import { addRecent, loadRecent, recentLabel, saveRecent, type RecentEntry } from './recent-files';
import { hardenApp, hardenSession, secureWebPreferences } from './security';
import { validateSender } from './sender-validation';
import { cascade, fitToDisplays, loadWindowState, saveWindowState, stateFromBounds, type WindowState } from './window-state';

const APP_NAME = 'LRT Workbench';
const dev = !app.isPackaged;
/** dist/electron/ at run time; the renderer is dist/renderer/, the app root two levels up. */
const here = __dirname;
const appRoot = join(here, '..', '..');
const rendererDir = join(here, '..', 'renderer');
const log = (m: string) => console.log(`[main] ${m}`);

const fsProbe: FsProbe = {
  exists: (p) => existsSync(p),
  isDirectory: (p) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  },
};

// ---- before ready: scheme privileges, hardening, single instance ----

// Tests (and only unpackaged builds) may point the profile elsewhere so runs never share state or the
// single-instance lock with a real session.
if (dev && process.env.LRTW_USER_DATA_DIR) app.setPath('userData', process.env.LRTW_USER_DATA_DIR);

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
hardenApp(app, { dev, log });
app.setName(APP_NAME);
if (process.platform === 'win32') app.setAppUserModelId('com.lrtworkbench.desktop');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, cwd) => {
    if (!app.isReady()) return;
    const targets = openTargetsFromArgv(argv, { packaged: app.isPackaged, cwd }, fsProbe);
    if (targets.length === 0) focusSomeWindow();
    for (const t of targets) void openTarget(t).catch((e: unknown) => log(`could not open ${t.path}: ${String(e)}`));
  });
  // macOS: double-clicked files arrive here, possibly before ready.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    const t = classifyOpenTarget(path, fsProbe);
    if (!t) return;
    if (app.isReady()) void openTarget(t).catch((e: unknown) => log(`could not open ${t.path}: ${String(e)}`));
    else launchTargets.push(t);
  });
  app.whenReady().then(onReady).catch((e: unknown) => {
    dialog.showErrorBox(APP_NAME, `LRT Workbench could not start: ${e instanceof Error ? e.message : String(e)}`);
    app.exit(1);
  });
}

const launchTargets: OpenTarget[] = [];

// ---- windows ----

interface WindowEntry { win: BrowserWindow; pendingOpen: OpenRequest | null }
const windows = new Map<number, WindowEntry>(); // BrowserWindow.id -> entry
const webContentsIds = new Set<number>();
let windowState: WindowState;
const windowStateFile = () => join(app.getPath('userData'), 'window-state.json');
const recentFile = () => join(app.getPath('userData'), 'recent.json');
let recent: RecentEntry[] = [];

function createWindow(): BrowserWindow {
  const displays = screen.getAllDisplays().map((d) => d.workArea);
  const occupied = [...windows.values()].map((w) => w.win.getBounds());
  const s = cascade(fitToDisplays(windowState, displays), occupied);
  const win = new BrowserWindow({
    ...(s.x !== undefined && s.y !== undefined ? { x: s.x, y: s.y } : {}),
    width: s.width,
    height: s.height,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: APP_NAME,
    backgroundColor: '#ffffff',
    icon: join(appRoot, 'assets', 'icons', 'icon-512.png'),
    webPreferences: secureWebPreferences(join(here, 'preload.cjs')),
  });
  if (s.maximized) win.maximize();
  const id = win.id;
  const wcId = win.webContents.id;
  windows.set(id, { win, pendingOpen: null });
  webContentsIds.add(wcId);
  engine.attachWindow(id);
  win.once('ready-to-show', () => win.show());
  win.webContents.on('render-process-gone', (_e, details) => {
    if (details.reason === 'clean-exit') return;
    log(`window ${id} renderer gone (${details.reason}); reloading`);
    if (!win.isDestroyed()) load(win);
  });
  const remember = () => {
    windowState = stateFromBounds(win.getNormalBounds(), win.isMaximized());
  };
  win.on('resize', remember);
  win.on('move', remember);
  win.on('close', (event) => {
    // Closing a window whose import/review/export is still running asks first, like quitting does.
    if (quitting === 'no' && engine.runningJobs().some((j) => j.windowId === id)) {
      event.preventDefault();
      void confirmCloseWithJobs(win, id);
      return;
    }
    remember();
    void saveWindowState(windowStateFile(), windowState).catch((e: unknown) => log(`could not save window state: ${String(e)}`));
  });
  win.on('closed', () => {
    windows.delete(id);
    webContentsIds.delete(wcId);
    engine.detachWindow(id);
  });
  // The renderer is loaded only after any engagement is open in this window's engine session, so its
  // first engagement.info already sees it (see openTarget).
  return win;
}

function load(win: BrowserWindow): void {
  void win.loadURL(APP_ENTRY_URL).catch((e: unknown) => log(`could not load the UI: ${String(e)}`));
}

function focusSomeWindow(): void {
  const w = BrowserWindow.getFocusedWindow() ?? [...windows.values()][0]?.win;
  if (!w) return load(createWindow());
  if (w.isMinimized()) w.restore();
  w.focus();
}

function windowForSender(event: IpcMainInvokeEvent): WindowEntry | null {
  const verdict = validateSender(event, webContentsIds);
  if (!verdict.ok) {
    log(`refused IPC: ${verdict.reason}`);
    return null;
  }
  const win = BrowserWindow.fromWebContents(event.sender);
  return (win && windows.get(win.id)) ?? null;
}

/** One window per engagement: focus the window that has it, reuse an empty focused window, or open one. */
async function openTarget(t: OpenTarget): Promise<void> {
  if (t.kind === 'engagement') {
    for (const [id, w] of windows) {
      if (engine.engagementOf(id) === t.path) {
        if (w.win.isMinimized()) w.win.restore();
        return w.win.focus();
      }
    }
  }
  const focused = BrowserWindow.getFocusedWindow();
  // Reuse the focused window only if it is empty: no engagement open and nothing running (a sample
  // being generated has no engagement yet).
  const idle = (id: number) => engine.engagementOf(id) === null && !engine.runningJobs().some((j) => j.windowId === id);
  const reuse = focused && windows.has(focused.id) && idle(focused.id) ? windows.get(focused.id) ?? null : null;
  const entry = reuse ?? windows.get(createWindow().id);
  if (!entry) return;
  const fresh = !reuse;
  if (t.kind === 'engagement') {
    const r = await engine.call(entry.win.id, 'engagement.open', { path: t.path });
    if (!r.ok) {
      void dialog.showMessageBox(entry.win, { type: 'error', title: APP_NAME, message: `Could not open ${basename(t.path)}`, detail: r.error.message });
      if (fresh) load(entry.win);
      return;
    }
    // A reused window re-reads engagement.info on reload; a fresh one on its first load.
    if (fresh) load(entry.win);
    else entry.win.webContents.reload();
  } else {
    // Evidence packs are read in auditor mode by the UI (pack.open); hand it the request.
    const request: OpenRequest = { kind: t.kind, path: t.path };
    rememberRecent(t);
    if (fresh) {
      entry.pendingOpen = request; // the new page takes it with workbenchShell.takeOpenRequest()
      load(entry.win);
    } else {
      entry.win.webContents.send(OPEN_REQUEST_CHANNEL, request);
    }
  }
  entry.win.focus();
}

// ---- recent files and the menu ----

function rememberRecent(t: OpenTarget): void {
  recent = addRecent(recent, { path: t.path, kind: t.kind, opened_at: new Date().toISOString() });
  app.addRecentDocument(t.path);
  void saveRecent(recentFile(), recent).catch((e: unknown) => log(`could not save recent list: ${String(e)}`));
  rebuildMenu();
}

function rebuildMenu(): void {
  const model = buildMenuModel({ platform: process.platform, dev, appName: APP_NAME, recent: recent.map((r) => ({ path: r.path, kind: r.kind, label: recentLabel(r) })) });
  Menu.setApplicationMenu(Menu.buildFromTemplate(toMenuTemplate(model, (c) => void runCommand(c).catch((e: unknown) => log(`menu command ${c.type} failed: ${String(e)}`)))));
}

async function pick(options: OpenDialogOptions): Promise<string[]> {
  const parent = BrowserWindow.getFocusedWindow();
  const r = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
  return r.canceled ? [] : r.filePaths;
}

async function runCommand(c: MenuCommand): Promise<void> {
  switch (c.type) {
    case 'new-engagement':
      // The start screen creates engagements (client, quarter, folder); a new window shows it.
      return load(createWindow());
    case 'open-engagement': {
      const [p] = await pick({ title: 'Open engagement', properties: ['openFile'], filters: [{ name: 'LRT Workbench engagement', extensions: [ENGAGEMENT_EXTENSION.slice(1)] }] });
      if (!p) return;
      const t = classifyOpenTarget(p, fsProbe);
      if (!t) return void dialog.showMessageBox({ type: 'error', title: APP_NAME, message: `${basename(p)} is not an engagement`, detail: `Engagements are ${ENGAGEMENT_EXTENSION} files created by LRT Workbench. To load client exports, open an engagement and use Load data.` });
      return openTarget(t);
    }
    case 'open-evidence-pack': {
      const [p] = await pick({ title: 'Open evidence pack (the folder holding bagit.txt)', properties: ['openDirectory'] });
      if (!p) return;
      const t = classifyOpenTarget(p, fsProbe);
      if (!t) return void dialog.showMessageBox({ type: 'error', title: APP_NAME, message: `${basename(p)} is not an evidence pack`, detail: 'An evidence pack is a folder with a bagit.txt file in it. Choose that folder.' });
      return openTarget(t);
    }
    case 'open-recent': {
      const t = classifyOpenTarget(c.path, fsProbe);
      if (t) return openTarget(t);
      recent = recent.filter((r) => r.path !== c.path);
      void saveRecent(recentFile(), recent).catch((e: unknown) => log(`could not save recent list: ${String(e)}`));
      rebuildMenu();
      return void dialog.showMessageBox({ type: 'warning', title: APP_NAME, message: `${basename(c.path)} is no longer there`, detail: `${c.path} was moved or deleted; it was removed from Open Recent.` });
    }
    case 'clear-recent':
      recent = [];
      app.clearRecentDocuments();
      void saveRecent(recentFile(), recent).catch((e: unknown) => log(`could not save recent list: ${String(e)}`));
      return rebuildMenu();
    case 'close-window':
      return BrowserWindow.getFocusedWindow()?.close();
    case 'quit':
      return app.quit();
    case 'about':
      return void dialog.showMessageBox({ type: 'info', title: `About ${APP_NAME}`, message: `${APP_NAME} ${app.getVersion()}`, detail: `Offline audit-readiness workbench for Autodesk licence usage.\nElectron ${process.versions.electron}, Node ${process.versions.node}.\nNo data leaves this computer.` });
    case 'documentation': {
      // The README shipped inside the app, opened by the OS; never a web page.
      const readme = app.isPackaged ? join(process.resourcesPath, 'README.md') : join(appRoot, 'README.md');
      const err = existsSync(readme) ? await shell.openPath(readme) : `${readme} is missing from this installation.`;
      if (err) void dialog.showMessageBox({ type: 'error', title: APP_NAME, message: 'Could not open the documentation', detail: err });
      return;
    }
  }
}

// ---- the engine host ----

function adaptPort(port: MessagePortMain): EnginePort {
  port.start();
  return {
    send: (msg) => port.postMessage(msg),
    onMessage: (cb) => port.on('message', (e) => cb(e.data)),
    close: () => port.close(),
  };
}

const engine = new EngineHost({
  spawn(): EngineChild {
    const stateDir = join(app.getPath('userData'), 'engine');
    const child = utilityProcess.fork(join(here, 'engine-process.cjs'), [`--state-dir=${stateDir}`, `--key-dir=${join(app.getPath('userData'), 'keys')}`], { serviceName: 'LRT Workbench engine', stdio: 'inherit' });
    return {
      send: (msg, port) => child.postMessage(msg, port ? [port as MessagePortMain] : []),
      onMessage: (cb) => child.on('message', cb),
      onExit: (cb) => child.on('exit', cb),
      kill: () => void child.kill(),
    };
  },
  createChannel() {
    const { port1, port2 } = new MessageChannelMain();
    return { local: adaptPort(port1), remote: port2 };
  },
  toWindow(windowId, e) {
    const w = windows.get(windowId)?.win;
    if (!w || w.isDestroyed()) return;
    w.webContents.send(e.type === 'progress' ? PROGRESS_CHANNEL : ENGINE_RESTARTED_CHANNEL, e.event);
  },
  onEngagementChanged(windowId, path) {
    const w = windows.get(windowId)?.win;
    if (w && !w.isDestroyed()) {
      w.setTitle(path ? `${basename(path, ENGAGEMENT_EXTENSION)} — ${APP_NAME}` : APP_NAME);
      if (process.platform === 'darwin') w.setRepresentedFilename(path ?? '');
    }
    if (path) rememberRecent({ kind: 'engagement', path });
  },
  log,
});

// ---- IPC: one handler per API method, each checks its sender ----

function registerIpc(): void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(callChannel(method), (event, input: unknown) => {
      const entry = windowForSender(event);
      if (!entry) return { ok: false, error: { code: 'invalid_input', message: 'Refused: this request did not come from an LRT Workbench window.' } };
      return engine.call(entry.win.id, method satisfies MethodName, input);
    });
  }
  const guarded = <T>(channel: string, fn: (entry: WindowEntry, arg: unknown) => Promise<T> | T, refused: T) =>
    ipcMain.handle(channel, (event, arg: unknown) => {
      const entry = windowForSender(event);
      return entry ? fn(entry, arg) : refused;
    });
  const dialogFor = async (entry: WindowEntry, options: OpenDialogOptions): Promise<string[]> => {
    const r = await dialog.showOpenDialog(entry.win, options);
    return r.canceled ? [] : r.filePaths;
  };
  guarded(SHELL_CHANNELS.pickImportFiles, (e) => dialogFor(e, { title: 'Choose the exports to import', properties: ['openFile', 'multiSelections'] }), []);
  guarded(SHELL_CHANNELS.pickImportFolder, async (e) => (await dialogFor(e, { title: 'Choose a folder of exports to import', properties: ['openDirectory'] }))[0] ?? null, null);
  guarded(SHELL_CHANNELS.pickExportFolder, async (e) => (await dialogFor(e, { title: 'Choose where to write the workbook and evidence pack', properties: ['openDirectory', 'createDirectory'] }))[0] ?? null, null);
  guarded(SHELL_CHANNELS.pickPreviousEngagement, async (e) => (await dialogFor(e, { title: "Choose last quarter's engagement", properties: ['openFile'], filters: [{ name: 'LRT Workbench engagement', extensions: [ENGAGEMENT_EXTENSION.slice(1)] }] }))[0] ?? null, null);
  guarded(SHELL_CHANNELS.pickNewEngagementPath, async (e, suggested) => {
    const name = typeof suggested === 'string' && suggested.trim() ? suggested.trim().replace(/[\\/:*?"<>|]/g, '-').slice(0, 120) : 'engagement';
    const r = await dialog.showSaveDialog(e.win, { title: 'Save the new engagement as', defaultPath: join(app.getPath('documents'), `${name}${ENGAGEMENT_EXTENSION}`), filters: [{ name: 'LRT Workbench engagement', extensions: [ENGAGEMENT_EXTENSION.slice(1)] }], properties: ['createDirectory', 'showOverwriteConfirmation'] });
    return r.canceled || !r.filePath ? null : r.filePath;
  }, null);
  guarded(SHELL_CHANNELS.takeOpenRequest, (e) => {
    const r = e.pendingOpen;
    e.pendingOpen = null;
    return r;
  }, null);
}

async function confirmCloseWithJobs(win: BrowserWindow, id: number): Promise<void> {
  const { response } = await dialog.showMessageBox(win, {
    type: 'question', title: APP_NAME, message: 'A job is still running in this window.',
    detail: 'Cancel it and close the window, or keep the window open until it finishes.',
    buttons: ['Keep open', 'Cancel and close'], defaultId: 0, cancelId: 0,
  });
  if (response === 0) return;
  await engine.cancelJobsOf(id, 15_000);
  if (!win.isDestroyed()) win.destroy();
}

// ---- clean quit: finish or cancel running jobs, then stop the engine ----

let quitting: 'no' | 'in-progress' | 'done' = 'no';
app.on('before-quit', (event) => {
  if (quitting === 'done') return;
  event.preventDefault();
  if (quitting === 'in-progress') return;
  quitting = 'in-progress';
  void quitCleanly()
    .catch((e: unknown) => {
      log(`clean quit failed (${String(e)}); quitting anyway`);
      return true;
    })
    .then((proceed) => {
      if (!proceed) {
        quitting = 'no';
        return;
      }
      quitting = 'done';
      app.quit();
    });
});

/** Resolves false when the user chose to keep working. */
async function quitCleanly(): Promise<boolean> {
  const jobs = engine.runningJobs();
  if (jobs.length > 0) {
    const what = [...new Set(jobs.map((j) => j.method.replace('.run', '').replace('.', ' ')))].join(', ');
    const parent = BrowserWindow.getFocusedWindow();
    const options = {
      type: 'question' as const,
      title: APP_NAME,
      message: `${jobs.length === 1 ? 'A job is' : `${jobs.length} jobs are`} still running (${what}).`,
      detail: 'Cancel them and quit, or keep working until they finish. Cancelled imports keep nothing half-loaded.',
      buttons: ['Keep working', 'Cancel and quit'],
      defaultId: 0,
      cancelId: 0,
    };
    const choice = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
    if (choice.response === 0) return false;
    const left = await engine.cancelAllJobs(15_000);
    if (left.length > 0) log(`${left.length} job(s) did not stop within 15 s; quitting anyway`);
  }
  await engine.stop(10_000);
  return true;
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('activate', () => {
  if (windows.size === 0 && app.isReady()) load(createWindow());
});

// ---- ready ----

async function onReady(): Promise<void> {
  hardenSession(session.defaultSession, { dev, log });
  protocol.handle(APP_SCHEME, async (request) => {
    const r = await serveAppRequest(rendererDir, request.url);
    return new Response(r.body as BodyInit, { status: r.status, headers: r.headers });
  });
  await mkdir(app.getPath('userData'), { recursive: true });
  const loaded = await loadWindowState(windowStateFile());
  if (loaded.problem) log(loaded.problem);
  windowState = loaded.state;
  recent = (await loadRecent(recentFile())).filter((r) => existsSync(r.path));
  registerIpc();
  rebuildMenu();
  engine.start();
  const targets = [...openTargetsFromArgv(process.argv, { packaged: app.isPackaged, cwd: process.cwd() }, fsProbe), ...launchTargets];
  if (targets.length === 0) load(createWindow());
  for (const t of targets) await openTarget(t);
  if (!existsSync(join(rendererDir, 'index.html'))) log(`the UI is not built: ${join(rendererDir, 'index.html')} is missing; run npm run build`);
}
