/*
 * `@ledgerline/event-sourcing`: the core. Events, deciders, expected versions, the event
 * store port, command execution with retry, projections, the outbox relay and process
 * managers over ports, upcasting. No database driver and no framework is loaded from here:
 * the PostgreSQL implementations are `@ledgerline/event-sourcing/postgres`, the test helpers
 * `@ledgerline/event-sourcing/testing`.
 */
export * from './core/json';
export * from './core/event';
export * from './core/expected-version';
export * from './core/errors';
export * from './core/unknown-event-type.error';
export * from './core/decider';
export * from './core/background-loop';
export * from './core/event-store.port';
export * from './core/protected-event-store';
export * from './core/wake-signal';
export * from './core/upcasting';
export * from './aggregate/aggregate-repository';
export * from './aggregate/command-executor';
export * from './aggregate/command-observer';
export * from './aggregate/keyed-batch-queue';
export * from './aggregate/keyed-lock';
export * from './aggregate/stream-locks';
export * from './aggregate/retry-policy';
export * from './aggregate/multi-stream-command-executor';
export * from './aggregate/snapshot-policy';
export * from './projections/projection';
export * from './projections/projection-store.port';
export * from './projections/projection-lease.port';
export * from './projections/projection-runner';
export * from './projections/projection-group';
export * from './outbox/outbox-message';
export * from './outbox/message-publisher.port';
export * from './outbox/outbox-store.port';
export * from './outbox/outbox-relay';
export * from './outbox/in-process-message-bus';
export * from './sagas/process-manager';
export * from './sagas/process-command';
export * from './sagas/process-manager-store.port';
export * from './sagas/process-manager-worker';
