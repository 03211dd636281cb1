import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

/** A log position in the gap-safe order the projection runner follows. */
export interface LogOrder {
  readonly transactionId: bigint;
  readonly globalPosition: bigint;
}

/** `a` comes at or after `b` in (transaction id, global position) order. */
export const atOrAfter = (a: LogOrder, b: LogOrder): boolean =>
  a.transactionId > b.transactionId ||
  (a.transactionId === b.transactionId && a.globalPosition >= b.globalPosition);

/** The checkpoint as one poll saw it, at the moment the poll's answer arrived. */
export interface CheckpointSeen extends LogOrder {
  readonly seenAt: number;
}

/**
 * The gap-safe horizon (`pg_snapshot_xmin`: readAll returns only events of older
 * transactions) as one poll saw it.
 */
export interface HorizonSeen {
  readonly xmin: bigint;
  readonly seenAt: number;
}

export interface PollerReport {
  /** Every poll at which the checkpoint had moved (the first poll too), in time order. */
  readonly advances: readonly CheckpointSeen[];
  /** Every poll at which the horizon had moved, in time order. */
  readonly horizons: readonly HorizonSeen[];
  readonly polls: number;
  /** Time between the answers of consecutive polls: the resolution of `seenAt`. */
  readonly meanGapMs: number;
  readonly maxGapMs: number;
}

/** Index of the first element for which `reached` holds, `reached` being monotonic. */
function firstReached<T>(items: readonly T[], reached: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (reached(items[middle])) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** When a poll first saw the checkpoint at or past `event` (undefined: never). */
export const processedSeenAt = (report: PollerReport, event: LogOrder): number | undefined =>
  report.advances[firstReached(report.advances, (advance) => atOrAfter(advance, event))]?.seenAt;

/** When a poll first saw the horizon past `event`'s transaction: readAll could return it. */
export const readableSeenAt = (report: PollerReport, event: LogOrder): number | undefined =>
  report.horizons[firstReached(report.horizons, (horizon) => horizon.xmin > event.transactionId)]
    ?.seenAt;

/**
 * Polls one projection's checkpoint (`es_projections`) and the gap-safe horizon on a
 * dedicated session every ~1 ms and keeps each advance with the time it was first seen. An
 * advance is seen at most one poll gap (plus one round trip) after it happened.
 */
export class CheckpointPoller {
  private readonly advances: CheckpointSeen[] = [];
  private readonly horizons: HorizonSeen[] = [];
  private polls = 0;
  private gapSum = 0;
  private maxGap = 0;
  private running = true;
  private failure?: Error;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly client: Client,
    private readonly schema: string,
    private readonly projection: string,
  ) {
    // Kept for stop(): a rejection nobody awaits yet would end the process before clean-up.
    this.loop = this.run().catch((error: unknown) => {
      this.failure = error instanceof Error ? error : new Error(String(error));
    });
  }

  static async start(url: string, schema: string, projection: string): Promise<CheckpointPoller> {
    const client = new Client({ connectionString: url, application_name: 'bench-freshness-poll' });
    await client.connect();
    return new CheckpointPoller(client, schema, projection);
  }

  /** Whether polling stopped on an error (reported by stop()). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** The latest checkpoint seen (undefined before the first poll answered). */
  get latest(): CheckpointSeen | undefined {
    return this.advances[this.advances.length - 1];
  }

  async stop(): Promise<PollerReport> {
    this.running = false;
    try {
      await this.loop;
    } finally {
      await this.client.end();
    }
    if (this.failure !== undefined) throw this.failure;
    return {
      advances: this.advances,
      horizons: this.horizons,
      polls: this.polls,
      meanGapMs: this.polls > 1 ? this.gapSum / (this.polls - 1) : NaN,
      maxGapMs: this.maxGap,
    };
  }

  private async run(): Promise<void> {
    // One statement, so the checkpoint and the horizon come from one snapshot.
    const query = {
      name: 'bench-freshness-checkpoint',
      text: `SELECT transaction_id::text AS tx, global_position::text AS pos,
                    pg_snapshot_xmin(pg_current_snapshot())::text AS xmin
               FROM ${this.schema}.es_projections WHERE name = $1`,
      values: [this.projection],
    };
    let previous: number | undefined;
    while (this.running) {
      const { rows } = await this.client.query<{ tx: string; pos: string; xmin: string }>(query);
      const seenAt = performance.now();
      this.polls++;
      if (previous !== undefined) {
        this.gapSum += seenAt - previous;
        this.maxGap = Math.max(this.maxGap, seenAt - previous);
      }
      previous = seenAt;
      if (rows.length === 1) this.note(rows[0], seenAt);
      await sleep(1);
    }
  }

  private note(row: { tx: string; pos: string; xmin: string }, seenAt: number): void {
    const seen = { transactionId: BigInt(row.tx), globalPosition: BigInt(row.pos), seenAt };
    const last = this.latest;
    if (
      !last ||
      last.transactionId !== seen.transactionId ||
      last.globalPosition !== seen.globalPosition
    ) {
      this.advances.push(seen);
    }
    const xmin = BigInt(row.xmin);
    const horizon = this.horizons[this.horizons.length - 1];
    if (!horizon || xmin > horizon.xmin) this.horizons.push({ xmin, seenAt });
  }
}
