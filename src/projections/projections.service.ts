import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import {
  EventStore,
  Projection,
  ProjectionLease,
  ProjectionGroup,
  ProjectionRunner,
  ProjectionStatus,
  SOLE_INSTANCE_LEASE,
} from '@ledgerline/event-sourcing';
import { DurableEventsHandlers, DurableSagas } from '@ledgerline/event-sourcing/nest';
import {
  PostgresCoordinator,
  PostgresProjectionStore,
  statelessProcessProjection,
} from '@ledgerline/event-sourcing/postgres';
import { CommitSignal } from '../database/commit-signal';
import { EVENT_STORE } from '../database/database.tokens';
import { DatabaseSettings } from '../database/database-settings';
import { CountingProjectionStore } from './counting-projection-store';
import {
  HAS_PASSED_SQL,
  PROJECTION_STATUS_SQL,
  READ_YOUR_WRITES_SQL,
} from './projection-status.sql';
import {
  DATABASE_SETTINGS,
  PROJECTIONS,
  PROJECTIONS_OPTIONS,
  ProjectionsOptions,
} from './projections.tokens';
import { ProjectionNotFoundError } from './projection.errors';

/** A rebuild in progress anywhere in the cluster, as its claim records it. */
export interface RebuildView {
  /** host:pid of the process that rebuilds (an app instance or the CLI). */
  claimedBy: string;
  startedAt: string;
  /** The shadow's position and the head it is catching up to, as last reported. */
  position: string;
  headPosition: string;
}

/** One row of GET /admin/projections. */
export interface ProjectionView {
  name: string;
  position: string;
  headPosition: string;
  lag: { events: number; ms: number };
  status: ProjectionStatus;
  lastError: string | null;
  /** Whether this instance holds the projection's lease (exactly one instance does). */
  leaseHeldHere: boolean;
  /** Batches this instance has committed for the projection since it started. */
  batchesAppliedHere: number;
  /** The rebuild in progress, whichever instance runs it; null when none is. */
  rebuild: RebuildView | null;
}

interface StatusRow {
  name: string;
  position: string;
  head_position: string;
  parked: boolean;
  failures: number;
  last_error: string | null;
  lag_events: number;
  lag_ms: number;
  rebuild_by: string | null;
  rebuild_started_at: Date | null;
  rebuild_position: string | null;
  rebuild_head: string | null;
}

/**
 * How far behind (in global positions) a projection may be for read-your-writes to look for
 * the last relevant event before the client's one; further behind, it waits for the event
 * itself rather than scan that far back (a reader would most likely time out anyway).
 */
const SHORTCUT_MAX_DISTANCE = 10_000;

interface ReadYourWritesRow {
  processed: boolean;
  readable: boolean;
  scanned: boolean;
  event_transaction_id: string;
  event_position: string;
  relevant_transaction_id: string | null;
  relevant_position: string | null;
}

interface LogPositionText {
  transactionId: string;
  position: string;
}

/** What a read waits for, once the client's event is readable (READ_YOUR_WRITES_SQL). */
function waitTarget(row: ReadYourWritesRow): LogPositionText | 'nothing-to-apply' {
  if (!row.scanned)
    return { transactionId: row.event_transaction_id, position: row.event_position };
  if (row.relevant_transaction_id === null || row.relevant_position === null)
    return 'nothing-to-apply';
  return { transactionId: row.relevant_transaction_id, position: row.relevant_position };
}

/**
 * Session advisory locks are per database, not per schema: two deployments (or test files)
 * in different schemas of one database must not fight over one projection name's lease.
 */
function schemaScopedLease(lease: ProjectionLease, schema: string): ProjectionLease {
  return {
    tryAcquire: (name) => lease.tryAcquire(`${schema}.${name}`),
    release: (name) => lease.release(`${schema}.${name}`),
  };
}

/**
 * Runs the app's asynchronous projections: one runner each, stepped together by one group
 * while they stand at one position (one read and one commit per batch for all), woken by
 * NOTIFY (polling on the embedded database), each held by one instance at a time through an
 * advisory-lock lease.
 * Rebuild status comes from the database (`projection_rebuilds`), so every instance shows a
 * rebuild whichever process runs it.
 */
