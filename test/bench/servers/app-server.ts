import { startApp } from '../../../src/app';
import { loadConfig } from '../../../src/config/config';

/**
 * Our server, as `npm start` runs it; BENCH_ENFORCE_AUTH=false serves the same schema without
 * @auth guards (P1's baseline). It announces its URL itself so the bench can run it at
 * LOG_LEVEL=warn, like the baselines, which log nothing per request.
 */
async function main(): Promise<void> {
  const app = await startApp(loadConfig(), { enforceAuth: process.env.BENCH_ENFORCE_AUTH !== 'false', host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ event: 'server.listening', url: app.url })}\n`);
}

void main();
