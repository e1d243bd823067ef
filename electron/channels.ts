// Channel names, the app origin and the shapes of the desktop-only surface (window.workbenchShell).
// Imports nothing at runtime: the sandboxed preload bundles this file and must stay tiny.
import type { MethodName, ProgressEvent, WorkbenchApi } from '../analysis/api/contract';

/** The app's own origin: the UI is served from app://workbench/ (never file://). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'workbench';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** One fixed ipcMain.handle channel per API method: "workbench:call:<method>". */
export const CALL_CHANNEL_PREFIX = 'workbench:call:';
export function callChannel(method: MethodName): string {
  return CALL_CHANNEL_PREFIX + method;
}
/** Events main -> renderer (webContents.send); the preload subscribes to exactly these. */
export const PROGRESS_CHANNEL = 'workbench:progress';
export const ENGINE_RESTARTED_CHANNEL = 'workbench:engine-restarted';
export const OPEN_REQUEST_CHANNEL = 'workbench:open-request';
/** Shell-only requests renderer -> main (native dialogs); each has its own channel. */
export const SHELL_CHANNELS = {
  pickImportFiles: 'workbench:shell:pick-import-files',
  pickImportFolder: 'workbench:shell:pick-import-folder',
  pickExportFolder: 'workbench:shell:pick-export-folder',
  pickNewEngagementPath: 'workbench:shell:pick-new-engagement-path',
  pickPreviousEngagement: 'workbench:shell:pick-previous-engagement',
  takeOpenRequest: 'workbench:shell:take-open-request',
} as const;

/** Sent to a window after the engine was restarted; `message` is a sentence for the user. */
export interface EngineRestartedEvent { message: string; reopened: string | null; gaveUp: boolean }
/** A file the user asked to open through the menu, the OS or a second launch, for the renderer to show. */
export interface OpenRequest { kind: 'engagement' | 'evidence-pack'; path: string }

/** window.workbench in the desktop app: the transport-neutral API plus the engine-restart notice. */
export type WorkbenchDesktopApi = WorkbenchApi & {
  onProgress(cb: (e: ProgressEvent) => void): () => void;
  onEngineRestarted(cb: (e: EngineRestartedEvent) => void): () => void;
};

/**
 * window.workbenchShell: native dialogs the renderer cannot do itself (a sandboxed page has no file
 * paths). Each resolves to absolute paths chosen by the user, or null/[] when cancelled.
 */
export interface WorkbenchShell {
  pickImportFiles(): Promise<string[]>;
  pickImportFolder(): Promise<string | null>;
  pickExportFolder(): Promise<string | null>;
  pickNewEngagementPath(suggestedName: string): Promise<string | null>;
  pickPreviousEngagement(): Promise<string | null>;
  /** Absolute path of a File dropped on the page (webUtils.getPathForFile), '' if it has none. */
  pathForFile(file: File): string;
  /** An open request queued for this window before the UI subscribed (menu, OS, second launch), or null. */
  takeOpenRequest(): Promise<OpenRequest | null>;
  onOpenRequest(cb: (r: OpenRequest) => void): () => void;
}