@Injectable()
export class ProjectionsService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Projections');
  private readonly checkpoints: PostgresProjectionStore;
  /** The runners' store: counts the batches this instance committed. */
  private readonly counted: CountingProjectionStore;
  private readonly runners = new Map<string, ProjectionRunner>();
  /** Steps the projections that stand at one position together: one read, one commit. */
  private group?: ProjectionGroup;
  private coordinator?: PostgresCoordinator;
  private unsubscribe?: () => void;
  /** The listed projections, then the `@EventsHandler` classes and `@Saga()` streams found. */
  private projections: readonly Projection[];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(PROJECTIONS) listed: Projection[],
    private readonly eventsHandlers: DurableEventsHandlers,
    private readonly sagas: DurableSagas,
    @Inject(DATABASE_SETTINGS) private readonly database: DatabaseSettings,
    @Inject(PROJECTIONS_OPTIONS) private readonly options: ProjectionsOptions,
    private readonly commits: CommitSignal,
  ) {
    this.checkpoints = new PostgresProjectionStore(dataSource);
    this.counted = new CountingProjectionStore(this.checkpoints);
    this.projections = listed;
  }

  /** Every provider exists by now: the handlers and sagas are found among them. */
  onModuleInit(): void {
    const handlers = [
      ...this.eventsHandlers.projections(),
      ...this.sagas.managers().map(statelessProcessProjection),
    ];
    const taken = new Set(this.projections.map((projection) => projection.name));
    const clash = handlers.find((handler) => taken.has(handler.name));
    if (clash) throw new Error(`the checkpoint ${clash.name} is a projection's already`);
    this.projections = [...this.projections, ...handlers];
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.autoStart) return;
    let lease: ProjectionLease = SOLE_INSTANCE_LEASE;
    if (!this.database.embedded) {
      this.coordinator = new PostgresCoordinator(
        {
          connectionString: this.database.url,
          application_name: `${this.database.applicationName ?? 'ledgerline'}-coordinator`,
          connectionTimeoutMillis: this.database.timeouts?.connectMs,
        },
        () => this.commits.raise(),
        (error) =>
          this.logger.warn(
            `coordinator session lost, leases will be re-acquired: ${String(error)}`,
          ),
        this.database.schema,
      );
      await this.coordinator.connect();
      lease = schemaScopedLease(this.coordinator, this.database.schema);
    }
    this.unsubscribe = this.commits.subscribe(() =>
      this.runners.forEach((runner) => runner.wake()),
    );
    for (const projection of this.projections.filter((p) => p.lifecycle === 'async')) {
      const runner = new ProjectionRunner(this.events, this.counted, projection, lease);
      this.runners.set(projection.name, runner);
      runner.start();
    }
    this.group = new ProjectionGroup(this.events, this.counted, [...this.runners.values()]);
    this.group.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.group?.stop();
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    this.runners.clear();
    await this.coordinator?.close();
  }

  /** The projection called `name`. @throws ProjectionNotFoundError */
  find(name: string): Projection {
    const projection = this.projections.find((p) => p.name === name);
    if (!projection) throw new ProjectionNotFoundError(name);
    return projection;
  }

  async list(): Promise<ProjectionView[]> {
    const names = this.projections.map((p) => p.name);
    await Promise.all(names.map((name) => this.checkpoints.checkpoint(name)));
    const rows: StatusRow[] = await this.dataSource.query(PROJECTION_STATUS_SQL, [names]);
    return rows.map((row) => ({
      name: row.name,
      position: row.position,
      headPosition: row.head_position,
      lag: { events: row.lag_events, ms: row.lag_ms },
      status: this.statusOf(row),
      lastError: row.last_error,
      leaseHeldHere: this.runners.get(row.name)?.localStatus.holdsLease ?? false,
      batchesAppliedHere: this.counted.appliedBatches(row.name),
      rebuild:
        row.rebuild_by === null
          ? null
          : {
              claimedBy: row.rebuild_by,
              startedAt: (row.rebuild_started_at ?? new Date(0)).toISOString(),
              position: row.rebuild_position ?? '0',
              headPosition: row.rebuild_head ?? '0',
            },
    }));
  }

  /** Clears a parked projection's failure state so its runner tries again. */
  async resume(name: string): Promise<void> {
    this.find(name);
    await this.checkpoints.resume(name);
    this.runners.get(name)?.wake();
  }

  /**
   * Waits until projection `name` has processed the event at `position`, polling, for at most
   * the configured read-your-writes timeout. Once the event is readable, what it waits for is
   * fixed: the last event of the projection's types at or before it (none: done at once, the
   * projection ignores everything since its checkpoint). @returns false on timeout.
   */
  async waitUntilProcessed(name: string, position: bigint): Promise<boolean> {
    const deadline = Date.now() + this.options.readYourWritesTimeoutMs;
    const types = this.projections.find((projection) => projection.name === name)?.eventTypes;
    let target: LogPositionText | undefined;
    for (;;) {
      if (target) {
        const [{ passed }] = await this.dataSource.query<{ passed: boolean }[]>(HAS_PASSED_SQL, [
          name,
          target.transactionId,
          target.position,
        ]);
        if (passed) return true;
      } else {
        const [first] = await this.dataSource.query<ReadYourWritesRow[]>(READ_YOUR_WRITES_SQL, [
          name,
          position.toString(),
          types ?? [],
          types ? SHORTCUT_MAX_DISTANCE : -1,
        ]);
        if (first?.processed) return true;
        if (first?.readable) {
          const found = waitTarget(first);
          if (found === 'nothing-to-apply') return true;
          target = found;
        }
      }
      if (Date.now() >= deadline) return false;
      this.runners.get(name)?.wake();
      await sleep(20);
    }
  }

  private statusOf(row: StatusRow): ProjectionStatus {
    if (row.rebuild_by !== null) return 'rebuilding';
    if (row.parked) return 'parked';
    return row.lag_events > 0 ? 'catching-up' : 'running';
  }
}
