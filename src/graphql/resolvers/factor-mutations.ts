import type { MutationResolvers, QueryResolvers } from '../generated/resolvers-types';
import { signedInPayload } from './results';

/** Second factors and passkeys: src/factors. */
export const factorMutations: Pick<
  MutationResolvers,
  'verifyMfa' | 'startTotpEnrollment' | 'confirmTotpEnrollment' | 'disableTotp' | 'passkeyRegistrationOptions' | 'registerPasskey' | 'passkeyLoginOptions' | 'loginWithPasskey' | 'deletePasskey'
> = {
  async verifyMfa(_parent, { ticket, code }, ctx) {
    const started = await ctx.factors.verifyMfa(ticket, code, ctx.client);
    return signedInPayload(ctx, started);
  },

  async startTotpEnrollment(_parent, _args, ctx) {
    return ctx.factors.startTotpEnrollment(await ctx.auth.require());
  },

  async confirmTotpEnrollment(_parent, { code }, ctx) {
    return ctx.factors.confirmTotpEnrollment(await ctx.auth.require(), code, ctx.client);
  },

  async disableTotp(_parent, _args, ctx) {
    return ctx.factors.disableTotp(await ctx.auth.require(), ctx.client);
  },

  async passkeyRegistrationOptions(_parent, _args, ctx) {
    return ctx.passkeys.registrationOptions(await ctx.auth.require());
  },

  async registerPasskey(_parent, { response, name }, ctx) {
    return ctx.passkeys.register(await ctx.auth.require(), response, name, ctx.client);
  },

  passkeyLoginOptions: (_parent, _args, ctx) => ctx.passkeys.loginOptions(ctx.client),

  async loginWithPasskey(_parent, { response }, ctx) {
    const started = await ctx.passkeys.login(response, ctx.client);
    return signedInPayload(ctx, started);
  },

  async deletePasskey(_parent, { id }, ctx) {
    return ctx.passkeys.delete(await ctx.auth.require(), id, ctx.client);
  },
};

export const factorQueries: Pick<QueryResolvers, 'passkeys'> = {
  async passkeys(_parent, _args, ctx) {
    return ctx.passkeys.list(await ctx.auth.require());
  },
};
