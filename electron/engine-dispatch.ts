// Inside the engine utility process: turns one port message {type:'call', id, method, input} into a
// reply message. The contract checks themselves (method name, input schema before any handler runs,
// output schema after) are the engine's own `dispatch` in analysis/api/handlers.ts, shared with the
// HTTP transport; this adapter only frames the port protocol and never lets an error escape unanswered.
import type { ApiErrorBody } from '../analysis/api/contract';
import { PortRequestSchema, type CallReply } from './ipc-messages';

export interface PortReply { type: 'reply'; id: number; reply: CallReply }

/** Returns the reply to post, or null when the message is not a call at all (nothing to answer). */
export async function answerPortMessage(
  run: (method: string, input: unknown) => Promise<unknown>,
  toError: (e: unknown) => ApiErrorBody,
  raw: unknown,
): Promise<PortReply | null> {
  const msg = PortRequestSchema.safeParse(raw);
  if (!msg.success) return null;
  const { id, method, input } = msg.data;
  try {
    return { type: 'reply', id, reply: { ok: true, result: await run(method, input) } };
  } catch (e) {
    let error: ApiErrorBody;
    try {
      error = toError(e);
    } catch {
      error = { code: 'failed', message: `${method} failed: ${e instanceof Error ? e.message : String(e)}` };
    }
    return { type: 'reply', id, reply: { ok: false, error } };
  }
}
