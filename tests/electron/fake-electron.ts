// A small in-memory stand-in for the parts of Electron that electron/main.ts uses, so the compiled
// main bundle can be run in plain Node (the real binary cannot be downloaded on this build machine).
// It records what main registers and lets a test play the engine utility process.
import { EventEmitter } from 'node:events';

type Listener = (...a: unknown[]) => unknown;

export class FakePort extends EventEmitter {
  other: FakePort | null = null;
  closed = false;
  postMessage(data: unknown) {
    const to = this.other;
    if (!to || this.closed) return;
    queueMicrotask(() => to.closed || to.emit('message', { data, ports: [] }));
  }
  start() {}
  close() {
    this.closed = true;
  }
}

export class FakeUtility extends EventEmitter {
  ports: FakePort[] = [];
  received: unknown[] = [];
  killed = false;
  constructor(readonly modulePath: string, readonly args: string[]) {
    super();
  }
  postMessage(msg: unknown, ports: FakePort[] = []) {
    this.received.push(msg);
    this.ports.push(...ports);
    this.emit('parent-message', msg, ports);
  }
  kill() {
    this.killed = true;
    queueMicrotask(() => this.emit('exit', 9));
    return true;
  }
}

export function createFakeElectron(opts: { userData: string; dialogResponse: () => number }) {
  const appEvents = new EventEmitter();
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((r) => (resolveReady = r));
  const calls = { quit: 0, sandbox: 0, privileged: [] as unknown[], menus: 0, dialogs: [] as unknown[] };
  const ipcHandlers = new Map<string, Listener>();
  const protocolHandlers = new Map<string, (req: Request) => Promise<Response>>();
  const session: Record<string, unknown> = { registered: [] as string[] };
  const utilities: FakeUtility[] = [];
  let isReady = false;

  class FakeWebContents extends EventEmitter {
    sent: Array<[string, unknown]> = [];
    reloads = 0;
    constructor(readonly id: number) {
      super();
    }
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
    reload() {
      this.reloads++;
    }
  }
  class BrowserWindow extends EventEmitter {
    static all: BrowserWindow[] = [];
    static focused: BrowserWindow | null = null;
    static nextId = 1;
    id = BrowserWindow.nextId++;
    webContents = new FakeWebContents(100 + this.id);
    loaded: string[] = [];
    destroyed = false;
    title = '';
    constructor(readonly options: Record<string, unknown>) {
      super();
      BrowserWindow.all.push(this);
    }
    static getFocusedWindow() {
      return BrowserWindow.focused;
    }
    static fromWebContents(wc: unknown) {
      return BrowserWindow.all.find((w) => w.webContents === wc) ?? null;
    }
    async loadURL(u: string) {
      this.loaded.push(u);
    }
    getBounds() {
      return { x: 10, y: 10, width: 1280, height: 820 };
    }
    getNormalBounds() {
      return this.getBounds();
    }
    isMaximized() {
      return false;
    }
    isMinimized() {
      return false;
    }
    isDestroyed() {
      return this.destroyed;
    }
    maximize() {}
    show() {}
    restore() {}
    focus() {
      BrowserWindow.focused = this;
    }
    setTitle(t: string) {
      this.title = t;
    }
    setRepresentedFilename() {}
    close() {
      let prevented = false;
      this.emit('close', { preventDefault: () => (prevented = true) });
      if (!prevented) this.destroy();
    }
    destroy() {
      this.destroyed = true;
      this.emit('closed');
    }
  }

  const electron = {
    app: {
      isPackaged: false,
      on: (ev: string, cb: Listener) => appEvents.on(ev, cb),
      whenReady: () => ready,
      isReady: () => isReady,
      requestSingleInstanceLock: () => true,
      enableSandbox: () => void calls.sandbox++,
      setName: () => {},
      setPath: () => {},
      getPath: (name: string) => (name === 'documents' ? opts.userData : opts.userData),
      getVersion: () => '0.1.0',
      quit: () => {
        calls.quit++;
        const e = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
        appEvents.emit('before-quit', e);
      },
      exit: () => {},
      addRecentDocument: () => {},
      clearRecentDocuments: () => {},
    },
    BrowserWindow,
    MessageChannelMain: class {
      port1 = new FakePort();
      port2 = new FakePort();
      constructor() {
        this.port1.other = this.port2;
        this.port2.other = this.port1;
      }
    },
    utilityProcess: {
      fork: (modulePath: string, args: string[]) => {
        const u = new FakeUtility(modulePath, args);
        utilities.push(u);
        return u;
      },
    },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown) => void calls.privileged.push(s),
      handle: (scheme: string, h: (req: Request) => Promise<Response>) => void protocolHandlers.set(scheme, h),
    },
    session: {
      defaultSession: new Proxy(session, {
        get: (t, k: string) => (k === 'webRequest' ? { onBeforeRequest: () => (t.registered as string[]).push('onBeforeRequest') } : k in t ? t[k] : () => (t.registered as string[]).push(k)),
      }),
    },
    ipcMain: { handle: (ch: string, h: Listener) => void ipcHandlers.set(ch, h) },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: () => void calls.menus++ },
    dialog: {
      showMessageBox: async (...a: unknown[]) => {
        calls.dialogs.push(a);
        return { response: opts.dialogResponse() };
      },
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showSaveDialog: async () => ({ canceled: true }),
      showErrorBox: () => {},
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    shell: { openPath: async () => '' },
  };
  return {
    electron,
    appEvents,
    calls,
    ipcHandlers,
    protocolHandlers,
    session,
    utilities,
    windows: BrowserWindow.all,
    becomeReady: () => {
      isReady = true;
      resolveReady();
    },
  };
}
