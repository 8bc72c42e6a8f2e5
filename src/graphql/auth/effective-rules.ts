import { isInterfaceType, isIntrospectionType, isObjectType, type GraphQLInterfaceType, type GraphQLNamedType, type GraphQLSchema } from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import type { AuthRule, CompiledRule, RulePlace } from './rules';

export const AUTH_DIRECTIVE = 'auth';
export const PUBLIC_DIRECTIVE = 'public';

export interface FieldRequirement {
  type: string;
  field: string;
  /** Every place's rules; undefined when no rule applies. */
  rule: CompiledRule | undefined;
  /** `@public` on the field or its type. */
  isPublic: boolean;
}

type DirectiveHost = Parameters<typeof getDirective>[1];

/** Every `@auth` written on one element (the directive is repeatable): alternatives. */
export function readPlace(schema: GraphQLSchema, node: DirectiveHost, source: string): RulePlace | undefined {
  const applied = getDirective(schema, node, AUTH_DIRECTIVE) ?? [];
  if (applied.length === 0) return undefined;
  const alternatives = applied.map(
    (args): AuthRule => ({
      requires: (args.requires as string | undefined) ?? 'USER',
      scopes: args.scopes as string[][] | undefined,
      owner: args.owner as string | undefined,
      policy: args.policy as string | undefined,
      fresh: args.fresh as boolean | undefined,
      maxAge: args.maxAge as number | undefined,
      mfa: args.mfa as boolean | undefined,
    }),
  );
  return { source, alternatives };
}

function isPublic(schema: GraphQLSchema, node: DirectiveHost): boolean {
  return (getDirective(schema, node, PUBLIC_DIRECTIVE)?.length ?? 0) > 0;
}

function interfacesOf(type: GraphQLNamedType): readonly GraphQLInterfaceType[] {
  return isObjectType(type) || isInterfaceType(type) ? type.getInterfaces() : [];
}

/**
 * The places whose rules guard an object of this type itself (and so every field of it): its own
 * type-level `@auth` and each implemented interface's.
 */
export function typePlaces(schema: GraphQLSchema, type: GraphQLNamedType): RulePlace[] {
  const places: RulePlace[] = [];
  const own = readPlace(schema, type as DirectiveHost, `type ${type.name}`);
  if (own) places.push(own);
  for (const iface of interfacesOf(type)) {
    const place = readPlace(schema, iface, `interface ${iface.name}`);
    if (place) places.push(place);
  }
  return places;
}

/**
 * The rules that apply to each field of an object type, after inheritance: the type's own rules,
 * the rules of every interface it implements (type-level and on the same field), and the field's
 * own. Places all apply (AND), so a field can tighten but never loosen what its type requires;
 * several `@auth` at one place are alternatives (OR). Reaching an object through an interface, a
 * union or a fragment changes nothing: the rules live on the concrete object's fields, which are
 * what execution resolves.
 */
export function effectiveRequirements(schema: GraphQLSchema): FieldRequirement[] {
  const result: FieldRequirement[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const inherited = typePlaces(schema, type);
    const typeIsPublic = isPublic(schema, type);
    for (const field of Object.values(type.getFields())) {
      const places = [...inherited];
      for (const iface of interfacesOf(type)) {
        const ifaceField = iface.getFields()[field.name];
        const place = ifaceField && readPlace(schema, ifaceField, `field ${iface.name}.${field.name}`);
        if (place) places.push(place);
      }
      const own = readPlace(schema, field, `field ${type.name}.${field.name}`);
      if (own) places.push(own);
      result.push({ type: type.name, field: field.name, rule: places.length > 0 ? { places } : undefined, isPublic: typeIsPublic || isPublic(schema, field) });
    }
  }
  return result;
}

/** Fields that have neither a rule nor @public: what deny-by-default refuses. */
export function unprotectedFields(requirements: FieldRequirement[]): string[] {
  return requirements.filter((entry) => !entry.rule && !entry.isPublic).map((entry) => `${entry.type}.${entry.field}`);
}

/** Every policy name the rules use (each must be registered). */
export function policyNames(requirements: FieldRequirement[]): Set<string> {
  return new Set(requirements.flatMap((entry) => entry.rule?.places.flatMap((place) => place.alternatives.flatMap((rule) => (rule.policy ? [rule.policy] : []))) ?? []));
}
