import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { processMetrics } from './process-metrics';

/** Request and command latencies: a few milliseconds up to the 30 s request timeout. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Append transactions: sub-millisecond on a local server, seconds only when something is wrong. */
const APPEND_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Appends per group commit: 1 on an idle system, up to the batch limit (64) under load. */
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64];

/** Where a scrape reads the database; each can fail alone (ledgerline_scrape_errors_total). */
export const SCRAPE_SOURCES = ['projections', 'outbox', 'process_managers'] as const;
export type ScrapeSource = (typeof SCRAPE_SOURCES)[number];

/**
 * Every metric this app instance exports, in a registry of its own: several instances in
 * one process (the tests start a few) must not share counters or clash on names. The Node
 * process metrics are the exception, kept once per process (see process-metrics.ts).
 */
@Injectable()
export class LedgerlineMetrics {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'ledgerline_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern (unmatched when no route took the request) and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly commands = new Counter({
    name: 'ledgerline_commands_total',
    help: 'Commands handled by type and outcome (succeeded, replayed, refused, failed); code is the error code of refused and failed ones',
    labelNames: ['command', 'outcome', 'code'] as const,
    registers: [this.registry],
  });

  readonly commandDuration = new Histogram({
    name: 'ledgerline_command_duration_seconds',
    help: 'Command handling time by type and outcome, retries included',
    labelNames: ['command', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly commandConflicts = new Counter({
    name: 'ledgerline_command_conflicts_total',
    help: "Version conflicts commands met on append (another writer's commit); each one is decided again or refused",
    labelNames: ['command'] as const,
    registers: [this.registry],
  });

  readonly commandRetriesExhausted = new Counter({
    name: 'ledgerline_command_retries_exhausted_total',
    help: 'Commands that ran out of conflict retries',
    labelNames: ['command'] as const,
    registers: [this.registry],
  });

  readonly appendDuration = new Histogram({
    name: 'ledgerline_append_duration_seconds',
    help: 'Append transactions by kind (group-commit, multi-stream) and whether they committed',
    labelNames: ['kind', 'committed'] as const,
    buckets: APPEND_BUCKETS,
    registers: [this.registry],
  });

  readonly appendBatchSize = new Histogram({
    name: 'ledgerline_append_batch_size',
    help: 'Stream appends per append transaction, by kind',
    labelNames: ['kind'] as const,
    buckets: BATCH_SIZE_BUCKETS,
    registers: [this.registry],
  });

  readonly appendedEvents = new Counter({
    name: 'ledgerline_appended_events_total',
    help: 'Events committed to the event store by this instance, by append kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly projectionLagEvents = new Gauge({
    name: 'ledgerline_projection_lag_events',
    help: 'Events a projection has still to process (up to the gap-safe head)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly projectionLagSeconds = new Gauge({
    name: 'ledgerline_projection_lag_seconds',
    help: 'Age of the oldest event a projection has still to process; 0 when caught up',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly projectionStatus = new Gauge({
    name: 'ledgerline_projection_status',
    help: '1 for the status a projection is in (running, catching-up, parked, rebuilding), 0 for the others',
    labelNames: ['projection', 'status'] as const,
    registers: [this.registry],
  });

  readonly outboxPending = new Gauge({
    name: 'ledgerline_outbox_pending_messages',
    help: 'Outbox messages not yet published (including those waiting for a retry)',
    registers: [this.registry],
  });

  readonly outboxOldestPendingAge = new Gauge({
    name: 'ledgerline_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest unpublished outbox message; 0 when none',
    registers: [this.registry],
  });

  readonly outboxDeadLetters = new Gauge({
    name: 'ledgerline_outbox_dead_letters',
    help: 'Outbox messages that ran out of attempts and wait for an operator',
    registers: [this.registry],
  });

  readonly outboxPublished = new Counter({
    name: 'ledgerline_outbox_published_total',
    help: "Messages this instance's relay published (broker confirmed)",
    registers: [this.registry],
  });

  readonly outboxPublishFailures = new Counter({
    name: 'ledgerline_outbox_publish_failures_total',
    help: "Failed publish attempts charged to messages by this instance's relay",
    registers: [this.registry],
  });

  readonly processCommandsPending = new Gauge({
    name: 'ledgerline_process_commands_pending',
    help: 'Process-manager commands waiting to be sent (due or backing off)',
    registers: [this.registry],
  });

  readonly processCommandsRetrying = new Gauge({
    name: 'ledgerline_process_commands_retrying',
    help: 'Pending process-manager commands that have failed at least once',
    registers: [this.registry],
  });

  readonly processCommandsParked = new Gauge({
    name: 'ledgerline_process_commands_parked',
    help: 'Process-manager commands parked after their last allowed attempt, waiting for an operator',
    registers: [this.registry],
  });

  readonly processDeadlinesDue = new Gauge({
    name: 'ledgerline_process_deadlines_due',
    help: 'Process-manager deadlines past due and not yet fired',
    registers: [this.registry],
  });

  readonly dbPoolConnections = new Gauge({
    name: 'ledgerline_db_pool_connections',
    help: "This instance's database pool connections, in use or idle",
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly dbPoolWaiting = new Gauge({
    name: 'ledgerline_db_pool_waiting_requests',
    help: 'Queries waiting for a pooled database connection',
    registers: [this.registry],
  });

  readonly dbPoolMax = new Gauge({
    name: 'ledgerline_db_pool_max_connections',
    help: "The pool's size limit (DATABASE_POOL_SIZE)",
    registers: [this.registry],
  });

  readonly scrapeErrors = new Counter({
    name: 'ledgerline_scrape_errors_total',
    help: 'Scrapes that could not read a source (the database down or too slow); its metrics are left out of that scrape',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Present from the start, so rate() and alerts see the first error as an increase.
    for (const source of SCRAPE_SOURCES) this.scrapeErrors.inc({ source }, 0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text of this instance's metrics and the Node process's. */
  async render(): Promise<string> {
    const [process, app] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${process}\n${app}`;
  }
}
