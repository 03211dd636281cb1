import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource, QueryRunner } from 'typeorm';
import { RebuildInProgressError } from '../core/errors';
import { ProjectionTransaction } from '../projections/projection';
import { runInTransaction } from './run-in-transaction';
import {
  CLAIM_REBUILD_SQL,
  DELETE_STALE_SHADOW_CHECKPOINTS_SQL,
  FENCE_SHARE_SQL,
  FENCE_UPDATE_SQL,
  REBUILD_HOLDER_SQL,
  RELEASE_REBUILD_SQL,
  RENEW_REBUILD_SQL,
  TAKE_OVER_REBUILD_SQL,
} from './sql/projection-rebuilds.sql';

/** How long a claim outlives its last renewal: a crashed rebuilder blocks no longer than this. */
export const REBUILD_LEASE_MS = 30_000;
/** How often a running rebuild renews its claim (besides after every batch). */
export const REBUILD_RENEW_MS = 5_000;

/**
 * How many rows a statement returned. DataSource.query answers UPDATE/DELETE with
 * [rows, count], so statements whose RETURNING matters go through a structured result.
 */
async function returnedRows(
  dataSource: DataSource,
  sql: string,
  parameters: unknown[],
): Promise<number> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    const result = (await queryRunner.query(sql, parameters, true)) as { records: unknown[] };
    return result.records.length;
  } finally {
    await queryRunner.release();
  }
}

/** This process lost its claim (it stalled past its lease and another process took over). */
export class RebuildClaimLostError extends Error {
  constructor(readonly projectionName: string) {
    super(`the rebuild of ${projectionName} was taken over by another process; this one stopped`);
    this.name = new.target.name;
  }
}

/**
 * One process's claim on the rebuild of one projection: a row in `projection_rebuilds`
 * with a fencing token, renewed on a timer and after every batch. Every write to the shadow
 * tables (and their creation, and the switch-over) is fenced by the token in its own
 * transaction, so a rebuilder that lost its claim can no longer touch them.
 */
export class RebuildClaim {
  private readonly timer: NodeJS.Timeout;
  private lost = false;
  private abortReason?: string;
  private position = 0n;
  private head = 0n;

  constructor(
    readonly name: string,
    readonly token: string,
    private readonly dataSource: DataSource,
    /** Hears of a renewal that failed (the next one may succeed). */
    private readonly warn: (message: string) => void,
  ) {
    this.timer = setInterval(() => void this.heartbeat(), REBUILD_RENEW_MS);
  }

  /** The shadow's checkpoint: per claim, so nothing of an abandoned rebuild is reused. */
  get shadowCheckpoint(): string {
    return `${this.name}::rebuild:${this.token}`;
  }

  /** Extends the lease and publishes the progress every instance shows. */
  async renew(position: bigint, head: bigint): Promise<void> {
    this.position = position;
    this.head = head;
    const renewed = await returnedRows(this.dataSource, RENEW_REBUILD_SQL, [
      this.name,
      this.token,
      REBUILD_LEASE_MS,
      position.toString(),
      head.toString(),
    ]);
    if (renewed === 0) this.lost = true;
  }

  /** @throws RebuildClaimLostError, or the abort reason, when the rebuild must stop. */
  assertHeld(): void {
    if (this.lost) throw new RebuildClaimLostError(this.name);
    if (this.abortReason !== undefined) throw new Error(this.abortReason);
  }

  /** Asks the rebuild to stop at its next step (shutdown). */
  abort(reason: string): void {
    this.abortReason ??= reason;
  }

  /** First statement of every shadow batch: the claim is still ours, until this commits. */
  async fenceBatch(transaction: ProjectionTransaction): Promise<void> {
    const rows = await transaction.query(FENCE_SHARE_SQL, [this.name, this.token]);
    if (rows.length === 0) {
      this.lost = true;
      throw new RebuildClaimLostError(this.name);
    }
  }

  /**
   * First statement of a transaction that changes the tables themselves (creating the
   * shadows, the switch-over): locks the claim for the rest of that transaction.
   */
  async fenceExclusive(queryRunner: QueryRunner): Promise<void> {
    const rows = (await queryRunner.query(FENCE_UPDATE_SQL, [this.name, this.token])) as unknown[];
    if (rows.length === 0) {
      this.lost = true;
      throw new RebuildClaimLostError(this.name);
    }
  }

  /** Ends the claim in `queryRunner`'s transaction (the switch-over commits with it). */
  async endIn(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(RELEASE_REBUILD_SQL, [this.name, this.token]);
  }

  /**
   * Stops renewing and, if the claim is still ours, runs `cleanUp` and deletes it in one
   * transaction. Does nothing to a claim another process has taken over.
   */
  async release(cleanUp: (queryRunner: QueryRunner) => Promise<void>): Promise<void> {
    clearInterval(this.timer);
    await runInTransaction(this.dataSource, async (queryRunner) => {
      const held = (await queryRunner.query(FENCE_UPDATE_SQL, [
        this.name,
        this.token,
      ])) as unknown[];
      if (held.length === 0) return;
      await cleanUp(queryRunner);
      await this.endIn(queryRunner);
    });
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.renew(this.position, this.head);
    } catch (error) {
      // The next renewal may succeed; the lease only runs out after REBUILD_LEASE_MS.
      this.warn(`could not renew the rebuild claim on ${this.name}: ${String(error)}`);
    }
  }
}

/**
 * The cluster-wide guard against two rebuilds of one projection: whichever process (an app
 * instance or the CLI) claims the row first rebuilds; any other gets REBUILD_IN_PROGRESS
 * until that claim ends or its lease runs out.
 */
export class RebuildGuard {
  constructor(
    private readonly dataSource: DataSource,
    private readonly warn: (message: string) => void,
  ) {}

  /** @throws RebuildInProgressError while another live claim exists. */
  async claim(name: string): Promise<RebuildClaim> {
    const token = randomUUID();
    const parameters = [name, token, `${hostname()}:${process.pid}`, REBUILD_LEASE_MS];
    // A claim ending between the two statements would look held: look once more then.
    for (let attempt = 1; ; attempt++) {
      const claimed =
        (await returnedRows(this.dataSource, CLAIM_REBUILD_SQL, parameters)) > 0 ||
        (await returnedRows(this.dataSource, TAKE_OVER_REBUILD_SQL, parameters)) > 0;
      if (claimed) break;
      const [holder] = await this.dataSource.query<{ claimed_by: string }[]>(REBUILD_HOLDER_SQL, [
        name,
      ]);
      if (holder || attempt >= 3) throw new RebuildInProgressError(name, holder?.claimed_by);
    }
    // Whatever an earlier, crashed rebuild of this projection left of its progress.
    await this.dataSource.query(DELETE_STALE_SHADOW_CHECKPOINTS_SQL, [name]);
    return new RebuildClaim(name, token, this.dataSource, this.warn);
  }
}
