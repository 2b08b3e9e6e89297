/** Where the delivery service reads the time: the system clock, or a test's clock that it moves by hand. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
