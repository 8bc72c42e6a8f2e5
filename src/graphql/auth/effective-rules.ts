import { isInterfaceType, isIntrospectionType, isObjectType, type GraphQLInterfaceType, type GraphQLNamedType, type GraphQLSchema } from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import type { Role } from '../../accounts/roles';
import { compileRules, type AuthRule, type CompiledRule } from './rules';

export const AUTH_DIRECTIVE = 'auth';
export const PUBLIC_DIRECTIVE = 'public';

export interface FieldRequirement {
  type: string;
  field: string;
  /** Merged rules; undefined when no rule applies. */
  rule: CompiledRule | undefined;
  /** `@public` on the field or its type. */
  isPublic: boolean;
}

type DirectiveHost = Parameters<typeof getDirective>[1];

function readAuthRule(schema: GraphQLSchema, node: DirectiveHost, source: string): AuthRule | undefined {
  const args = getDirective(schema, node, AUTH_DIRECTIVE)?.[0];
  if (!args) return undefined;
  return {
    requires: (args.requires as Role | undefined) ?? 'USER',
    scopes: args.scopes as string[][] | undefined,
    owner: args.owner as string | undefined,
    source,
  };
}

function isPublic(schema: GraphQLSchema, node: DirectiveHost): boolean {
  return (getDirective(schema, node, PUBLIC_DIRECTIVE)?.length ?? 0) > 0;
}

function interfacesOf(type: GraphQLNamedType): readonly GraphQLInterfaceType[] {
  return isObjectType(type) || isInterfaceType(type) ? type.getInterfaces() : [];
}

/**
 * The rules that apply to each field of an object type, after inheritance: the type's own rule,
 * the rules of every interface it implements (type-level and on the same field), and the field's
 * own rule. All of them must hold, so a field can tighten but never loosen what its type requires,
 * and reaching an object through an interface, a union or a fragment changes nothing: the rules
 * live on the concrete object's fields, which are what execution resolves.
 */
export function effectiveRequirements(schema: GraphQLSchema): FieldRequirement[] {
  const result: FieldRequirement[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const typeRule = readAuthRule(schema, type, `type ${type.name}`);
    const typeIsPublic = isPublic(schema, type);
    const interfaces = interfacesOf(type);
    for (const field of Object.values(type.getFields())) {
      const rules: AuthRule[] = [];
      if (typeRule) rules.push(typeRule);
      for (const iface of interfaces) {
        const ifaceRule = readAuthRule(schema, iface, `interface ${iface.name}`);
        if (ifaceRule) rules.push(ifaceRule);
        const ifaceField = iface.getFields()[field.name];
        const ifaceFieldRule = ifaceField && readAuthRule(schema, ifaceField, `field ${iface.name}.${field.name}`);
        if (ifaceFieldRule) rules.push(ifaceFieldRule);
      }
      const fieldRule = readAuthRule(schema, field, `field ${type.name}.${field.name}`);
      if (fieldRule) rules.push(fieldRule);
      result.push({
        type: type.name,
        field: field.name,
        rule: rules.length > 0 ? compileRules(rules) : undefined,
        isPublic: typeIsPublic || isPublic(schema, field),
      });
    }
  }
  return result;
}

/** Fields that have neither a rule nor @public: what deny-by-default refuses. */
export function unprotectedFields(requirements: FieldRequirement[]): string[] {
  return requirements.filter((entry) => !entry.rule && !entry.isPublic).map((entry) => `${entry.type}.${entry.field}`);
}
