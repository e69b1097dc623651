/**
 * The one clock every handler reads. Handlers never call `Date.now()` themselves, so a test fixes the time once
 * (`setClock`) and no outcome depends on the day the suite runs (a test pinned to a date while the handler read the
 * real clock failed every day after that date).
 */
export type Clock = () => number;

const systemClock: Clock = () => Date.now();
let current: Clock = systemClock;

/** Milliseconds since the epoch, from the clock in force. */
export function now(): number {
  return current();
}

/** The clock in force as an ISO-8601 timestamp. */
export function nowIso(): string {
  return new Date(current()).toISOString();
}

/** Replaces the clock (tests); `resetClock` puts the system clock back. */
export function setClock(clock: Clock): void {
  current = clock;
}

export function resetClock(): void {
  current = systemClock;
}

/**
 * A clock that starts at `iso` and moves only when told to (`advance`), for tests of deadlines and windows. Reads
 * between advances return the same instant.
 */
export function manualClock(iso: string): Clock & { advance(ms: number): void; set(iso: string): void } {
  let t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`manualClock: '${iso}' is not a timestamp`);
  const clock = (() => t) as Clock & { advance(ms: number): void; set(iso: string): void };
  clock.advance = (ms: number) => { t += ms; };
  clock.set = (next: string) => { t = Date.parse(next); };
  return clock;
}
