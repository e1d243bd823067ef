// An engine (the API's handlers, no transport) in a temp folder for one test file: created before its tests,
// removed after them. `call` dispatches through the contract's validation, as both transports do.
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, dispatch, type HandlerContext } from '../../analysis/api/handlers';

export interface TestEngine {
  /** The temp folder holding the engine's state and keys (and whatever the tests write). */
  readonly root: string;
  /** `cancelled`: the job's signal is aborted from the start, as when the analyst pressed Cancel at once. */
  call(method: string, input: unknown, opts?: { cancelled?: boolean }): Promise<unknown>;
}

export function useTestEngine(prefix: string): TestEngine {
  const ctx: HandlerContext = { emitProgress: () => undefined, signalFor: () => new AbortController().signal };
  let root = '';
  let engine: ReturnType<typeof createEngine> | null = null;
  before(() => {
    root = mkdtempSync(join(tmpdir(), prefix));
    engine = createEngine({ stateDir: join(root, 'state'), keyDir: join(root, 'keys') });
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  return {
    get root() {
      return root;
    },
    call(method, input, opts) {
      if (!engine) throw new Error('the test engine starts before the tests');
      return dispatch(engine, method, input, opts?.cancelled ? { ...ctx, signalFor: () => AbortSignal.abort() } : ctx);
    },
  };
}
