import { DataSource } from 'typeorm';
import { LogPosition, RecordedEvent } from '../core/event';
import { Projection } from '../projections/projection';
import {
  GroupMember,
  ProjectionApplyError,
  ProjectionCheckpoint,
  ProjectionStore,
} from '../projections/projection-store.port';
import { projectionTransaction } from './projection-transaction';
import { runInTransaction } from './run-in-transaction';
import {
  ADVANCE_CHECKPOINT_SQL,
  ADVANCE_CHECKPOINTS_SQL,
  DELETE_CHECKPOINT_SQL,
  ENSURE_CHECKPOINT_SQL,
  ENSURE_CHECKPOINTS_SQL,
  READ_ALL_CHECKPOINTS_SQL,
  READ_CHECKPOINT_SQL,
  READ_CHECKPOINTS_SQL,
  RECORD_FAILURE_SQL,
  RESUME_SQL,
  SET_CHECKPOINT_SQL,
} from './sql/projection-checkpoints.sql';

interface CheckpointRow {
  name: string;
  transaction_id: string;
  global_position: string;
  parked: boolean;
  failures: number;
  last_error: string | null;
  updated_at: Date;
}

const toCheckpoint = (row: CheckpointRow): ProjectionCheckpoint => ({
  name: row.name,
  position: {
    transactionId: BigInt(row.transaction_id),
    globalPosition: BigInt(row.global_position),
  },
  parked: row.parked,
  failures: row.failures,
  lastError: row.last_error,
  updatedAt: row.updated_at,
});

/** Checkpoints in `es_projections`; each batch commits with its rows (guarantee 5). */
export class PostgresProjectionStore implements ProjectionStore {
  constructor(private readonly dataSource: DataSource) {}

  async checkpoint(name: string): Promise<ProjectionCheckpoint> {
    let rows: CheckpointRow[] = await this.dataSource.query(READ_CHECKPOINT_SQL, [name]);
    if (rows.length === 0) {
      await this.dataSource.query(ENSURE_CHECKPOINT_SQL, [name]);
      rows = await this.dataSource.query(READ_CHECKPOINT_SQL, [name]);
    }
    return toCheckpoint(rows[0]);
  }

  async checkpoints(names: readonly string[]): Promise<ProjectionCheckpoint[]> {
    let rows: CheckpointRow[] = await this.dataSource.query(READ_CHECKPOINTS_SQL, [names]);
    if (rows.length < names.length) {
      await this.dataSource.query(ENSURE_CHECKPOINTS_SQL, [names]);
      rows = await this.dataSource.query(READ_CHECKPOINTS_SQL, [names]);
    }
    return rows.map(toCheckpoint);
  }

  async all(): Promise<ProjectionCheckpoint[]> {
    const rows: CheckpointRow[] = await this.dataSource.query(READ_ALL_CHECKPOINTS_SQL);
    return rows.map(toCheckpoint);
  }

  commitBatch(
    projection: Projection,
    from: LogPosition,
    to: LogPosition,
    events: readonly RecordedEvent[],
    tables?: (table: string) => string,
  ): Promise<boolean> {
    return runInTransaction(this.dataSource, async (queryRunner) => {
      const advanced = await queryRunner.query(
        ADVANCE_CHECKPOINT_SQL,
        [
          projection.name,
          from.transactionId.toString(),
          from.globalPosition.toString(),
          to.transactionId.toString(),
          to.globalPosition.toString(),
        ],
        true,
      );
      if (advanced.records.length === 0) return false;
      if (events.length > 0)
        await projection.apply(events, projectionTransaction(queryRunner, tables));
      return true;
    });
  }

  commitGroup(
    members: readonly GroupMember[],
    from: LogPosition,
    to: LogPosition,
  ): Promise<string[]> {
    return runInTransaction(this.dataSource, async (queryRunner) => {
      const advanced = await queryRunner.query(
        ADVANCE_CHECKPOINTS_SQL,
        [
          members.map((member) => member.projection.name),
          from.transactionId.toString(),
          from.globalPosition.toString(),
          to.transactionId.toString(),
          to.globalPosition.toString(),
        ],
        true,
      );
      const moved = new Set((advanced.records as { name: string }[]).map((row) => row.name));
      const transaction = projectionTransaction(queryRunner);
      for (const { projection, events } of members) {
        if (!moved.has(projection.name) || events.length === 0) continue;
        try {
          await projection.apply(events, transaction);
        } catch (error) {
          throw new ProjectionApplyError(projection.name, error);
        }
      }
      return [...moved];
    });
  }

  async recordFailure(name: string, error: string, park: boolean): Promise<void> {
    await this.dataSource.query(RECORD_FAILURE_SQL, [name, error, park]);
  }

  async resume(name: string): Promise<void> {
    await this.dataSource.query(RESUME_SQL, [name]);
  }

  async setCheckpoint(name: string, position: LogPosition): Promise<void> {
    await this.dataSource.query(SET_CHECKPOINT_SQL, [
      name,
      position.transactionId.toString(),
      position.globalPosition.toString(),
    ]);
  }

  async deleteCheckpoint(name: string): Promise<void> {
    await this.dataSource.query(DELETE_CHECKPOINT_SQL, [name]);
  }
}
