// The typed API client. Two transports carry the same contract: Electron (window.workbench, exposed
// by the preload) and local HTTP (npm run serve). The app picks Electron when window.workbench exists.
import type { ApiErrorBody, Input, MethodName, Output, ProgressEvent, WorkbenchApi } from '../../analysis/api/contract';
import type { EngineRestartedEvent, OpenRequest, WorkbenchShell } from '../../electron/channels';
import { METHOD_NAMES, ProgressEventSchema, ApiErrorSchema } from './shared';

export type { EngineRestartedEvent, OpenRequest, WorkbenchShell };

declare global {
  interface Window {
    /** Desktop only (electron/preload.ts): the API plus the engine-restart notice and dropped-file paths. */
    workbench?: WorkbenchApi & { onEngineRestarted?(cb: (e: EngineRestartedEvent) => void): () => void; pathForFile?(file: File): string };
    /** Desktop only: native dialogs and open requests from the menu / OS. Absent in serve mode. */
    workbenchShell?: WorkbenchShell;
  }
}

/** The desktop shell's native dialogs, or null in serve mode (feature-detected, never assumed). */
export function shell(): WorkbenchShell | null {
  return typeof window !== 'undefined' && window.workbenchShell ? window.workbenchShell : null;
}

/** Subscribes to the desktop engine-restart notice; a no-op in serve mode. */
export function onEngineRestarted(cb: (e: EngineRestartedEvent) => void): () => void {
  const wb = typeof window !== 'undefined' ? window.workbench : undefined;
  return wb && typeof wb.onEngineRestarted === 'function' ? wb.onEngineRestarted(cb) : () => undefined;
}

/** Serve mode: the engine's state folder, injected by the server as a meta tag (null when absent). */
export function engineStateDir(): string | null {
  return kept('lrtw-state-dir', null);
}

/**
 * Serve mode: a value the server gave this tab's first load in a meta tag (the token, the state folder), kept in the
 * tab's sessionStorage so a reload (whose page carries none) still has it. No cookie holds it: a browser would send
 * it to every port on 127.0.0.1.
 */
function kept(name: string, fromQuery: string | null): string | null {
  if (typeof document === 'undefined') return null;
  const given = fromQuery || document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content || null;
  try {
    if (given) sessionStorage.setItem(name, given);
    return given ?? sessionStorage.getItem(name);
  } catch {
    return given;
  }
}

/** An error from the engine or the transport, with the contract's code and a message for the analyst. */
export class ClientError extends Error {
  constructor(
    readonly code: ApiErrorBody['code'] | 'transport',
    message: string,
    /** For invalid input: the field (path in the call's input) and what to enter there. */
    readonly field?: ApiErrorBody['field'],
    readonly fields?: ApiErrorBody['fields'],
  ) {
    super(message);
  }
}

function toClientError(e: unknown): ClientError {
  if (e instanceof ClientError) return e;
  const parsed = ApiErrorSchema.safeParse(e);
  if (parsed.success) return new ClientError(parsed.data.code, parsed.data.message, parsed.data.field, parsed.data.fields);
  if (e instanceof Error) {
    // Electron's ipcRenderer.invoke prefixes remote errors; keep only the engine's message.
    const msg = e.message.replace(/^Error invoking remote method '[^']+': (Error: )?/, '');
    const code = (e as { code?: unknown }).code;
    const c = ApiErrorSchema.shape.code.safeParse(code);
    return new ClientError(c.success ? c.data : 'failed', msg);
  }
  return new ClientError('failed', String(e));
}

function readToken(): string {
  return kept('lrtw-token', new URLSearchParams(location.search).get('token')) ?? '';
}

