import type { SessionDoc, UserDoc } from '../db/models';

/** What resolvers return for `Session`: the document plus whether it is the caller's own. */
export interface SessionModel extends SessionDoc {
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
