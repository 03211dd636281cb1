import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  DEFAULT_PROJECTION_RUNNER_OPTIONS,
  EventStore,
  PostgresProjectionStore,
  Projection,
  ProjectionRunner,
  quoteIdentifier,
  runInTransaction,
  shadowTableName,
} from '@ledgerline/event-sourcing';
import { EVENT_STORE } from '../database/database.tokens';
import { RebuildInProgressError } from './projection.errors';
import { ProjectionsService } from './projections.service';

/** Progress of a rebuild: the shadow's position against the head of the log. */
export type RebuildProgress = (position: bigint, head: bigint) => void;

const HEAD_SQL = `
SELECT COALESCE(max(global_position), 0)::text AS head FROM es_events
 WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;

/**
 * Rebuilds a projection from position 0 into shadow tables while the live ones keep serving
 * reads and keep being updated, then swaps them in with the shadow's checkpoint in one
 * transaction. Only the projection's own tables are written: no side effect fires.
 */
@Injectable()
export class ProjectionRebuilder {
  private readonly logger = new Logger('Projections');
  private readonly checkpoints: PostgresProjectionStore;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly projections: ProjectionsService,
  ) {
    this.checkpoints = new PostgresProjectionStore(dataSource);
  }

  /** Starts a rebuild in the background (the admin API answers 202 at once). */
  start(name: string): void {
    const projection = this.projections.find(name);
    this.claim(projection.name);
    void this.run(projection).catch((error: unknown) =>
      this.logger.error(
        `rebuild of ${name} failed; the live tables are untouched`,
        error instanceof Error ? error.stack : String(error),
      ),
    );
  }

  /** Rebuilds and waits for the switch-over (the CLI). */
  async rebuild(name: string, progress?: RebuildProgress): Promise<void> {
    const projection = this.projections.find(name);
    this.claim(projection.name);
    await this.run(projection, progress);
  }

  private claim(name: string): void {
    if (this.projections.isRebuilding(name)) throw new RebuildInProgressError(name);
    this.projections.markRebuilding(name, true);
  }

  private async run(projection: Projection, progress?: RebuildProgress): Promise<void> {
    const shadowName = `${projection.name}::rebuild`;
    try {
      await this.createShadowTables(projection);
      await this.checkpoints.deleteCheckpoint(shadowName);
      const shadow: Projection = {
        ...projection,
        name: shadowName,
        apply: (events, transaction) =>
          projection.apply(events, {
            query: transaction.query.bind(transaction),
            table: (table) => transaction.table(shadowTableName(table)),
          }),
      };
      const runner = new ProjectionRunner(this.events, this.checkpoints, shadow, undefined, {
        ...DEFAULT_PROJECTION_RUNNER_OPTIONS,
        batchSize: 2_000,
      });
      // Catch up to the head seen when each step began, not to an empty read: under steady
      // writes an empty read may never come. Switching over a little behind is safe, because
      // the live checkpoint takes the shadow's exact position and the live runner goes on.
      for (;;) {
        const head = await this.head();
        const outcome = await runner.step();
        const position = (await this.checkpoints.checkpoint(shadowName)).position.globalPosition;
        progress?.(position, head);
        if (outcome === 'caught-up' || position >= head) break;
        if (outcome === 'parked') {
          throw new Error((await this.checkpoints.checkpoint(shadowName)).lastError ?? 'parked');
        }
      }
      await this.switchOver(projection, shadowName);
    } finally {
      this.projections.markRebuilding(projection.name, false);
      await this.checkpoints.deleteCheckpoint(shadowName).catch(() => undefined);
    }
  }

  private async createShadowTables(projection: Projection): Promise<void> {
    for (const table of projection.tables) {
      const shadow = quoteIdentifier(shadowTableName(table));
      await this.dataSource.query(`DROP TABLE IF EXISTS ${shadow}`);
      await this.dataSource.query(
        `CREATE TABLE ${shadow} (LIKE ${quoteIdentifier(table)} INCLUDING ALL)`,
      );
    }
  }

  /**
   * Locks the live checkpoint row (a live batch in flight finishes first; the next one finds
   * the checkpoint moved and re-reads it), swaps the tables and hands the live checkpoint the
   * shadow's position, so incremental processing continues exactly where the rebuild stopped.
   */
  private async switchOver(projection: Projection, shadowName: string): Promise<void> {
    await this.checkpoints.checkpoint(projection.name);
    await runInTransaction(this.dataSource, async (queryRunner) => {
      await queryRunner.query('SELECT name FROM es_projections WHERE name = $1 FOR UPDATE', [
        projection.name,
      ]);
      const [row] = (await queryRunner.query(
        'SELECT transaction_id::text AS xid, global_position::text AS position FROM es_projections WHERE name = $1',
        [shadowName],
      )) as { xid: string; position: string }[];
      for (const table of projection.tables) {
        const retired = `${table}__retired`;
        await queryRunner.query(
          `ALTER TABLE ${quoteIdentifier(table)} RENAME TO ${quoteIdentifier(retired)}`,
        );
        await queryRunner.query(
          `ALTER TABLE ${quoteIdentifier(shadowTableName(table))} RENAME TO ${quoteIdentifier(table)}`,
        );
        await queryRunner.query(`DROP TABLE ${quoteIdentifier(retired)}`);
      }
      await queryRunner.query(
        `UPDATE es_projections SET transaction_id = $2::xid8, global_position = $3::bigint, parked = false,
                failures = 0, last_error = NULL, updated_at = now() WHERE name = $1`,
        [projection.name, row.xid, row.position],
      );
    });
    this.logger.log(`rebuilt ${projection.name} and switched over`);
  }

  private async head(): Promise<bigint> {
    const [{ head }] = await this.dataSource.query<{ head: string }[]>(HEAD_SQL);
    return BigInt(head);
  }
}
