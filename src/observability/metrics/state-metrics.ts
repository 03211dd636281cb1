import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool } from 'pg';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { ProjectionStatus } from '@ledgerline/event-sourcing';
import { OutboxRelayService } from '../../messaging/outbox-relay.service';
import { ProjectionsService, ProjectionView } from '../../projections/projections.service';
import { LedgerlineMetrics, ScrapeSource } from './ledgerline-metrics';
import { OUTBOX_METRICS_SQL, PROCESS_METRICS_SQL } from './metrics.sql';

/**
 * Longest a scrape waits for one source's queries. Well inside Prometheus's default
 * scrape_timeout (10 s): a database that hangs costs that source's figures, not the scrape.
 */
export const SCRAPE_SOURCE_TIMEOUT_MS = 3_000;

const PROJECTION_STATUSES: readonly ProjectionStatus[] = [
  'running',
  'catching-up',
  'parked',
  'rebuilding',
];

interface OutboxRow {
  pending: number;
  dead_letters: number;
  oldest_pending_age_seconds: number;
}

interface ProcessRow {
  pending: number;
  retrying: number;
  parked: number;
  deadlines_due: number;
}

class SourceTimeoutError extends Error {
  constructor(source: ScrapeSource) {
    super(`${source}: no answer within ${SCRAPE_SOURCE_TIMEOUT_MS} ms`);
  }
}

/**
 * Drops every series of `gauges`, so a scrape shows none rather than a stale or made-up value.
 * reset() alone leaves a gauge without labels at 0 (prom-client keeps that one series), and
 * "0 dead letters" while the database cannot be read would be a lie; remove({}) drops it.
 */
function forget(...gauges: Gauge[]): void {
  for (const gauge of gauges) {
    gauge.reset();
    gauge.remove({});
  }
}

function withTimeout<T>(work: Promise<T>, source: ScrapeSource): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SourceTimeoutError(source)), SCRAPE_SOURCE_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The gauges read at scrape time: projections (ProjectionsService.list, as GET
 * /admin/projections shows them), outbox and process-manager backlogs (one cheap statement
 * each), the pool and the relay's counters (in memory). Figures of the database are the
 * cluster's, the same from every instance; the pool and relay figures are this instance's.
 *
 * A source that fails or is slower than SCRAPE_SOURCE_TIMEOUT_MS is left out of the scrape
 * (its series disappear rather than show stale values) and counted in
 * ledgerline_scrape_errors_total; the scrape itself always answers. A source whose previous
 * read still runs is not read again, so a hanging database never piles up queries.
 */
@Injectable()
export class StateMetrics {
  private readonly logger = new Logger('Metrics');
  private refreshing?: Promise<void>;
  private readonly reading = new Set<ScrapeSource>();
  private readonly failing = new Set<ScrapeSource>();
  private readonly relayCounted = { published: 0, rejected: 0 };

  constructor(
    private readonly metrics: LedgerlineMetrics,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly projections: ProjectionsService,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Brings every scrape-time gauge up to date; concurrent scrapes share one refresh. */
  refresh(): Promise<void> {
    this.refreshing ??= this.refreshAll().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refreshAll(): Promise<void> {
    this.samplePool();
    this.sampleRelay();
    await Promise.all([
      this.sample(
        'projections',
        () => this.projections.list(),
        (rows) => this.applyProjections(rows),
        () =>
          forget(
            this.metrics.projectionLagEvents,
            this.metrics.projectionLagSeconds,
            this.metrics.projectionStatus,
          ),
      ),
      this.sample(
        'outbox',
        () => this.dataSource.query<OutboxRow[]>(OUTBOX_METRICS_SQL),
        ([row]) => {
          this.metrics.outboxPending.set(row.pending);
          this.metrics.outboxDeadLetters.set(row.dead_letters);
          this.metrics.outboxOldestPendingAge.set(row.oldest_pending_age_seconds);
        },
        () =>
          forget(
            this.metrics.outboxPending,
            this.metrics.outboxDeadLetters,
            this.metrics.outboxOldestPendingAge,
          ),
      ),
      this.sample(
        'process_managers',
        () => this.dataSource.query<ProcessRow[]>(PROCESS_METRICS_SQL),
        ([row]) => {
          this.metrics.processCommandsPending.set(row.pending);
          this.metrics.processCommandsRetrying.set(row.retrying);
          this.metrics.processCommandsParked.set(row.parked);
          this.metrics.processDeadlinesDue.set(row.deadlines_due);
        },
        () =>
          forget(
            this.metrics.processCommandsPending,
            this.metrics.processCommandsRetrying,
            this.metrics.processCommandsParked,
            this.metrics.processDeadlinesDue,
          ),
      ),
    ]);
  }

  private async sample<T>(
    source: ScrapeSource,
    read: () => Promise<T>,
    apply: (value: T) => void,
    clear: () => void,
  ): Promise<void> {
    try {
      if (this.reading.has(source)) throw new Error(`${source}: the previous read still runs`);
      this.reading.add(source);
      const reading = read().finally(() => this.reading.delete(source));
      apply(await withTimeout(reading, source));
      if (this.failing.delete(source)) this.logger.log(`${source} readable again`);
    } catch (error) {
      clear();
      this.metrics.scrapeErrors.inc({ source });
      // Once per outage, not once per scrape.
      if (!this.failing.has(source)) {
        this.failing.add(source);
        this.logger.warn(`scrape left out ${source}: ${String(error)}`);
      }
    }
  }

  private applyProjections(rows: readonly ProjectionView[]): void {
    // Forget first: a projection that is gone must not keep its last figures.
    forget(
      this.metrics.projectionLagEvents,
      this.metrics.projectionLagSeconds,
      this.metrics.projectionStatus,
    );
    for (const row of rows) {
      const projection = row.name;
      this.metrics.projectionLagEvents.set({ projection }, row.lag.events);
      this.metrics.projectionLagSeconds.set({ projection }, row.lag.ms / 1000);
      for (const status of PROJECTION_STATUSES)
        this.metrics.projectionStatus.set({ projection, status }, status === row.status ? 1 : 0);
    }
  }

  /** The TypeORM DataSource's pg pool, when it has one (it always has on PostgreSQL). */
  private samplePool(): void {
    const driver: unknown = this.dataSource.driver;
    const pool: unknown =
      typeof driver === 'object' && driver !== null && 'master' in driver
        ? driver.master
        : undefined;
    if (!(pool instanceof Pool)) return;
    this.metrics.dbPoolConnections.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
    this.metrics.dbPoolConnections.set({ state: 'idle' }, pool.idleCount);
    this.metrics.dbPoolWaiting.set(pool.waitingCount);
    if (pool.options.max !== undefined) this.metrics.dbPoolMax.set(pool.options.max);
  }

  /** The relay keeps running totals; the counters take what they have not seen yet. */
  private sampleRelay(): void {
    const relay = this.relay();
    if (!relay) return;
    const { published, rejected } = relay.stats;
    this.metrics.outboxPublished.inc(Math.max(0, published - this.relayCounted.published));
    this.metrics.outboxPublishFailures.inc(Math.max(0, rejected - this.relayCounted.rejected));
    this.relayCounted.published = published;
    this.relayCounted.rejected = rejected;
  }

  private relay(): OutboxRelayService | undefined {
    try {
      return this.moduleRef.get(OutboxRelayService, { strict: false });
    } catch {
      return undefined; // no messaging module in this graph: nothing to count
    }
  }
}
