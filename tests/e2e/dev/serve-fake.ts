// DEVELOPMENT ONLY: serves the renderer over the fake engine. npx tsx tests/e2e/dev/serve-fake.ts [port]
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startHttpServer } from '../../../analysis/transport/http-server';
import { buildRenderer } from '../../../renderer/build';
import { createFakeEngine } from './fake-engine';

const out = join(tmpdir(), 'lrtw-dev-renderer');
await buildRenderer({ outDir: out, production: true });
const s = await startHttpServer({ engine: createFakeEngine(), staticDir: out, port: Number(process.argv[2] ?? 0) });
process.stdout.write(`${s.url}\n`);
