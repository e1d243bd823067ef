// Message shapes (zod) between main, the renderer and the engine utility process, validated on arrival.
// No Electron import here, so unit tests load it in plain Node.
import { z } from 'zod';
import { ApiErrorSchema, ProgressEventSchema } from '../analysis/api/contract';
import type { OpenRequest, EngineRestartedEvent } from './channels';
export * from './channels';

/** What a call over IPC resolves to: the engine's result or an ApiError body (never a thrown Error, so the code survives IPC). */
export const CallReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorSchema }),
]);
export type CallReply = z.infer<typeof CallReplySchema>;

/** Messages on a window's MessagePort between main and the engine utility process. */
export const PortRequestSchema = z.object({ type: z.literal('call'), id: z.number().int().nonnegative(), method: z.string().max(64), input: z.unknown() });
export type PortRequest = z.infer<typeof PortRequestSchema>;
export const PortReplySchema = z.object({ type: z.literal('reply'), id: z.number().int().nonnegative(), reply: CallReplySchema });
export const PortProgressSchema = z.object({ type: z.literal('progress'), event: ProgressEventSchema });
export const PortMessageFromEngineSchema = z.discriminatedUnion('type', [PortReplySchema, PortProgressSchema]);
export type PortMessageFromEngine = z.infer<typeof PortMessageFromEngineSchema>;

/** Messages main -> utility process on process.parentPort. A 'connect' carries one MessagePort. */
export const ParentMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('connect'), connectionId: z.number().int().nonnegative() }),
  z.object({ type: z.literal('disconnect'), connectionId: z.number().int().nonnegative() }),
  z.object({ type: z.literal('shutdown') }),
]);
export type ParentMessage = z.infer<typeof ParentMessageSchema>;
/** Utility process -> main on process.parentPort. */
export const ChildMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('shutdown-complete') }),
  z.object({ type: z.literal('fatal'), message: z.string() }),
]);
export type ChildMessage = z.infer<typeof ChildMessageSchema>;

/** Sent to a window after the engine was restarted; `message` is a sentence for the user. */
export const EngineRestartedEventSchema: z.ZodType<EngineRestartedEvent> = z.object({ message: z.string(), reopened: z.string().nullable(), gaveUp: z.boolean() });

/** A file the user asked to open through the menu, the OS or a second launch, for the renderer to show. */
export const OpenRequestSchema: z.ZodType<OpenRequest> = z.object({ kind: z.enum(['engagement', 'evidence-pack']), path: z.string() });

