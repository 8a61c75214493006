// The clock is an edge: tests swap it for a fixed or stepping one.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
