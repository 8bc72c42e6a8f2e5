import type { Viewer } from '../../directives/rules';
import type { RequestContext } from '../context';
import { unauthenticated } from '../errors';

/**
 * The caller, for resolvers that act on their behalf. Awaited rather than peeked: the guard has
 * usually settled it already, but a resolver must not depend on a directive having run first
 * (strict mode's session check may still be in flight).
 */
export async function viewerOf(ctx: RequestContext): Promise<Viewer> {
  const viewer = ctx.auth.peek() ?? (await ctx.auth.viewer());
  if (!viewer) throw unauthenticated(ctx.auth.failure());
  return viewer;
}
