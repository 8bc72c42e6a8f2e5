import { startTestServer, type TestServer } from '../support/server';
import { purgeExpired } from '../../src/db/purge';
import { ensureIndexes } from '../../src/db/indexes';
import { createLogger } from '../../src/logging/logger';
import { Types } from 'mongoose';
import { eventually } from '../support/time';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ PURGE_INTERVAL: '200ms' });
});
afterAll(() => server?.stop());

it('expired data goes: by TTL index where the server has them, by the purge timer where it refuses them', async () => {
  const { models } = await server.db();
  const needPurge = await ensureIndexes(Object.values(models), createLogger('silent'));
  const past = new Date(Date.now() - 60_000);
  const future = new Date(Date.now() + 60_000);
  await models.LoginAttempt.insertMany([
    { key: 'purge-test', at: past, expiresAt: past },
    { key: 'purge-test', at: new Date(), expiresAt: future },
  ]);
  await models.SessionRevocation.create({ _id: `purge-${Date.now()}`, userId: new Types.ObjectId(), at: past, reason: 'LOGOUT', expiresAt: past });

  if (needPurge.length === 0) {
    // A real mongod: TTL indexes exist (its monitor runs every 60 s, so only their presence is checked).
    const indexes = await models.LoginAttempt.collection.indexes();
    expect(indexes.some((index) => index.expireAfterSeconds === 0)).toBe(true);
    return;
  }
  expect(needPurge.map((model) => model.collection.collectionName).sort()).toEqual(
    ['account_tokens', 'audit_events', 'counted_attempts', 'login_attempts', 'mfa_tickets', 'refresh_tokens', 'session_authentications', 'session_revocations', 'sessions', 'single_use', 'totp_enrollments', 'webauthn_challenges'].sort(),
  );
  // Every 200 ms the timer sweeps eight collections; on a loaded machine a sweep takes a while.
  const { value: remaining } = await eventually(async () => {
    const count = await models.LoginAttempt.countDocuments({ key: 'purge-test' });
    return count === 1 ? count : undefined;
  }, { timeoutMs: 10_000, intervalMs: 100 });
  expect(remaining).toBe(1); // the expired one is gone, the live one stays
  expect(await models.SessionRevocation.countDocuments({ expiresAt: { $lt: new Date() } })).toBe(0);
  expect(await purgeExpired(needPurge)).toBe(0);
});
