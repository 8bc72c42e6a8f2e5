import type { ServerResponse } from 'node:http';
import { sendJson } from './respond';

/** `/readyz`: the database answers (200) or not (503). `/healthz` needs no more than sendJson. */
export async function sendReadiness(res: ServerResponse, ping: () => Promise<boolean>): Promise<void> {
  const ready = await ping();
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', database: ready ? 'up' : 'down' });
}
