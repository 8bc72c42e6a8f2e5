import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { parseDuration } from '../../config/duration';
import { rateLimited } from '../../errors';
import type { ClientInfo } from '../../audit/audit-log';
import type { RequestAuth } from '../auth/request-auth';
import { CallCounter } from './call-counter';

/** What the directive reads from the request context: who is calling. */
export interface RateLimitContext {
  auth: Pick<RequestAuth, 'viewer'>;
  client: Pick<ClientInfo, 'ip'>;
}

export interface RateLimitOptions {
  /** How many callers' counts are kept per instance (oldest dropped first; default 100 000). */
  maxCallers?: number;
}

export interface FieldRateLimit {
  max: number;
  window: string;
}

/** A field's `@rateLimit`, if it has one (for `npm run auth:report`). */
export function rateLimitOf(schema: GraphQLSchema, typeName: string, fieldName: string): FieldRateLimit | undefined {
  const type = schema.getType(typeName);
  const field = type && 'getFields' in type ? type.getFields()[fieldName] : undefined;
  return field ? (getDirective(schema, field, 'rateLimit')?.[0] as FieldRateLimit | undefined) : undefined;
}

export class RateLimitDirectiveError extends Error {
  override name = 'RateLimitDirectiveError';
}

/**
 * Applies `@rateLimit(max, window)`: a budget per caller and field, checked before the resolver
 * runs, so fifteen aliases of an expensive public field are fifteen calls. Counts live in this
 * instance's memory: with N instances behind a balancer a caller gets at most N × max. A bad
 * window or max fails start-up.
 */
export function applyRateLimitDirective(schema: GraphQLSchema, options: RateLimitOptions = {}): GraphQLSchema {
  const counter = new CallCounter(options.maxCallers ?? 100_000);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const limit = getDirective(schema, field, 'rateLimit')?.[0] as FieldRateLimit | undefined;
      if (!limit) return field;
      const windowMs = parseDuration(limit.window);
      if (windowMs === undefined || windowMs < 1_000) throw new RateLimitDirectiveError(`${typeName}.${fieldName}: @rateLimit window "${limit.window}" is not a duration of at least 1s (30s, 1m, 1h)`);
      if (!Number.isSafeInteger(limit.max) || limit.max < 1) throw new RateLimitDirectiveError(`${typeName}.${fieldName}: @rateLimit max must be at least 1`);
      const resolve = field.resolve ?? defaultFieldResolver;
      const place = `${typeName}.${fieldName}`;
      return {
        ...field,
        async resolve(parent, args, context: RateLimitContext, info) {
          const viewer = await context.auth.viewer();
          const caller = viewer ? `user:${viewer.userId}` : `ip:${context.client.ip ?? 'unknown'}`;
          const wait = counter.take(`${place}|${caller}`, limit.max, windowMs);
          if (wait > 0) throw rateLimited(wait / 1_000);
          return resolve(parent, args, context, info);
        },
      };
    },
  });
}
