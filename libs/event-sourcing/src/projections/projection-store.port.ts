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

/** Persistence the projection runner needs; the PostgreSQL adapter implements it. */
export interface ProjectionStore {
  /** The checkpoint, created at START on first use. */
  checkpoint(name: string): Promise<ProjectionCheckpoint>;
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
  recordFailure(name: string, error: string, park: boolean): Promise<void>;
  /** Clears the parked flag and the failure count, so the runner tries again. */
  resume(name: string): Promise<void>;
}
