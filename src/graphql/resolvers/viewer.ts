import type { Viewer } from '../../directives/rules';
import type { RequestContext } from '../context';
import { unauthenticated } from '../errors';

/**
 * The caller on a field guarded by @auth. The guard has settled the viewer before the resolver
 * runs; the check here narrows the type (and protects a resolver whose directive was removed).
 */
export function viewerOf(ctx: RequestContext): Viewer {
  const viewer = ctx.auth.peek();
  if (!viewer) throw unauthenticated(ctx.auth.failure());
  return viewer;
}
