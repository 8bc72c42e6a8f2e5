import { startApp } from '../../../src/app';
import { loadConfig } from '../../../src/config/config';

/** Our server, as `npm start` runs it; BENCH_ENFORCE_AUTH=false serves the same schema without @auth guards (P1's baseline). */
void startApp(loadConfig(), { enforceAuth: process.env.BENCH_ENFORCE_AUTH !== 'false', host: '127.0.0.1' });
