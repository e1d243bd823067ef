// Every ipcMain handler asks this first: is the message from the top frame of a window we created,
// showing our own app:// page? Anything else (an iframe, a navigated-away page, a devtools frame,
// a window someone else opened) is refused. Pure: works on the fields of Electron's IpcMainInvokeEvent.
import { APP_HOST, APP_SCHEME } from './channels';

export interface SenderFrameLike {
  readonly url: string;
  /** null for a top-level frame (WebFrameMain.parent). */
  readonly parent: unknown;
}
export interface IpcEventLike {
  readonly sender: { readonly id: number };
  /** null when the frame navigated away or was destroyed before the message was handled. */
  readonly senderFrame: SenderFrameLike | null;
}
export type SenderVerdict = { ok: true } | { ok: false; reason: string };

export function isAppOriginUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '' && u.port === '';
}

export function validateSender(event: IpcEventLike, ourWebContentsIds: ReadonlySet<number>): SenderVerdict {
  if (!ourWebContentsIds.has(event.sender.id)) return { ok: false, reason: `web contents ${event.sender.id} is not a window this app created` };
  const frame = event.senderFrame;
  if (!frame) return { ok: false, reason: 'the sending frame no longer exists' };
  if (frame.parent !== null) return { ok: false, reason: 'message from a sub-frame, only the top frame may call the engine' };
  if (!isAppOriginUrl(frame.url)) return { ok: false, reason: `message from ${safeOrigin(frame.url)}, not from ${APP_SCHEME}://${APP_HOST}` };
  return { ok: true };
}

function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'an unparseable URL';
  }
}
