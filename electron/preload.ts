// Preload of every window (sandboxed, context-isolated; bundled to CJS with only 'electron' external).
// Exposes window.workbench: ONE explicit function per API method (each sends on its own fixed
// channel), onProgress, onEngineRestarted, and pathForFile for dropped files; and window.workbenchShell:
// the native dialogs. ipcRenderer itself, and any generic send/invoke, never reach the page.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { ApiErrorBody, Input, MethodName, Output, ProgressEvent } from '../analysis/api/contract';
import {
  ENGINE_RESTARTED_CHANNEL, OPEN_REQUEST_CHANNEL, PROGRESS_CHANNEL, SHELL_CHANNELS, callChannel,
  type EngineRestartedEvent, type OpenRequest, type WorkbenchDesktopApi, type WorkbenchShell,
} from './channels';

interface CallReply { ok: boolean; result?: unknown; error?: ApiErrorBody }

/** Internal: invoke the method's own channel; an engine error becomes a rejection with the contract's error body. */
async function call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> {
  const reply = (await ipcRenderer.invoke(callChannel(method), input)) as CallReply;
  if (reply && reply.ok) return reply.result as Output<M>;
  // contextBridge copies only an Error's message across worlds (its code and field would be dropped), but
  // copies a plain object whole: the page's client reads the body as the HTTP transport's (ApiErrorSchema).
  const body: ApiErrorBody = reply?.error ?? { code: 'failed', message: `${method} failed without an answer from the engine.` };
  const copy = (f: NonNullable<ApiErrorBody['field']>) => ({ path: [...f.path], problem: f.problem });
  throw { code: body.code, message: body.message, ...(body.field ? { field: copy(body.field) } : {}), ...(body.fields ? { fields: body.fields.map(copy) } : {}) };
}

function subscribe<T>(channel: string, cb: (payload: T) => void): () => void {
  // Wrap so the page never receives the IpcRendererEvent (it carries `sender`, i.e. ipcRenderer).
  const listener = (_event: IpcRendererEvent, payload: T) => cb(payload);
  ipcRenderer.on(channel, listener);
  return () => {
    ipcRenderer.removeListener(channel, listener);
  };
}

const workbench: WorkbenchDesktopApi & { pathForFile(file: File): string } = {
  'engagement.create': (input) => call('engagement.create', input),
  'engagement.open': (input) => call('engagement.open', input),
  'engagement.info': (input) => call('engagement.info', input),
  'engagement.recent': (input) => call('engagement.recent', input),
  'engagement.close': (input) => call('engagement.close', input),
  'sample.create': (input) => call('sample.create', input),
  'import.scan': (input) => call('import.scan', input),
  'import.run': (input) => call('import.run', input),
  'job.cancel': (input) => call('job.cancel', input),
  'sources.list': (input) => call('sources.list', input),
  'sources.remove': (input) => call('sources.remove', input),
  'sources.line': (input) => call('sources.line', input),
  'settings.find': (input) => call('settings.find', input),
  'settings.applyFile': (input) => call('settings.applyFile', input),
  'refused.list': (input) => call('refused.list', input),
  'rejects.list': (input) => call('rejects.list', input),
  'settings.get': (input) => call('settings.get', input),
  'settings.update': (input) => call('settings.update', input),
  'pricebook.list': (input) => call('pricebook.list', input),
  'review.run': (input) => call('review.run', input),
  'summary.get': (input) => call('summary.get', input),
  'findings.list': (input) => call('findings.list', input),
  'findings.evidence': (input) => call('findings.evidence', input),
  'decisions.list': (input) => call('decisions.list', input),
  'decisions.set': (input) => call('decisions.set', input),
  'decisions.clear': (input) => call('decisions.clear', input),
  'decisions.restore': (input) => call('decisions.restore', input),
  'quality.get': (input) => call('quality.get', input),
  'renewal.get': (input) => call('renewal.get', input),
  'renewal.setTargets': (input) => call('renewal.setTargets', input),
  'scenarios.compute': (input) => call('scenarios.compute', input),
  'export.workbook': (input) => call('export.workbook', input),
  'export.evidencePack': (input) => call('export.evidencePack', input),
  'compare.previous': (input) => call('compare.previous', input),
  'decisions.carry': (input) => call('decisions.carry', input),
  'pack.open': (input) => call('pack.open', input),
  'pack.verify': (input) => call('pack.verify', input),
  'pack.evidence': (input) => call('pack.evidence', input),
  'pack.sourceLine': (input) => call('pack.sourceLine', input),
  onProgress: (cb: (e: ProgressEvent) => void) => subscribe(PROGRESS_CHANNEL, cb),
  onEngineRestarted: (cb: (e: EngineRestartedEvent) => void) => subscribe(ENGINE_RESTARTED_CHANNEL, cb),
  pathForFile: (file: File) => webUtils.getPathForFile(file),
};

const workbenchShell: WorkbenchShell = {
  pickImportFiles: () => ipcRenderer.invoke(SHELL_CHANNELS.pickImportFiles) as Promise<string[]>,
  pickImportFolder: () => ipcRenderer.invoke(SHELL_CHANNELS.pickImportFolder) as Promise<string | null>,
  pickExportFolder: () => ipcRenderer.invoke(SHELL_CHANNELS.pickExportFolder) as Promise<string | null>,
  pickNewEngagementPath: (suggestedName: string) => ipcRenderer.invoke(SHELL_CHANNELS.pickNewEngagementPath, String(suggestedName)) as Promise<string | null>,
  pickPreviousEngagement: () => ipcRenderer.invoke(SHELL_CHANNELS.pickPreviousEngagement) as Promise<string | null>,
  pathForFile: (file: File) => webUtils.getPathForFile(file),
  takeOpenRequest: () => ipcRenderer.invoke(SHELL_CHANNELS.takeOpenRequest) as Promise<OpenRequest | null>,
  onOpenRequest: (cb: (r: OpenRequest) => void) => subscribe(OPEN_REQUEST_CHANNEL, cb),
};

contextBridge.exposeInMainWorld('workbench', workbench);
contextBridge.exposeInMainWorld('workbenchShell', workbenchShell);
