/*
 * `@ledgerline/event-sourcing/postgres`: the PostgreSQL implementations of the core's ports
 * (event store, projection checkpoints and leases, outbox and inbox, process managers,
 * coordination between instances) on a TypeORM DataSource, and their migrations.
 */
export * from './postgres-event-store';
export * from './append-observer';
export * from './run-in-transaction';
export * from './pg-errors';
export * from './migrations';
export * from './postgres-projection-store';
export * from './projection-transaction';
export * from './postgres-coordinator';
export * from './postgres-commit-notifier';
export * from './postgres-outbox-store';
export * from './postgres-inbox';
export * from './postgres-process-managers';
export * from './sql/event-row';
export * from './postgres-instance-liveness';
export * from './projection-rebuilder';
export * from './projection-rebuild-guard';
export * from './tamper-evidence';
export * from './table-statistics';
