import type { ServerResponse } from 'node:http';
import { sendJson } from './respond';

/** What `/readyz` reports: ready, what start-up is still waiting for, or the database down. */
export type Readiness = { state: 'ready' } | { state: 'starting'; waitingFor: string } | { state: 'unavailable' };

const BODIES = {
  ready: () => ({ status: 'ready', database: 'up' }),
  starting: (waitingFor: string) => ({ status: 'starting', waitingFor }),
  unavailable: () => ({ status: 'unavailable', database: 'down' }),
};

/** `/readyz`: 200 when the service can answer, else 503 saying why. `/healthz` needs no more than sendJson. */
export async function sendReadiness(res: ServerResponse, readiness: () => Promise<Readiness>): Promise<void> {
  const current = await readiness();
  const body = current.state === 'starting' ? BODIES.starting(current.waitingFor) : BODIES[current.state]();
  sendJson(res, current.state === 'ready' ? 200 : 503, body);
}
