import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { execute, parse, type GraphQLObjectType } from 'graphql';
import { applyAuthDirective, UnprotectedFieldsError } from '../../src/graphql/auth/directive';
import { checkRule, type AuthRule, type CompiledRule, type RuleEnvironment } from '../../src/graphql/auth/rules';
import type { Viewer } from '../../src/graphql/auth/request-auth';
import { loadTypeDefs, buildSchema, schemaParts } from '../../src/graphql/schema';
import { createFormatError } from '../../src/graphql/format-error';
import { createLogger } from '../../src/logging/logger';
import { notesModule } from '../../examples/notes';
import { modulePolicies } from '../../src/schema-modules';
import mongoose from 'mongoose';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import { ROOT } from '../support/process';

const DIRECTIVES = loadTypeDefs()[0]!.split('type Query')[0]!; // directive, scalar and enum definitions

function schemaOf(sdl: string, resolverMap: IResolvers = {}, denyByDefault = false) {
  return applyAuthDirective(makeExecutableSchema({ typeDefs: [DIRECTIVES, sdl], resolvers: resolverMap }), { denyByDefault, explainDenials: false });
}

const viewer = (roles: Viewer['roles'], scopes: string[] = [], userId = 'u1'): Viewer => ({ userId, sessionId: 's1', roles, scopes: new Set(scopes), authTime: Date.now(), amr: ['pwd'] });

/** Runs a document with a settled viewer (the directive's pure logic; HTTP and tokens have their own tests). */
function run(schema: ReturnType<typeof schemaOf>, query: string, who: Viewer | null) {
  const auth = { verifyNow: () => who, viewer: async () => who, failure: () => 'NO_TOKEN' as const, memo: <T>(_target: unknown, _key: string, compute: () => T) => compute(), issuedViewer: () => undefined };
  const format = createFormatError({ development: false, hideSuggestions: false, logger: createLogger('silent') });
  return Promise.resolve(execute({ schema, document: parse(query), contextValue: { auth } })).then((result) => ({
    data: result.data,
    errors: result.errors?.map((error) => format(error.toJSON(), error)) as readonly { extensions: { code: string } }[] | undefined,
  }));
}

