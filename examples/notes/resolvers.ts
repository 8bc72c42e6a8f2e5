import { Types } from 'mongoose';
import { badUserInput, forbidden } from '../../src/errors';
import type { PolicyFn } from '../../src/graphql/auth/rules';
import type { AnnouncementModel, NotesContext } from './context';
import type { Resolvers } from './generated/resolvers-types';
import { SEARCH_LIMIT, searchKey, type NoteDoc } from './store';

/** The example domain's resolvers (./schema.graphql). Authorization lives in the schema, not here; input checks live here. */

export const ANNOUNCEMENTS: readonly AnnouncementModel[] = [
  { id: 'announcement-1', title: 'Welcome', body: 'Sign up, then try the notes queries with and without a token.' },
  { id: 'announcement-2', title: 'Sessions', body: 'Every refresh rotates your token; replaying an old one ends the session.' },
];

const TITLE_MAX = 200;
const BODY_MAX = 10_000;
const MODERATION_MAX = 1_000;
const TERM_MIN = 3;
const TERM_MAX = 100;

function isNote(value: unknown): value is NoteDoc {
  return typeof value === 'object' && value !== null && 'authorId' in value;
}

/** An id argument that must name a note or an account: anything but an ObjectId is bad input, not "not found". */
function objectId(id: string, argument: string): Types.ObjectId {
  if (!/^[0-9a-f]{24}$/i.test(id)) throw badUserInput(`"${argument}" is not a valid id.`, argument);
  return new Types.ObjectId(id);
}

/** Required text: not only whitespace, at most `max` characters. */
function text(value: string, argument: string, max: number): string {
  if (value.trim().length === 0) throw badUserInput(`"${argument}" must not be empty.`, argument);
  if (value.length > max) throw badUserInput(`"${argument}" must be at most ${max} characters long.`, argument);
  return value;
}

/** `@auth(policy: "sharedWithCaller")`: the note's author shared it with the caller (one database lookup per note and request). */
export const sharedWithCaller: PolicyFn = (viewer, parent, _args, context) =>
  isNote(parent) ? (context as NotesContext).notes.isSharedWith(parent._id, viewer.userId) : false;

export const resolvers: Resolvers = {
  Query: {
    notes: async (_parent, _args, ctx) => ctx.notes.byAuthor((await ctx.auth.require()).userId),
    note: (_parent, { id }, ctx) => ctx.notes.byId(objectId(id, 'id')),
    announcements: () => [...ANNOUNCEMENTS],
    async search(_parent, { term }, ctx) {
      const key = searchKey(term);
      if ([...key].length < TERM_MIN || term.length > TERM_MAX) throw badUserInput(`The search term must be ${TERM_MIN} to ${TERM_MAX} characters long.`, 'term');
      const announcements = ANNOUNCEMENTS.filter((announcement) => searchKey(announcement.title).startsWith(key));
      // Only the caller's own notes: a search over everyone's would answer "a note starts with
      // this" to anyone, even with every note's fields guarded.
      const viewer = await ctx.auth.viewer();
      const notes = viewer ? await ctx.notes.searchOwnTitles(viewer.userId, key, SEARCH_LIMIT - announcements.length) : [];
      return [...announcements, ...notes];
    },
    node: (_parent, { id }, ctx) => ANNOUNCEMENTS.find((announcement) => announcement.id === id) ?? ctx.notes.byId(objectId(id, 'id')),
    noteCount: async (_parent, _args, ctx) => ctx.notes.countByAuthor((await ctx.auth.require()).userId),
    async exportMyNotes(_parent, _args, ctx) {
      const notes = await ctx.notes.byAuthor((await ctx.auth.require()).userId);
      return JSON.stringify(notes.map(({ _id, title, body, draft, createdAt }) => ({ id: _id.toHexString(), title, body, draft, createdAt })));
    },
  },
  Mutation: {
    async createNote(_parent, { title, body, draft }, ctx) {
      text(title, 'title', TITLE_MAX);
      text(body, 'body', BODY_MAX);
      if ((draft?.length ?? 0) > BODY_MAX) throw badUserInput(`"draft" must be at most ${BODY_MAX} characters long.`, 'draft');
      return ctx.notes.create({ authorId: (await ctx.auth.require()).userId, title, body, draft: draft ?? null });
    },
    async deleteNote(_parent, { id }, ctx) {
      const viewer = await ctx.auth.require();
      const note = await ctx.notes.byId(objectId(id, 'id'));
      if (!note) return false;
      // The schema let in writers and moderators; a writer may only delete their own notes.
      if (note.authorId.toHexString() !== viewer.userId && !viewer.scopes.has('notes:moderate')) throw forbidden();
      return ctx.notes.delete(note._id);
    },
    async shareNote(_parent, { id, userId }, ctx) {
      const viewer = await ctx.auth.require();
      const readerId = objectId(userId, 'userId');
      const [note, reader] = await Promise.all([ctx.notes.byId(objectId(id, 'id')), ctx.users.findById(readerId)]);
      // Someone else's note and no note answer alike: ids of others' notes are not confirmed.
      if (!note || note.authorId.toHexString() !== viewer.userId) throw badUserInput('You have no note with this id.', 'id');
      if (!reader) throw badUserInput('No account has this id.', 'userId');
      await ctx.notes.share(note._id, readerId);
      return true;
    },
    moderateNote: (_parent, { id, note }, ctx) => ctx.notes.moderate(objectId(id, 'id'), text(note, 'note', MODERATION_MAX)),
  },
  Note: {
    id: (note) => note._id.toHexString(),
    authorId: (note) => note.authorId.toHexString(),
    author: async (note, _args, ctx) => {
      const author = await ctx.users.findById(note.authorId);
      if (!author) throw new Error(`note ${note._id.toHexString()} has no author`);
      return author;
    },
  },
  Node: { __resolveType: (value) => (isNote(value) ? 'Note' : 'Announcement') },
  Authored: { __resolveType: () => 'Note' },
  SearchResult: { __resolveType: (value) => (isNote(value) ? 'Note' : 'Announcement') },
};
