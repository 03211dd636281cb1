/**
 * An instant of a test: a Date, an ISO-8601 string, or an offset from the clock's start such as
 * `'+30s'`, `'+1500ms'`, `'+2m'`, `'+1h'`, `'+7d'` (or negative: `'-5s'`).
 */
export type Instant = Date | string;

/** Where a VirtualClock starts unless told otherwise: a fixed instant, never the real time. */
export const VIRTUAL_CLOCK_START = '2025-01-01T00:00:00.000Z';

const OFFSET = /^([+-])(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const isUnit = (unit: string): unit is keyof typeof UNIT_MS => unit in UNIT_MS;

/**
 * Time that moves only when a test moves it, forward only. `now()` can be handed to code that
 * takes a clock (`() => clock.now()`), such as the process-manager worker.
 */
export class VirtualClock {
  private readonly startMs: number;
  private currentMs: number;

  /** @throws RangeError when `startsAt` is not a Date or an ISO-8601 instant */
  constructor(startsAt: Date | string = VIRTUAL_CLOCK_START) {
    this.startMs = startsAt instanceof Date ? startsAt.getTime() : Date.parse(startsAt);
    if (Number.isNaN(this.startMs)) throw new RangeError(`not an instant: ${String(startsAt)}`);
    this.currentMs = this.startMs;
  }

  /** The time now (a copy). */
  now(): Date {
    return new Date(this.currentMs);
  }

  /**
   * The instant `instant` names; an offset counts from the clock's start, not from now.
   * @throws RangeError for a string that is neither an offset nor an ISO-8601 instant
   */
  resolve(instant: Instant): Date {
    if (instant instanceof Date) return new Date(instant.getTime());
    const offset = OFFSET.exec(instant);
    if (offset && isUnit(offset[3])) {
      const ms = Number(offset[2]) * UNIT_MS[offset[3]];
      return new Date(this.startMs + (offset[1] === '-' ? -ms : ms));
    }
    const parsed = Date.parse(instant);
    if (Number.isNaN(parsed))
      throw new RangeError(`not an instant: "${instant}" (an ISO-8601 instant or like "+30s")`);
    return new Date(parsed);
  }

  /**
   * Moves the clock to `instant`; staying where it is is allowed.
   * @returns the new time
   * @throws RangeError for an instant before now: time only moves forward
   */
  moveTo(instant: Instant): Date {
    const to = this.resolve(instant);
    if (to.getTime() < this.currentMs)
      throw new RangeError(
        `the clock moves forward only, not from ${this.now().toISOString()} to ${to.toISOString()}`,
      );
    this.currentMs = to.getTime();
    return this.now();
  }
}