function httpApi(): WorkbenchApi & { upload(file: File, onProgress?: (sent: number) => void): Promise<UploadResult> } {
  const token = readToken();
  // Keep the token out of the address bar (and screenshots); the tab's sessionStorage keeps it now.
  if (location.search.includes('token=')) history.replaceState(null, '', location.pathname);
  const listeners = new Set<(e: ProgressEvent) => void>();
  let source: EventSource | null = null;
  function ensureEvents(): void {
    if (source) return;
    source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    source.addEventListener('progress', (m) => {
      const r = ProgressEventSchema.safeParse(JSON.parse((m as MessageEvent<string>).data));
      if (r.success) for (const l of listeners) l(r.data);
    });
  }
  async function call(method: MethodName, input: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-lrtw-token': token }, body: JSON.stringify(input ?? {}) });
    } catch (e) {
      throw new ClientError('transport', `The workbench engine did not answer (${(e as Error).message}). Check that npm run serve is still running, then reload.`);
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      throw new ClientError('transport', `The engine sent an unreadable answer (HTTP ${res.status}). Reload the page and try again.`);
    }
    if (!res.ok) throw toClientError(body);
    return body;
  }
  const api: Record<string, unknown> = {};
  for (const m of METHOD_NAMES) api[m] = (input: unknown) => call(m, input);
  api.onProgress = (cb: (e: ProgressEvent) => void) => {
    ensureEvents();
    listeners.add(cb);
    return () => listeners.delete(cb);
  };
  api.upload = (file: File, onProgress?: (sent: number) => void) =>
    new Promise<UploadResult>((resolve, reject) => {
      // XMLHttpRequest rather than fetch: it reports upload progress for large exports.
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/upload');
      xhr.setRequestHeader('x-lrtw-token', token);
      xhr.setRequestHeader('x-lrtw-filename', encodeURIComponent(file.name));
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      xhr.upload.onprogress = (e) => onProgress?.(e.loaded);
      xhr.onerror = () => reject(new ClientError('transport', `Could not send ${file.name} to the engine. Check that npm run serve is running.`));
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          /* handled below */
        }
        if (xhr.status === 200 && body && typeof (body as UploadResult).path === 'string') resolve(body as UploadResult);
        else reject(toClientError(body ?? new Error(`Upload of ${file.name} failed (HTTP ${xhr.status}).`)));
      };
      xhr.send(file);
    });
  return api as unknown as WorkbenchApi & { upload(file: File, onProgress?: (sent: number) => void): Promise<UploadResult> };
}

export interface UploadResult {
  path: string;
  file: string;
  size_bytes: number;
}

export type Transport = 'electron' | 'http';

interface Client {
  transport: Transport;
  call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>>;
  onProgress(cb: (e: ProgressEvent) => void): () => void;
  /** HTTP only: the browser cannot give file paths, so dropped files are stored in the engagement's inbox. */
  upload: ((file: File, onProgress?: (sent: number) => void) => Promise<UploadResult>) | null;
  /** Electron only: the path of a dropped File (webUtils.getPathForFile through the preload). */
  pathOf(file: File): string | null;
}

function makeClient(): Client {
  const electron = typeof window !== 'undefined' ? window.workbench : undefined;
  if (electron) {
    const ext = electron;
    return {
      transport: 'electron',
      async call(method, input) {
        try {
          const fn = electron[method] as unknown as (i: unknown) => Promise<unknown>;
          return (await fn(input)) as Output<typeof method>;
        } catch (e) {
          throw toClientError(e);
        }
      },
      onProgress: (cb) => electron.onProgress(cb),
      upload: null,
      pathOf: (f) => {
        const viaShell = shell()?.pathForFile(f);
        if (viaShell) return viaShell;
        return typeof ext.pathForFile === 'function' ? ext.pathForFile(f) || null : null;
      },
    };
  }
  const http = httpApi();
  return {
    transport: 'http',
    async call(method, input) {
      const fn = http[method] as unknown as (i: unknown) => Promise<unknown>;
      return (await fn(input)) as Output<typeof method>;
    },
    onProgress: (cb) => http.onProgress(cb),
    upload: (f, p) => http.upload(f, p),
    pathOf: () => null,
  };
}

let instance: Client | null = null;
export function client(): Client {
  instance ??= makeClient();
  return instance;
}

/** Shorthand: `api('findings.list', {})`. */
export function api<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> {
  return client().call(method, input);
}

export function newJobId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function errorMessage(e: unknown): string {
  return toClientError(e).message;
}

/** The job was cancelled at the analyst's request (the engine says what was kept). */
export function isCancelled(e: unknown): boolean {
  return toClientError(e).code === 'cancelled';
}

/** The engine refused the input against the contract: callers say in plain words what the limits are rather than show the schema's message. */
export function isInvalidInput(e: unknown): boolean {
  return toClientError(e).code === 'invalid_input';
}

/** The field an invalid input concerns and what to enter, when the engine named one. */
export function invalidField(e: unknown): NonNullable<ApiErrorBody['field']> | null {
  const c = toClientError(e);
  return c.code === 'invalid_input' && c.field ? c.field : null;
}

/** Every field an invalid input concerns (at least the first, when the engine named one). */
export function invalidFields(e: unknown): NonNullable<ApiErrorBody['field']>[] {
  const c = toClientError(e);
  if (c.code !== 'invalid_input') return [];
  return c.fields?.length ? c.fields : c.field ? [c.field] : [];
}