describe('rules', () => {
  const HIERARCHY: Record<string, string[]> = { USER: ['USER'], ADMIN: ['ADMIN', 'USER'], EDITOR: ['EDITOR', 'USER'] };
  const calls: string[] = [];
  const env: RuleEnvironment = {
    satisfies: (held, required) => held.some((role) => HIERARCHY[role]?.includes(required)),
    reauthMaxAgeSeconds: 300,
    policy: (name, who, parent) => {
      calls.push(name);
      if (name === 'async-yes') return Promise.resolve(true);
      if (name === 'async-no') return Promise.resolve(false);
      return name === 'sharedWith' && (parent as { shared?: string[] })?.shared?.includes(who.userId) === true;
    },
  };
  /** One place per argument, each a list of alternatives. */
  const compiled = (...places: AuthRule[][]): CompiledRule => ({ places: places.map((alternatives, index) => ({ source: `place ${index}`, alternatives })) });
  const check = (rule: CompiledRule, who: Viewer | null, parent: unknown = {}) => checkRule(rule, who, parent, {}, {}, env);

  it('ADMIN includes USER; anonymous is UNAUTHENTICATED', () => {
    const user = compiled([{ requires: 'USER' }]);
    expect(check(user, viewer(['ADMIN']))).toBeUndefined();
    expect(check(user, null)).toEqual({ kind: 'UNAUTHENTICATED' });
    expect(check(compiled([{ requires: 'ADMIN' }]), viewer(['USER']))).toEqual({ kind: 'FORBIDDEN' });
  });

  it('scopes are an OR of ANDs, and rules at several places all apply', () => {
    const rule = compiled([{ scopes: [['a', 'b'], ['c']] }], [{ scopes: [['d']] }]);
    expect(check(rule, viewer(['USER'], ['a', 'b', 'd']))).toBeUndefined();
    expect(check(rule, viewer(['USER'], ['c', 'd']))).toBeUndefined();
    expect(check(rule, viewer(['USER'], ['a', 'd']))).toEqual({ kind: 'FORBIDDEN' });
    expect(check(rule, viewer(['USER'], ['a', 'b']))).toEqual({ kind: 'FORBIDDEN' });
  });

  it('owner compares the parent\'s field with the caller\'s id; a missing field denies', () => {
    const rule = compiled([{ owner: 'ownerId' }]);
    expect(check(rule, viewer(['USER']), { ownerId: 'u1' })).toBeUndefined();
    expect(check(rule, viewer(['USER']), { ownerId: 'u2' })).toEqual({ kind: 'FORBIDDEN' });
    expect(check(rule, viewer(['USER']), {})).toEqual({ kind: 'FORBIDDEN' });
    expect(check(rule, viewer(['USER']), undefined)).toEqual({ kind: 'FORBIDDEN' });
  });

  it('several @auth at one place are alternatives: the owner or an admin', () => {
    const rule = compiled([{ owner: 'id' }, { requires: 'ADMIN' }]);
    expect(check(rule, viewer(['USER'], [], 'me'), { id: 'me' })).toBeUndefined();
    expect(check(rule, viewer(['ADMIN'], [], 'admin'), { id: 'me' })).toBeUndefined();
    expect(check(rule, viewer(['USER'], [], 'other'), { id: 'me' })).toEqual({ kind: 'FORBIDDEN' });
    expect(check(rule, null, { id: 'me' })).toEqual({ kind: 'UNAUTHENTICATED' });
  });

  it('roles follow the hierarchy given: EDITOR includes USER, not ADMIN', () => {
    expect(check(compiled([{ requires: 'USER' }]), viewer(['EDITOR' as never]))).toBeUndefined();
    expect(check(compiled([{ requires: 'ADMIN' }]), viewer(['EDITOR' as never]))).toEqual({ kind: 'FORBIDDEN' });
  });

  it('fresh, maxAge and mfa: STEP_UP_REQUIRED saying what to do, only when nothing else stands in the way', () => {
    const old = { ...viewer(['USER']), authTime: Date.now() - 600_000 };
    expect(check(compiled([{ fresh: true }]), old)).toEqual({ kind: 'STEP_UP', maxAge: 300, mfa: false });
    expect(check(compiled([{ fresh: true }]), viewer(['USER']))).toBeUndefined();
    expect(check(compiled([{ maxAge: 60, fresh: true }]), { ...viewer(['USER']), authTime: Date.now() - 120_000 })).toEqual({ kind: 'STEP_UP', maxAge: 60, mfa: false });
    expect(check(compiled([{ mfa: true }]), viewer(['USER']))).toEqual({ kind: 'STEP_UP', maxAge: undefined, mfa: true });
    expect(check(compiled([{ mfa: true }]), { ...viewer(['USER']), amr: ['pwd', 'otp', 'mfa'] })).toBeUndefined();
    expect(check(compiled([{ requires: 'ADMIN', fresh: true }]), old)).toEqual({ kind: 'FORBIDDEN' }); // stepping up would not help
    // Across places the worst denial stands; among alternatives the easiest step-up is offered.
    expect(check(compiled([{ fresh: true }], [{ requires: 'ADMIN' }]), old)).toEqual({ kind: 'FORBIDDEN' });
    expect(check(compiled([{ mfa: true }, { fresh: true }]), old)).toEqual({ kind: 'STEP_UP', maxAge: 300, mfa: false });
  });

  it('policies: named, synchronous or asynchronous, combined with the other rules', async () => {
    const shared = compiled([{ policies: ['sharedWith'] }]);
    expect(check(shared, viewer(['USER'], [], 'u2'), { shared: ['u2'] })).toBeUndefined();
    expect(check(shared, viewer(['USER'], [], 'u3'), { shared: ['u2'] })).toEqual({ kind: 'FORBIDDEN' });
    await expect(check(compiled([{ policies: ['async-yes'] }]), viewer(['USER']))).resolves.toBeUndefined();
    await expect(check(compiled([{ policies: ['async-no'] }]), viewer(['USER']))).resolves.toEqual({ kind: 'FORBIDDEN' });
    expect(check(compiled([{ policies: ['async-no'] }, { requires: 'ADMIN' }]), viewer(['ADMIN']))).toBeUndefined(); // an alternative that grants at once wins
    calls.length = 0;
    expect(check(compiled([{ requires: 'ADMIN', policies: ['async-yes'] }]), viewer(['USER']))).toEqual({ kind: 'FORBIDDEN' });
    expect(calls).toEqual([]); // a policy is not consulted when the static rules already deny
    await expect(check(compiled([{ policies: ['async-yes', 'async-no'] }]), viewer(['USER']))).resolves.toEqual({ kind: 'FORBIDDEN' }); // all of an alternative's policies must grant
  });
});

