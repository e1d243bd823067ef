// Entry of the engine utility process (utilityProcess.fork of dist/electron/engine-process.cjs).
// Hosts analysis/ — DuckDB, parsing of untrusted client files, exports — away from the main process,
// so a crash here never takes a window down (main restarts us). Main sends one MessagePort per
// window ({type:'connect'}); each gets its own engine session (its own open engagement). Calls on a
// port go through the engine's `dispatch`, which validates them against the API contract before any
// handler runs (the same entry point the HTTP transport uses).
import { createEngine, dispatch, toApiError } from '../analysis/api/handlers';
import type { ProgressEvent } from '../analysis/api/contract';
import { answerPortMessage } from './engine-dispatch';
import { ParentMessageSchema } from './ipc-messages';
import type { MessagePortMain } from 'electron';

type Engine = ReturnType<typeof createEngine>;

function argValue(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const stateDir = argValue('state-dir');
const keyDir = argValue('key-dir');
const parentPort = process.parentPort;

function fatal(message: string): never {
  console.error(`[engine] ${message}`);
  try {
    parentPort?.postMessage({ type: 'fatal', message });
  } finally {
    process.exit(70);
  }
}

if (!parentPort) fatal('engine-process must be started by Electron utilityProcess.fork (no parentPort).');
if (!stateDir) fatal('engine-process needs --state-dir=<folder> (the app passes its userData/engine folder).');

const sessions = new Map<number, { engine: Engine; port: MessagePortMain }>();

async function closeSession(connectionId: number): Promise<void> {
  const s = sessions.get(connectionId);
  if (!s) return;
  sessions.delete(connectionId);
  s.port.close();
  await s.engine.dispose();
}

parentPort.on('message', (e) => {
  const msg = ParentMessageSchema.safeParse(e.data);
  if (!msg.success) return console.error('[engine] ignored an unrecognised message from main');
  const m = msg.data;
  if (m.type === 'connect') {
    const port = e.ports[0];
    if (!port) return console.error(`[engine] connect ${m.connectionId} arrived without a MessagePort`);
    const engine = createEngine(keyDir ? { stateDir, keyDir } : { stateDir });
    const ctx = engine.ctx((event: ProgressEvent) => port.postMessage({ type: 'progress', event }));
    port.on('message', (pe) => {
      void answerPortMessage((method, input) => dispatch(engine, method, input, ctx), toApiError, pe.data).then((reply) => {
        if (reply && sessions.get(m.connectionId)?.port === port) port.postMessage(reply);
      });
    });
    port.start();
    sessions.set(m.connectionId, { engine, port });
  } else if (m.type === 'disconnect') {
    void closeSession(m.connectionId).catch((err: unknown) => console.error(`[engine] closing session ${m.connectionId}: ${String(err)}`));
  } else {
    // Clean quit: close every engagement (DuckDB checkpoints its file), then exit.
    void Promise.allSettled([...sessions.keys()].map(closeSession)).then(() => {
      parentPort.postMessage({ type: 'shutdown-complete' });
      process.exit(0);
    });
  }
});

process.on('uncaughtException', (err) => fatal(`uncaught exception: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (err) => fatal(`unhandled rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
parentPort.postMessage({ type: 'ready' });
