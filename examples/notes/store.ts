import { Schema, Types, type Connection, type Model } from 'mongoose';
import { SCHEMA_OPTIONS } from '../../src/db/models';
import { isDuplicateKey } from '../../src/db/errors';

export interface NoteDoc {
  _id: Types.ObjectId;
  authorId: Types.ObjectId;
  title: string;
  /** The title as search compares it (NFKC, lower case): an indexed prefix match, no regex scan. */
  titleKey: string;
  body: string;
  draft: string | null;
  moderationNote: string | null;
  createdAt: Date;
}

/** One note shared with one reader. Its id is `noteId:readerId`: sharing twice is one share. */
interface NoteShareDoc {
  _id: string;
  noteId: Types.ObjectId;
  readerId: Types.ObjectId;
}

export interface NewNote {
  authorId: string;
  title: string;
  body: string;
  draft: string | null;
}

export const SEARCH_LIMIT = 20;

/** How search compares text: a title and a term that read the same match. */
export function searchKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().trim();
}

/** The example's storage: its own collections, its own small API. Ids are ObjectIds, checked by the caller. */
export class NoteStore {
  readonly model: Model<NoteDoc>;
  readonly shares: Model<NoteShareDoc>;

  constructor(connection: Connection) {
    const schema = new Schema<NoteDoc>(
      {
        authorId: { type: Schema.Types.ObjectId, required: true },
        title: { type: String, required: true },
        titleKey: { type: String, required: true },
        body: { type: String, required: true },
        draft: { type: String, default: null },
        moderationNote: { type: String, default: null },
        createdAt: { type: Date, required: true },
      },
      SCHEMA_OPTIONS,
    );
    schema.index({ authorId: 1, createdAt: -1 });
    schema.index({ authorId: 1, titleKey: 1 });
    this.model = connection.model<NoteDoc>('Note', schema, 'notes');

    const shares = new Schema<NoteShareDoc>(
      { _id: { type: String, required: true }, noteId: { type: Schema.Types.ObjectId, required: true }, readerId: { type: Schema.Types.ObjectId, required: true } },
      SCHEMA_OPTIONS,
    );
    shares.index({ noteId: 1 });
    shares.index({ readerId: 1 });
    this.shares = connection.model<NoteShareDoc>('NoteShare', shares, 'note_shares');
  }

  byAuthor(authorId: string, limit = 200): Promise<NoteDoc[]> {
    return this.model.find({ authorId }).sort({ createdAt: -1 }).limit(limit).lean<NoteDoc[]>().exec();
  }

  countByAuthor(authorId: string): Promise<number> {
    return this.model.countDocuments({ authorId }).exec();
  }

  byId(id: Types.ObjectId): Promise<NoteDoc | null> {
    return this.model.findById(id).lean<NoteDoc>().exec();
  }

  /** The author's notes whose title starts with `term` (a range over the index, capped). */
  searchOwnTitles(authorId: string, term: string, limit = SEARCH_LIMIT): Promise<NoteDoc[]> {
    const key = searchKey(term);
    return this.model
      .find({ authorId, titleKey: { $gte: key, $lt: `${key}\uffff` } })
      .sort({ titleKey: 1 })
      .limit(limit)
      .lean<NoteDoc[]>()
      .exec();
  }

  async create(input: NewNote): Promise<NoteDoc> {
    const note: NoteDoc = { _id: new Types.ObjectId(), ...input, titleKey: searchKey(input.title), authorId: new Types.ObjectId(input.authorId), moderationNote: null, createdAt: new Date() };
    await this.model.create(note);
    return note;
  }

  async delete(id: Types.ObjectId): Promise<boolean> {
    const deleted = (await this.model.deleteOne({ _id: id })).deletedCount > 0;
    await this.shares.deleteMany({ noteId: id });
    return deleted;
  }

  /** A deleted account: its notes, the shares of them, and what was shared with it. */
  async deleteByAuthor(authorId: string): Promise<void> {
    const notes = await this.model.find({ authorId }, { _id: 1 }).lean<{ _id: Types.ObjectId }[]>().exec();
    await this.shares.deleteMany({ noteId: { $in: notes.map((note) => note._id) } });
    await this.shares.deleteMany({ readerId: authorId });
    await this.model.deleteMany({ authorId });
  }

  async moderate(id: Types.ObjectId, moderationNote: string): Promise<NoteDoc | null> {
    return this.model.findOneAndUpdate({ _id: id }, { $set: { moderationNote } }, { returnDocument: 'after' }).lean<NoteDoc>().exec();
  }

  /** Shares a note with a reader (an insert under a unique id: sharing twice, even at once, is one share). */
  async share(noteId: Types.ObjectId, readerId: Types.ObjectId): Promise<void> {
    try {
      await this.shares.create({ _id: `${noteId.toHexString()}:${readerId.toHexString()}`, noteId, readerId });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  async isSharedWith(noteId: Types.ObjectId, readerId: string): Promise<boolean> {
    return (await this.shares.exists({ _id: `${noteId.toHexString()}:${readerId}` })) !== null;
  }
}
