import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, QueryRunner } from 'typeorm';
import { ProjectionNotRebuildableError } from '../core/errors';
import { EventStore } from '../core/event-store.port';
import { Projection, quoteIdentifier, shadowTableName } from '../projections/projection';
import {
  DEFAULT_PROJECTION_RUNNER_OPTIONS,
  ProjectionRunner,
} from '../projections/projection-runner';
import { PostgresProjectionStore } from './postgres-projection-store';
import { RebuildClaim, RebuildGuard } from './projection-rebuild-guard';
import { projectionTransaction } from './projection-transaction';
import { runInTransaction } from './run-in-transaction';
import { EventRow, toRecordedEvent } from './sql/event-row';
import {
  CHECKPOINT_REACHED_SQL,
  COMMITTED_TAIL_SQL,
  GAP_EVENTS_SQL,
  SHADOW_AND_LIVE_SQL,
} from './sql/projection-rebuilds.sql';

/** Progress of a rebuild: the shadow's position against the head of the log. */
export type RebuildProgress = (position: bigint, head: bigint) => void;

/** Where a rebuilder reports what it did and what went wrong (a logger). */
export interface RebuildLog {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, stack?: string): void;
}

const CONSOLE_LOG: RebuildLog = {
  log: () => undefined,
  warn: (message) => console.warn(message),
  error: (message, stack) => console.error(message, stack ?? ''),
};

