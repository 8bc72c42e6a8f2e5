import { Schema, Types, type Connection, type Model } from 'mongoose';
import { SCHEMA_OPTIONS } from '../../src/db/models';

export interface NoteDoc {
  _id: Types.ObjectId;
  authorId: Types.ObjectId;
  title: string;
  body: string;
  draft: string | null;
  moderationNote: string | null;
  createdAt: Date;
}

export interface NewNote {
  authorId: string;
  title: string;
  body: string;
  draft: string | null;
}

function objectId(id: string): Types.ObjectId | undefined {
  return /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The example's storage: its own collection, its own small API. Ids that are not ObjectIds find nothing. */
export class NoteStore {
  readonly model: Model<NoteDoc>;

  constructor(connection: Connection) {
    const schema = new Schema<NoteDoc>(
      {
        authorId: { type: Schema.Types.ObjectId, required: true },
        title: { type: String, required: true },
        body: { type: String, required: true },
        draft: { type: String, default: null },
        moderationNote: { type: String, default: null },
        createdAt: { type: Date, required: true },
      },
      SCHEMA_OPTIONS,
    );
    schema.index({ authorId: 1, createdAt: -1 });
    this.model = connection.model<NoteDoc>('Note', schema, 'notes');
  }

  byAuthor(authorId: string, limit = 200): Promise<NoteDoc[]> {
    return this.model.find({ authorId }).sort({ createdAt: -1 }).limit(limit).lean<NoteDoc[]>().exec();
  }

  async byId(id: string): Promise<NoteDoc | null> {
    const _id = objectId(id);
    return _id ? this.model.findById(_id).lean<NoteDoc>().exec() : null;
  }

  searchTitles(term: string, limit = 20): Promise<NoteDoc[]> {
    return this.model.find({ title: new RegExp(escapeRegExp(term), 'i') }).limit(limit).lean<NoteDoc[]>().exec();
  }

  async create(input: NewNote): Promise<NoteDoc> {
    const note: NoteDoc = { _id: new Types.ObjectId(), ...input, authorId: new Types.ObjectId(input.authorId), moderationNote: null, createdAt: new Date() };
    await this.model.create(note);
    return note;
  }

  async delete(id: Types.ObjectId): Promise<boolean> {
    return (await this.model.deleteOne({ _id: id })).deletedCount > 0;
  }

  async deleteByAuthor(authorId: string): Promise<void> {
    await this.model.deleteMany({ authorId });
  }

  async moderate(id: string, moderationNote: string): Promise<NoteDoc | null> {
    const _id = objectId(id);
    if (!_id) return null;
    return this.model.findOneAndUpdate({ _id }, { $set: { moderationNote } }, { returnDocument: 'after' }).lean<NoteDoc>().exec();
  }
}
