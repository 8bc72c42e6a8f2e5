import { Types } from 'mongoose';
import type { NoteDoc } from '../../db/models';
import { badUserInput, forbidden } from '../errors';
import type { AnnouncementModel } from '../mappers';
import type { Resolvers } from '../generated/resolvers-types';
import { viewerOf } from './viewer';

/** The example domain's resolvers (schema/examples.graphql). Authorization lives in the schema, not here. */

export const ANNOUNCEMENTS: readonly AnnouncementModel[] = [
  { id: 'announcement-1', title: 'Welcome', body: 'Sign up, then try the notes queries with and without a token.' },
  { id: 'announcement-2', title: 'Sessions', body: 'Every refresh rotates your token; replaying an old one ends the session.' },
];

const TITLE_MAX = 200;
const BODY_MAX = 10_000;

function objectId(id: string): Types.ObjectId | undefined {
  return /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isNote(value: unknown): value is NoteDoc {
  return typeof value === 'object' && value !== null && 'authorId' in value;
}

export const noteResolvers: Pick<Resolvers, 'Note' | 'Node' | 'SearchResult' | 'Authored' | 'Announcement'> & {
  Query: Pick<NonNullable<Resolvers['Query']>, 'notes' | 'note' | 'announcements' | 'search' | 'node'>;
  Mutation: Pick<NonNullable<Resolvers['Mutation']>, 'createNote' | 'deleteNote' | 'moderateNote'>;
} = {
  Query: {
    notes: async (_parent, _args, ctx) =>
      ctx.services.models.Note.find({ authorId: (await viewerOf(ctx)).userId }).sort({ createdAt: -1 }).limit(200).lean<NoteDoc[]>().exec(),
    note: (_parent, { id }, ctx) => {
      const _id = objectId(id);
      return _id ? ctx.services.models.Note.findById(_id).lean<NoteDoc>().exec() : null;
    },
    announcements: () => [...ANNOUNCEMENTS],
    async search(_parent, { term }, ctx) {
      if (term.length > 100) throw badUserInput('The search term must be at most 100 characters long.', 'term');
      const pattern = new RegExp(escapeRegExp(term), 'i');
      const notes = await ctx.services.models.Note.find({ title: pattern }).limit(20).lean<NoteDoc[]>().exec();
      return [...ANNOUNCEMENTS.filter((a) => pattern.test(a.title) || pattern.test(a.body)), ...notes];
    },
    async node(_parent, { id }, ctx) {
      const announcement = ANNOUNCEMENTS.find((a) => a.id === id);
      if (announcement) return announcement;
      const _id = objectId(id);
      return _id ? ctx.services.models.Note.findById(_id).lean<NoteDoc>().exec() : null;
    },
  },
  Mutation: {
    async createNote(_parent, { title, body, draft }, ctx) {
      if (title.length === 0 || title.length > TITLE_MAX) throw badUserInput(`The title must be 1 to ${TITLE_MAX} characters long.`, 'title');
      if (body.length > BODY_MAX || (draft?.length ?? 0) > BODY_MAX) throw badUserInput(`The text must be at most ${BODY_MAX} characters long.`, 'body');
      const note: NoteDoc = {
        _id: new Types.ObjectId(),
        authorId: new Types.ObjectId((await viewerOf(ctx)).userId),
        title,
        body,
        draft: draft ?? null,
        moderationNote: null,
        createdAt: new Date(),
      };
      await ctx.services.models.Note.create(note);
      return note;
    },
    async deleteNote(_parent, { id }, ctx) {
      const viewer = await viewerOf(ctx);
      const _id = objectId(id);
      const note = _id ? await ctx.services.models.Note.findById(_id).lean<NoteDoc>().exec() : null;
      if (!note) return false;
      // The schema let in writers and moderators; a writer may only delete their own notes.
      if (note.authorId.toHexString() !== viewer.userId && !viewer.scopes.has('notes:moderate')) throw forbidden();
      return (await ctx.services.models.Note.deleteOne({ _id: note._id })).deletedCount > 0;
    },
    async moderateNote(_parent, { id, note }, ctx) {
      const _id = objectId(id);
      if (!_id) return null;
      return ctx.services.models.Note.findOneAndUpdate({ _id }, { $set: { moderationNote: note } }, { new: true }).lean<NoteDoc>().exec();
    },
  },
  Note: {
    id: (note) => note._id.toHexString(),
    authorId: (note) => note.authorId.toHexString(),
    author: async (note, _args, ctx) => {
      const author = await ctx.services.accounts.findById(note.authorId);
      if (!author) throw new Error(`note ${note._id.toHexString()} has no author`);
      return author;
    },
  },
  Node: { __resolveType: (value) => (isNote(value) ? 'Note' : 'Announcement') },
  Authored: { __resolveType: () => 'Note' },
  SearchResult: { __resolveType: (value) => (isNote(value) ? 'Note' : 'Announcement') },
  Announcement: {},
};
