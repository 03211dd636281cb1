import { LogPosition, RecordedEvent } from '../core/event';
import { Projection } from './projection';

/** A projection's persisted progress. */
export interface ProjectionCheckpoint {
  readonly name: string;
  readonly position: LogPosition;
  readonly parked: boolean;
  readonly failures: number;
  readonly lastError: string | null;
  readonly updatedAt: Date;
}

/** One projection's share of a batch committed for several projections at once. */
export interface GroupMember {
  readonly projection: Projection;
  /** Already filtered to the projection's types, possibly none. */
  readonly events: readonly RecordedEvent[];
}

/** A projection's `apply` threw inside a group's transaction: nothing of the group committed. */
export class ProjectionApplyError extends Error {
  constructor(
    readonly projection: string,
    override readonly cause: unknown,
  ) {
    super(
      `projection ${projection} failed to apply: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'ProjectionApplyError';
  }
}

/** Persistence the projection runner needs; the PostgreSQL adapter implements it. */
export interface ProjectionStore {
  /** The checkpoint, created at START on first use. */
  checkpoint(name: string): Promise<ProjectionCheckpoint>;
  /** The checkpoints of `names` (in no particular order), each created at START on first use. */
  checkpoints(names: readonly string[]): Promise<ProjectionCheckpoint[]>;
  /**
   * Applies `events` (already filtered to the projection's types, possibly none) and moves
   * the checkpoint from `from` to `to` in one transaction.
   * @returns false when the checkpoint was no longer at `from` (another runner moved it):
   *   nothing was written.
   */
  commitBatch(
    projection: Projection,
    from: LogPosition,
    to: LogPosition,
    events: readonly RecordedEvent[],
    tables?: (table: string) => string,
  ): Promise<boolean>;
  /**
   * Applies each member's events and moves each member's checkpoint from `from` to `to`, all
   * in one transaction: the batch of several projections that stand at the same position
   * costs one commit. A member whose checkpoint was no longer at `from` writes nothing.
   * @returns the names whose checkpoint moved
   * @throws ProjectionApplyError when a member's apply throws (then nothing committed)
   */
  commitGroup(
    members: readonly GroupMember[],
    from: LogPosition,
    to: LogPosition,
  ): Promise<string[]>;
  recordFailure(name: string, error: string, park: boolean): Promise<void>;
  /** Clears the parked flag and the failure count, so the runner tries again. */
  resume(name: string): Promise<void>;
}
