import {
  getNamedType,
  isEnumType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isScalarType,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import type { AuthRule, CompiledRule, RulePlace } from './rules';

export const AUTH_DIRECTIVE = 'auth';
export const PUBLIC_DIRECTIVE = 'public';
/** Apollo Federation's authorization directives, read with GraphOS Router's meaning. */
export const FEDERATION_DIRECTIVES = ['authenticated', 'requiresScopes', 'policy'] as const;

export interface FieldRequirement {
  type: string;
  field: string;
  /** Every place's rules; undefined when no rule applies. */
  rule: CompiledRule | undefined;
  /** `@public` on the field or its type. */
  isPublic: boolean;
}

type DirectiveHost = Parameters<typeof getDirective>[1];

/**
 * The rules written on one element. Every `@auth` there is an alternative of one place (the
 * directive is repeatable: any one grants). Apollo Federation's directives are read as the
 * GraphOS Router reads them, each its own place (all must grant): `@authenticated` (any signed-in
 * caller), `@requiresScopes(scopes: [[...]])` and `@policy(policies: [[...]])`, both an OR of ANDs.
 */
export function readPlaces(schema: GraphQLSchema, node: DirectiveHost, source: string): RulePlace[] {
  const places: RulePlace[] = [];
  const auth = getDirective(schema, node, AUTH_DIRECTIVE) ?? [];
  if (auth.length > 0) {
    places.push({
      source,
      alternatives: auth.map(
        (args): AuthRule => ({
          requires: (args.requires as string | undefined) ?? 'USER',
          scopes: args.scopes as string[][] | undefined,
          owner: args.owner as string | undefined,
          policies: args.policy === undefined ? undefined : [args.policy as string],
          fresh: args.fresh as boolean | undefined,
          maxAge: args.maxAge as number | undefined,
          mfa: args.mfa as boolean | undefined,
        }),
      ),
    });
  }
  if ((getDirective(schema, node, 'authenticated')?.length ?? 0) > 0) places.push({ source: `${source} @authenticated`, alternatives: [{}] });
  for (const args of getDirective(schema, node, 'requiresScopes') ?? []) {
    places.push({ source: `${source} @requiresScopes`, alternatives: [{ scopes: args.scopes as string[][] }] });
  }
  for (const args of getDirective(schema, node, 'policy') ?? []) {
    places.push({ source: `${source} @policy`, alternatives: (args.policies as string[][]).map((group) => ({ policies: group })) });
  }
  return places;
}

function isPublic(schema: GraphQLSchema, node: DirectiveHost): boolean {
  return (getDirective(schema, node, PUBLIC_DIRECTIVE)?.length ?? 0) > 0;
}

function interfacesOf(type: GraphQLNamedType): readonly GraphQLInterfaceType[] {
  return isObjectType(type) || isInterfaceType(type) ? type.getInterfaces() : [];
}

/**
 * The places whose rules guard an object of this type itself, wherever it is reached (and every
 * field of it): its own type-level rules and each implemented interface's.
 */
export function typePlaces(schema: GraphQLSchema, type: GraphQLNamedType): RulePlace[] {
  return [...readPlaces(schema, type as DirectiveHost, `type ${type.name}`), ...interfacesOf(type).flatMap((iface) => readPlaces(schema, iface, `interface ${iface.name}`))];
}

/**
 * The rules that apply to each field of an object type, after inheritance: the type's own rules,
 * the rules of every interface it implements (type-level and on the same field), the field's own,
 * and those of a scalar or enum it returns (Federation allows rules there). Places all apply
 * (AND), so a field can tighten but never loosen what its type requires; several `@auth` at one
 * place are alternatives (OR). Reaching an object through an interface, a union or a fragment
 * changes nothing: the rules live on the concrete object's fields, which are what execution
 * resolves (and the object itself is guarded where it is returned: directive.ts).
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
        if (ifaceField) places.push(...readPlaces(schema, ifaceField, `field ${iface.name}.${field.name}`));
      }
      places.push(...readPlaces(schema, field, `field ${type.name}.${field.name}`));
      const returned = getNamedType(field.type);
      if ((isScalarType(returned) || isEnumType(returned)) && !returned.name.startsWith('__')) places.push(...readPlaces(schema, returned, `${isScalarType(returned) ? 'scalar' : 'enum'} ${returned.name}`));
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
  return new Set(requirements.flatMap((entry) => entry.rule?.places.flatMap((place) => place.alternatives.flatMap((rule) => rule.policies ?? [])) ?? []));
}
