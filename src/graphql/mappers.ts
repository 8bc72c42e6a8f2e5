import type { SessionDoc, UserDoc } from '../db/models';

/** What resolvers return for `Session`: the document, its last use, and whether it is the caller's own. */
export interface SessionModel extends SessionDoc {
  lastUsedAt: Date;
  current: boolean;
}

export interface AuthPayloadModel {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: UserDoc;
}

export interface AnnouncementModel {
  id: string;
  title: string;
  body: string;
}
