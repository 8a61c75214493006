// The clock is an edge: tests swap it for a fixed or stepping one.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * A timestamp as ISO 8601 in UTC: a Date, or a database value (Date or text); a missing one
 * (null, undefined) is null.
 */
export function iso(d: Date | string): string;
export function iso(d: Date | string | null | undefined): string | null;
export function iso(d: Date | string | null | undefined): string | null {
  if (d === null || d === undefined) return null;
  return (d instanceof Date ? d : new Date(d)).toISOString();
}
