import { badUserInput, forbidden } from '../../src/errors';
import type { AnnouncementModel } from './context';
import type { Resolvers } from './generated/resolvers-types';
import type { NoteDoc } from './store';

/** The example domain's resolvers (./schema.graphql). Authorization lives in the schema, not here. */

export const ANNOUNCEMENTS: readonly AnnouncementModel[] = [
  { id: 'announcement-1', title: 'Welcome', body: 'Sign up, then try the notes queries with and without a token.' },
  { id: 'announcement-2', title: 'Sessions', body: 'Every refresh rotates your token; replaying an old one ends the session.' },
];

const TITLE_MAX = 200;
const BODY_MAX = 10_000;

function isNote(value: unknown): value is NoteDoc {
  return typeof value === 'object' && value !== null && 'authorId' in value;
}

function matches(announcement: AnnouncementModel, term: string): boolean {
  const needle = term.toLowerCase();
  return announcement.title.toLowerCase().includes(needle) || announcement.body.toLowerCase().includes(needle);
}

export const resolvers: Resolvers = {
  Query: {
    notes: async (_parent, _args, ctx) => ctx.notes.byAuthor((await ctx.auth.require()).userId),
    note: (_parent, { id }, ctx) => ctx.notes.byId(id),
    announcements: () => [...ANNOUNCEMENTS],
    async search(_parent, { term }, ctx) {
      if (term.length > 100) throw badUserInput('The search term must be at most 100 characters long.', 'term');
      return [...ANNOUNCEMENTS.filter((announcement) => matches(announcement, term)), ...(await ctx.notes.searchTitles(term))];
    },
    node: (_parent, { id }, ctx) => ANNOUNCEMENTS.find((announcement) => announcement.id === id) ?? ctx.notes.byId(id),
    async exportMyNotes(_parent, _args, ctx) {
      const notes = await ctx.notes.byAuthor((await ctx.auth.require()).userId);
      return JSON.stringify(notes.map(({ _id, title, body, draft, createdAt }) => ({ id: _id.toHexString(), title, body, draft, createdAt })));
    },
  },
  Mutation: {
    async createNote(_parent, { title, body, draft }, ctx) {
      if (title.length === 0 || title.length > TITLE_MAX) throw badUserInput(`The title must be 1 to ${TITLE_MAX} characters long.`, 'title');
      if (body.length === 0 || body.length > BODY_MAX) throw badUserInput(`The body must be 1 to ${BODY_MAX} characters long.`, 'body');
      if ((draft?.length ?? 0) > BODY_MAX) throw badUserInput(`The draft must be at most ${BODY_MAX} characters long.`, 'draft');
      return ctx.notes.create({ authorId: (await ctx.auth.require()).userId, title, body, draft: draft ?? null });
    },
    async deleteNote(_parent, { id }, ctx) {
      const viewer = await ctx.auth.require();
      const note = await ctx.notes.byId(id);
      if (!note) return false;
      // The schema let in writers and moderators; a writer may only delete their own notes.
      if (note.authorId.toHexString() !== viewer.userId && !viewer.scopes.has('notes:moderate')) throw forbidden();
      return ctx.notes.delete(note._id);
    },
    moderateNote: (_parent, { id, note }, ctx) => ctx.notes.moderate(id, note),
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
