// `npm run serve [-- --port N] [--state DIR] [--key-dir DIR] [--dist DIR]`: the real engine and the built UI on
// 127.0.0.1 with a per-launch token. The FIRST line of stdout is the URL to open (tests read it).
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHttpServer, type EngineHost } from './http-server';
import { buildRenderer, rendererIsStale } from '../../renderer/build';
import { createEngine, dispatch, toApiError } from '../api/handlers';

interface Args {
  port: number;
  state: string;
  keyDir: string | undefined;
  dist: string;
}

function parseArgs(argv: string[]): Args {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const a: Args = { port: 0, state: join(homedir(), '.lrt-workbench'), keyDir: undefined, dist: join(root, 'dist', 'renderer') };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    const need = () => {
      if (v === undefined) throw new Error(`${k} needs a value.`);
      i++;
      return v;
    };
    if (k === '--help' || k === '-h') {
      process.stdout.write(
        'npm run serve [-- --port N] [--state DIR] [--key-dir DIR] [--dist DIR]\n' +
          '  Serves the app on http://127.0.0.1 (loopback only) and prints the address to open, with its access token.\n' +
          '  --port N      the port (default: any free one)\n' +
          '  --state DIR   where recent engagements and new engagements go (default ~/.lrt-workbench)\n' +
          '  --key-dir DIR where the evidence-pack signing key is kept (default $LRTW_KEY_DIR or ~/.lrt-workbench/keys)\n' +
          '  --dist DIR    the built renderer (default dist/renderer; built on start when missing or stale)\n',
      );
      process.exit(0);
    } else if (k === '--port') {
      const n = Number(need());
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be a whole number from 0 to 65535, got "${v}".`);
      a.port = n;
    } else if (k === '--state') a.state = resolve(need());
    else if (k === '--key-dir') a.keyDir = resolve(need());
    else if (k === '--dist') a.dist = resolve(need());
    else throw new Error(`Unknown option "${k}". Use --port N, --state DIR, --key-dir DIR, --dist DIR (--help says more).`);
  }
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (rendererIsStale(args.dist)) {
    process.stderr.write(`Building the renderer into ${args.dist}…\n`);
    await buildRenderer({ outDir: args.dist, production: true });
  }
  const engine = createEngine({ stateDir: args.state, keyDir: args.keyDir });
  const host: EngineHost = {
    dispatch: (method, input, ctx) => dispatch(engine, method, input, ctx),
    ctx: (emit) => engine.ctx(emit),
    toError: (e) => toApiError(e),
  };
  const server = await startHttpServer({ engine: host, staticDir: args.dist, port: args.port, stateDir: args.state });
  process.stdout.write(`${server.url}\n`);
  process.stderr.write(`LRT Workbench is serving on 127.0.0.1:${server.port} (state ${args.state}). Press Ctrl+C to stop.\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    await engine.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`lrtw serve: ${(e as Error).message}\n`);
  process.exit(1);
});
