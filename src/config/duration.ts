/**
 * Durations in configuration: a bare number of seconds (`900`) or a number with a unit
 * (`10s`, `15m`, `12h`, `30d`; `ms` too, for tests that need sub-second windows).
 * Returns milliseconds, or `undefined` when the text is not a duration.
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]) * UNIT_MS[match[2] ?? 's']!;
  return Number.isFinite(value) ? Math.round(value) : undefined;
}
