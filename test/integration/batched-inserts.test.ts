import { Types } from 'mongoose';
import { BatchedInserts } from '../../src/db/batched-inserts';
import type { RefreshTokenDoc } from '../../src/db/models';
import { ensureIndexes } from '../../src/db/indexes';
import { createLogger } from '../../src/logging/logger';
import { openTestDatabase, testDatabaseUri, type TestDatabase } from '../support/database';

// Group-committed inserts on the real database: one unordered insertMany for concurrent
// inserts, and each insert learns its own outcome (the unique index decides, as rotation needs).

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase(testDatabaseUri());
  await ensureIndexes([db.models.RefreshToken], createLogger('silent'));
});
afterAll(() => db?.close());

function token(id: string, sessionId: string, generation: number): RefreshTokenDoc {
  const now = new Date();
  return { _id: id, sessionId, userId: new Types.ObjectId(), generation, createdAt: now, expiresAt: new Date(now.getTime() + 60_000) };
}

it('of many concurrent inserts of the same ids, exactly one per id is inserted; the others are told duplicate', async () => {
  for (let trial = 0; trial < 5; trial += 1) {
    const inserts = new BatchedInserts(db.models.RefreshToken);
    const ids = Array.from({ length: 10 }, (_, i) => `t${trial}-${i}-${new Types.ObjectId().toHexString()}`);
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => inserts.insert(token(ids[i % 10]!, `s-${ids[i % 10]}`, 1))));
    for (let i = 0; i < 10; i += 1) {
      const mine = outcomes.filter((_, index) => index % 10 === i);
      expect(mine.filter((outcome) => outcome === 'inserted')).toHaveLength(1);
      expect(mine.filter((outcome) => outcome === 'duplicate')).toHaveLength(4);
    }
    expect(await db.models.RefreshToken.countDocuments({ _id: { $in: ids } })).toBe(10);
  }
});

it('a second unique index ((sessionId, generation)) refuses as well, inside one batch', async () => {
  const inserts = new BatchedInserts(db.models.RefreshToken);
  const session = `s-${new Types.ObjectId().toHexString()}`;
  const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => inserts.insert(token(`g-${i}-${session}`, session, 7))));
  expect(outcomes.filter((outcome) => outcome === 'inserted')).toHaveLength(1);
});

it('concurrent inserts share writes: far fewer insertMany calls than documents', async () => {
  const inserts = new BatchedInserts(db.models.RefreshToken);
  const spy = jest.spyOn(db.models.RefreshToken.collection, 'insertMany');
  try {
    await Promise.all(Array.from({ length: 100 }, (_, i) => inserts.insert(token(`b-${i}-${new Types.ObjectId().toHexString()}`, `s-${i}-${Date.now()}`, 1))));
    // The first goes alone; the rest wait for it and go together.
    expect(spy.mock.calls.length).toBeLessThanOrEqual(3);
  } finally {
    spy.mockRestore();
  }
});
