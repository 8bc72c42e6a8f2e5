import type { GraphQLSchema } from 'graphql';
import { effectiveRequirements } from './effective-rules';
import { rateLimitOf } from '../rate-limit/directive';
import { describeRule } from './rules';

export interface ReportRow {
  field: string;
  requirement: string;
  /** Where each applying rule was written. */
  from: string[];
  status: 'protected' | 'public' | 'unprotected';
}

/** Every object field with its effective requirement after inheritance (`npm run auth:report`). */
export function authReport(schema: GraphQLSchema): ReportRow[] {
  return effectiveRequirements(schema)
    .map((entry): ReportRow => {
      const field = `${entry.type}.${entry.field}`;
      const limit = rateLimitOf(schema, entry.type, entry.field);
      const limited = limit ? `; at most ${limit.max} calls per ${limit.window} per caller` : '';
      if (entry.rule) return { field, requirement: describeRule(entry.rule) + limited, from: entry.rule.places.map((place) => place.source), status: 'protected' };
      return { field, requirement: (entry.isPublic ? 'public' : 'NONE') + limited, from: [], status: entry.isPublic ? 'public' : 'unprotected' };
    })
    .sort((a, b) => a.field.localeCompare(b.field));
}

export function formatReportTable(rows: ReportRow[]): string {
  const header = { field: 'FIELD', requirement: 'REQUIREMENT', from: 'FROM' };
  const widthField = Math.max(header.field.length, ...rows.map((row) => row.field.length));
  const widthRequirement = Math.max(header.requirement.length, ...rows.map((row) => row.requirement.length));
  const line = (field: string, requirement: string, from: string) => `${field.padEnd(widthField)}  ${requirement.padEnd(widthRequirement)}  ${from}`.trimEnd();
  const unprotected = rows.filter((row) => row.status === 'unprotected').length;
  return [
    line(header.field, header.requirement, header.from),
    ...rows.map((row) => line(row.field, row.requirement, row.from.join(', '))),
    '',
    `${rows.length} fields: ${rows.filter((row) => row.status === 'protected').length} protected, ${rows.filter((row) => row.status === 'public').length} public, ${unprotected} unprotected`,
  ].join('\n');
}
