import { createHash, randomBytes } from 'node:crypto';
import type { MfaTicketDoc, Models } from '../db/models';
import type { SingleUse } from '../db/single-use';
import type { Account } from '../accounts/user-directory';

/** Contract: an MFA ticket lives 5 minutes. */
export const MFA_TICKET_TTL_MS = 5 * 60_000;
const SHAPE = /^[A-Za-z0-9_-]{43}$/;

const hashOf = (ticket: string) => createHash('sha256').update(ticket).digest('base64url');

/**
 * The proof that a password was checked, waiting for its second factor: 256 random bits, stored
 * only as a hash, bound to the account and the credential version whose password was checked,
 * five minutes, used once (SingleUse). It is not a session and opens nothing but verifyMfa.
 */
export class MfaTickets {
  constructor(
    private readonly models: Pick<Models, 'MfaTicket'>,
    private readonly singleUse: SingleUse,
  ) {}

  async issue(account: Account, now = new Date()): Promise<string> {
    const ticket = randomBytes(32).toString('base64url');
    await this.models.MfaTicket.create({
      _id: hashOf(ticket),
      userId: account.user._id,
      credentialVersion: account.state.credentialVersion,
      createdAt: now,
      expiresAt: new Date(now.getTime() + MFA_TICKET_TTL_MS),
    });
    return ticket;
  }

  /** The unexpired, unused-so-far ticket, or null. */
  async find(ticket: string, now = Date.now()): Promise<MfaTicketDoc | null> {
    if (!SHAPE.test(ticket)) return null;
    const doc = await this.models.MfaTicket.findById(hashOf(ticket)).lean<MfaTicketDoc>().exec();
    return doc && doc.expiresAt.getTime() > now ? doc : null;
  }

  /** Uses the ticket: true exactly once. */
  use(doc: MfaTicketDoc): Promise<boolean> {
    return this.singleUse.claim(`mfa-ticket:${doc._id}`, doc.expiresAt);
  }
}