const HEAD_SQL = `
SELECT COALESCE(max(global_position), 0)::text AS head FROM es_events
 WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;

/** How long to wait for the gap-safe horizon when it holds back events the rebuild must include. */
const HORIZON_WAIT_MS = 25;
const GAP_BATCH_SIZE = 2_000;

interface Position {
  xid: string;
  position: string;
}

interface ShadowAndLive {
  shadow_xid: string;
  shadow_position: string;
  live_xid: string;
  live_position: string;
  shadow_ahead: boolean;
}

/**
 * Rebuilds a projection from position 0 into shadow tables while the live ones keep serving
 * reads and keep being updated, then swaps them in with the shadow's checkpoint in one
 * transaction. Only the projection's own tables are written: no side effect fires.
 *
 * One rebuild per projection in the whole cluster: the claim in `projection_rebuilds` (see
 * RebuildGuard) is taken before anything is written and fences every write; every instance
 * reads the status from it.
 */
export class ProjectionRebuilder {
  private readonly checkpoints: PostgresProjectionStore;
  private readonly guard: RebuildGuard;
  private readonly running = new Map<RebuildClaim, Promise<void>>();

  /**
   * @param find the projection of a name, or a throw (its not-found error reaches the caller)
   * @param logger default: warnings and errors on the console
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventStore,
    private readonly find: (name: string) => Projection,
    private readonly logger: RebuildLog = CONSOLE_LOG,
  ) {
    this.checkpoints = new PostgresProjectionStore(dataSource);
    this.guard = new RebuildGuard(dataSource, (message) => logger.warn(message));
  }

  /**
   * Claims the rebuild and runs it in the background (the admin API answers 202 at once).
   * @throws ProjectionNotFoundError; RebuildInProgressError while any process rebuilds it.
   */
  async start(name: string): Promise<void> {
    const { done } = await this.begin(name);
    done.catch((error: unknown) =>
      this.logger.error(
        `rebuild of ${name} failed; the live tables are untouched`,
        error instanceof Error ? error.stack : String(error),
      ),
    );
  }

  /** Claims the rebuild, runs it and waits for the switch-over (the CLI). */
  async rebuild(name: string, progress?: RebuildProgress): Promise<void> {
    const { done } = await this.begin(name, progress);
    await done;
  }

  /** Stops every rebuild of this process at its next step and gives its claim back. */
  async abortAll(reason: string): Promise<void> {
    for (const claim of this.running.keys()) claim.abort(reason);
    await Promise.all(this.running.values());
  }

  private async begin(name: string, progress?: RebuildProgress): Promise<{ done: Promise<void> }> {
    const projection = this.find(name);
    if (projection.rebuildable === false) throw new ProjectionNotRebuildableError(name);
    const claim = await this.guard.claim(projection.name);
    const done = this.run(projection, claim, progress);
    this.running.set(
      claim,
      done.then(
        () => undefined,
        () => undefined,
      ),
    );
    return {
      done: done.finally(() => this.running.delete(claim)),
    };
  }

  private async run(
    projection: Projection,
    claim: RebuildClaim,
    progress?: RebuildProgress,
  ): Promise<void> {
    const shadowName = claim.shadowCheckpoint;
    try {
      await this.createShadowTables(projection, claim);
      // Everything committed before the rebuild began must be in it before it switches over.
      const [tail] = await this.dataSource.query<Position[]>(COMMITTED_TAIL_SQL);
      const shadow: Projection = {
        ...projection,
        name: shadowName,
        apply: async (events, transaction) => {
          await claim.fenceBatch(transaction);
          await projection.apply(events, {
            query: transaction.query.bind(transaction),
            table: (table) => transaction.table(shadowTableName(table)),
          });
        },
      };
      const runner = new ProjectionRunner(this.events, this.checkpoints, shadow, undefined, {
        ...DEFAULT_PROJECTION_RUNNER_OPTIONS,
        batchSize: 2_000,
      });
      // Catch up to the head seen when each step began, not to an empty read: under steady
      // writes an empty read may never come. The live runner may be a little ahead then: the
      // switch-over closes that gap itself, under the live checkpoint's lock.
      for (;;) {
        claim.assertHeld();
        const head = await this.head();
        const outcome = await runner.step();
        const checkpoint = await this.checkpoints.checkpoint(shadowName);
        const position = checkpoint.position.globalPosition;
        progress?.(position, head);
        await claim.renew(position, head);
        claim.assertHeld();
        if (outcome === 'parked') throw new Error(checkpoint.lastError ?? 'parked');
        if (outcome !== 'caught-up' && position < head) continue;
        if (tail && !(await this.reached(shadowName, tail))) {
          // Another transaction holds the gap-safe horizon back: wait for it, then go on.
          if (outcome === 'caught-up') await sleep(HORIZON_WAIT_MS);
          continue;
        }
        await this.switchOver(projection, shadowName, claim);
        return;
      }
    } finally {
      await this.checkpoints.deleteCheckpoint(shadowName).catch(() => undefined);
      // After a failure: drop the half-built shadow tables, unless another process has
      // taken the claim over and is filling them now.
      await claim
        .release((queryRunner) => this.dropShadowTables(projection, queryRunner))
        .catch((error: unknown) =>
          this.logger.warn(
            `could not end the rebuild claim on ${projection.name}: ${String(error)}`,
          ),
        );
    }
  }

  private async createShadowTables(projection: Projection, claim: RebuildClaim): Promise<void> {
    await runInTransaction(this.dataSource, async (queryRunner) => {
      await claim.fenceExclusive(queryRunner);
      for (const table of projection.tables) {
        const shadow = quoteIdentifier(shadowTableName(table));
        await queryRunner.query(`DROP TABLE IF EXISTS ${shadow}`);
        await queryRunner.query(
          `CREATE TABLE ${shadow} (LIKE ${quoteIdentifier(table)} INCLUDING ALL)`,
        );
      }
    });
  }

  private async dropShadowTables(projection: Projection, queryRunner: QueryRunner): Promise<void> {
    for (const table of projection.tables) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${quoteIdentifier(shadowTableName(table))}`);
    }
  }

  /**
   * Under the claim's row lock: locks the live checkpoint row (a live batch in flight
   * finishes first; the next one finds the checkpoint moved and re-reads it), brings the
   * shadow up to the live checkpoint if the live runner got ahead meanwhile (so readers never
   * see rows go back), swaps the tables, hands the live checkpoint the shadow's position so
   * incremental processing continues exactly where the rebuild stopped, and ends the claim
   * and the shadow's checkpoint, all in one transaction.
   */
  private async switchOver(
    projection: Projection,
    shadowName: string,
    claim: RebuildClaim,
  ): Promise<void> {
    await this.checkpoints.checkpoint(projection.name);
    await runInTransaction(this.dataSource, async (queryRunner) => {
      await claim.fenceExclusive(queryRunner);
      await queryRunner.query('SELECT name FROM es_projections WHERE name = $1 FOR UPDATE', [
        projection.name,
      ]);
      const [row] = (await queryRunner.query(SHADOW_AND_LIVE_SQL, [
        shadowName,
        projection.name,
      ])) as ShadowAndLive[];
      const shadow = { xid: row.shadow_xid, position: row.shadow_position };
      const live = { xid: row.live_xid, position: row.live_position };
      if (!row.shadow_ahead) await this.closeGap(projection, queryRunner, shadow, live);
      const position = row.shadow_ahead ? shadow : live;
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
        [projection.name, position.xid, position.position],
      );
      await queryRunner.query('DELETE FROM es_projections WHERE name = $1', [shadowName]);
      await claim.endIn(queryRunner);
    });
    this.logger.log(`rebuilt ${projection.name} and switched over`);
  }

  /**
   * Applies to the shadow tables, in the switch-over's transaction, the events the live
   * runner processed after the shadow's last batch: (from, to], in log order. All of them are
   * committed (the live runner has read them), and the live checkpoint is locked, so the gap
   * cannot grow while it is closed.
   */
  private async closeGap(
    projection: Projection,
    queryRunner: QueryRunner,
    from: Position,
    to: Position,
  ): Promise<void> {
    const transaction = projectionTransaction(queryRunner, shadowTableName);
    for (let after = from; ;) {
      const rows = (await queryRunner.query(GAP_EVENTS_SQL, [
        after.xid,
        after.position,
        to.xid,
        to.position,
        [...projection.eventTypes],
        GAP_BATCH_SIZE,
      ])) as EventRow[];
      if (rows.length === 0) return;
      // Read by hand (under the live checkpoint's lock), so upcast and reveal as the store's
      // reads do.
      const events = await Promise.all(rows.map((row) => this.events.upcast(toRecordedEvent(row))));
      await projection.apply(events, transaction);
      const last = rows[rows.length - 1];
      after = { xid: last.transaction_id, position: last.global_position };
    }
  }

  private async reached(checkpoint: string, tail: Position): Promise<boolean> {
    const [{ reached }] = await this.dataSource.query<{ reached: boolean }[]>(
      CHECKPOINT_REACHED_SQL,
      [checkpoint, tail.xid, tail.position],
    );
    return reached;
  }

  private async head(): Promise<bigint> {
    const [{ head }] = await this.dataSource.query<{ head: string }[]>(HEAD_SQL);
    return BigInt(head);
  }
}
