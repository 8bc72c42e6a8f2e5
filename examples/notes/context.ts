import type { RequestContext } from '../../src/graphql/context';
import type { NoteStore } from './store';

/** The product's request context plus what this module adds. */
export interface NotesContext extends RequestContext {
  notes: NoteStore;
}

export interface AnnouncementModel {
  id: string;
  title: string;
  body: string;
}