describe('applyAuthDirective', () => {
  const sdl = `
    type Query { open: Thing @public secret: Thing @auth(requires: ADMIN) }
    type Thing @auth { name: String  loose: String @auth(requires: USER)  tight: String @auth(requires: ADMIN) }
    type Free @public { a: String }
    extend type Query { free: Free @public }
  `;
  const thing = { name: 'n', loose: 'l', tight: 't' };
  const schema = schemaOf(sdl, { Query: { open: () => thing, secret: () => thing, free: () => ({ a: 'a' }) } });

  it('wraps only fields with a rule: unprotected fields keep their resolvers untouched', () => {
    const free = schema.getType('Free') as GraphQLObjectType;
    expect(free.getFields().a!.resolve).toBeUndefined();
    expect((schema.getType('Thing') as GraphQLObjectType).getFields().name!.resolve).toBeInstanceOf(Function);
  });

  it('a type rule guards the object itself (v2): a refused caller gets null where it is returned, not an object of nulls', async () => {
    const anonymous = await run(schema, '{ open { name loose } free { a } }', null);
    expect(anonymous.data).toEqual({ open: null, free: { a: 'a' } });
    expect(anonymous.errors).toEqual([expect.objectContaining({ path: ['open'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
    const typename = await run(schema, '{ open { __typename } }', null);
    expect(typename.data).toEqual({ open: null }); // not even its __typename
  });

  it('a type rule guards default-resolved fields, and a field rule never loosens it', async () => {
    const user = await run(schema, '{ open { name loose tight } }', viewer(['USER']));
    expect(user.data).toEqual({ open: { name: 'n', loose: 'l', tight: null } });
    expect(user.errors!.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
  });

  it('reachability through a union, an interface and lists: refused items are null with their error, others intact', async () => {
    const guarded = schemaOf(
      `
      interface Node { id: ID! }
      type Secret implements Node @auth(requires: ADMIN) { id: ID! }
      type Open implements Node @public { id: ID! }
      union Any = Secret | Open
      type Query { any: [Any] @public nodes: [Node!] @public one: Node @public }
    `,
      {
        Query: { any: () => [{ id: 's' }, { id: 'o' }], nodes: () => [{ id: 'o' }, { id: 's' }], one: () => ({ id: 's' }) },
        Any: { __resolveType: (value: { id: string }) => (value.id === 's' ? 'Secret' : 'Open') },
        Node: { __resolveType: (value: { id: string }) => (value.id === 's' ? 'Secret' : 'Open') },
      },
    );
    for (const who of [null, viewer(['USER'])]) {
      const result = await run(guarded, '{ any { __typename } nodes { __typename } one { __typename } }', who);
      // A nullable item is null with its error; a non-null item nulls its list (the spec's propagation).
      expect(result.data).toEqual({ any: [null, { __typename: 'Open' }], nodes: null, one: null });
      expect(result.errors!.map((error) => error.extensions.code)).toEqual(Array(3).fill(who ? 'FORBIDDEN' : 'UNAUTHENTICATED'));
    }
    const admin = await run(guarded, '{ any { __typename } nodes { __typename } one { __typename } }', viewer(['ADMIN']));
    expect(admin.data).toEqual({ any: [{ __typename: 'Secret' }, { __typename: 'Open' }], nodes: [{ __typename: 'Open' }, { __typename: 'Secret' }], one: { __typename: 'Secret' } });
  });

  it('Apollo Federation directives read as GraphOS Router does: @authenticated, @requiresScopes and @policy as OR of ANDs', async () => {
    const federated = applyAuthDirective(
      makeExecutableSchema({
        typeDefs: [DIRECTIVES, 'type Query { a: String @authenticated  b: String @requiresScopes(scopes: [["x", "y"], ["z"]])  c: String @policy(policies: [["yes", "no"], ["yes"]])  d: String @policy(policies: [["no"]]) }'],
        resolvers: { Query: { a: () => 'a', b: () => 'b', c: () => 'c', d: () => 'd' } },
      }),
      { denyByDefault: true, explainDenials: false, policies: { yes: () => true, no: () => false } },
    );
    const anonymous = await run(federated, '{ a }', null);
    expect(anonymous.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    const noRoles = await run(federated, '{ a c d }', viewer([], []));
    expect(noRoles.data).toEqual({ a: 'a', c: 'c', d: null }); // @authenticated needs no role
    expect((await run(federated, '{ b }', viewer(['USER'], ['x']))).data).toEqual({ b: null });
    expect((await run(federated, '{ b }', viewer(['USER'], ['x', 'y']))).data).toEqual({ b: 'b' });
    expect((await run(federated, '{ b }', viewer(['USER'], ['z']))).data).toEqual({ b: 'b' });
    expect(() => applyAuthDirective(makeExecutableSchema({ typeDefs: [DIRECTIVES, 'type Query { a: String @policy(policies: [["unknown"]]) }'] }), { denyByDefault: true, explainDenials: false })).toThrow(/not registered: unknown/);
  });

  it('a custom role hierarchy from the Role enum: transitive; a cycle fails start-up', async () => {
    const sdl = (roles: string) => [DIRECTIVES.replace(/enum Role \{[^}]*\}/, `enum Role { ${roles} }`), 'type Query { edit: String @auth(requires: EDITOR) admin: String @auth(requires: ADMIN) }'];
    const custom = applyAuthDirective(
      makeExecutableSchema({ typeDefs: sdl('USER EDITOR @includes(roles: [USER]) ADMIN @includes(roles: [EDITOR])'), resolvers: { Query: { edit: () => 'e', admin: () => 'a' } } }),
      { denyByDefault: true, explainDenials: false },
    );
    expect((await run(custom, '{ edit admin }', viewer(['ADMIN']))).data).toEqual({ edit: 'e', admin: 'a' }); // ADMIN includes EDITOR transitively
    expect((await run(custom, '{ edit admin }', viewer(['EDITOR']))).data).toEqual({ edit: 'e', admin: null });
    expect((await run(custom, '{ edit }', viewer(['USER']))).data).toEqual({ edit: null });
    expect(() => applyAuthDirective(makeExecutableSchema({ typeDefs: sdl('USER @includes(roles: [ADMIN]) EDITOR ADMIN @includes(roles: [USER])') }), { denyByDefault: false, explainDenials: false })).toThrow(/cycle: .*USER -> ADMIN -> USER|cycle: .*ADMIN -> USER -> ADMIN/);
  });

  it('deny-by-default refuses a schema with unannotated fields and lists them all', () => {
    expect(() => schemaOf('type Query { ok: String @public leak: String other: Other @auth } type Other { x: String }', {}, true)).toThrow(UnprotectedFieldsError);
    try {
      schemaOf('type Query { ok: String @public leak: String other: Other @auth } type Other { x: String }', {}, true);
    } catch (error) {
      expect((error as UnprotectedFieldsError).fields).toEqual(['Query.leak', 'Other.x']);
    }
  });

  it('the shipped schema passes deny-by-default, with and without the example module', () => {
    expect(() => buildSchema(schemaParts(), { denyByDefault: true, explainDenials: false })).not.toThrow();
    // An unopened connection: defining the example's model needs no server.
    const examples = notesModule(mongoose.createConnection());
    expect(() => buildSchema(schemaParts([examples]), { denyByDefault: true, explainDenials: false, policies: modulePolicies([examples]) })).not.toThrow();
    // Its policy is checked: without it registered, start-up fails naming it.
    expect(() => buildSchema(schemaParts([examples]), { denyByDefault: true, explainDenials: false })).toThrow(/sharedWithCaller/);
  });
});

describe('npm run auth:report', () => {
  const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const cli = join(ROOT, 'src', 'cli', 'auth-report.ts');

  it('prints every field with its effective requirement after inheritance', () => {
    const table = execFileSync(process.execPath, [tsx, cli], { cwd: ROOT, encoding: 'utf8' });
    expect(table).toMatch(/^Query\.users\s+ADMIN\s+field Query\.users$/m);
    expect(table).toMatch(/^Note\.title\s+USER \+ scopes \(notes:read\) AND USER\s+type Note, interface Authored$/m);
    expect(table).toMatch(/^Note\.draft\s+USER \+ scopes \(notes:read\) AND USER AND USER \+ owner\(authorId\)\s+type Note, interface Authored, field Authored\.draft$/m);
    expect(table).toMatch(/^Mutation\.setUserRoles\s+ADMIN \+ fresh\s+field Mutation\.setUserRoles$/m);
    expect(table).toMatch(/^Mutation\.login\s+public$/m);
    expect(table).toMatch(/0 unprotected/);
  });

  it('fails with the list of unprotected fields in deny-by-default mode, and emits JSON with --json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-'));
    writeFileSync(join(dir, 'a.graphql'), `${DIRECTIVES}\ntype Query { ok: String @public leak: String }`);
    const denied = spawnSync(process.execPath, [tsx, cli, '--json', '--schema', dir], { cwd: ROOT, encoding: 'utf8' });
    expect(denied.status).toBe(1);
    expect(denied.stderr).toContain('Query.leak');
    expect(JSON.parse(denied.stdout)).toMatchObject({ denyByDefault: true, unprotected: ['Query.leak'] });
    const allowed = spawnSync(process.execPath, [tsx, cli, '--schema', dir], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, AUTH_DENY_BY_DEFAULT: 'false' } });
    expect(allowed.status).toBe(0);
    expect(allowed.stdout).toMatch(/^Query\.leak\s+NONE$/m);
  });
});
