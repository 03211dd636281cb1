import { OperationKind, OperationRecord } from '../workload/history';
import { LogSnapshot, LoggedEvent } from './log-snapshot';

/** The event each kind of write must leave once (and only once) when it happened. */
export const PRIMARY_EVENT: Readonly<Record<OperationKind, string>> = {
  register: 'CustomerRegistered',
  open: 'AccountOpened',
  deposit: 'MoneyDeposited',
  withdraw: 'MoneyWithdrawn',
  transfer: 'TransferInitiated',
  close: 'AccountClosed',
  unregister: 'CustomerUnregistered',
};

/**
 * What a process manager writes as its events' actor: `system:<manager>` (a request's events
 * carry `user:<sub>` of its token). Spelled out, not imported from the app.
 */
export const SYSTEM_ACTOR_PREFIX = 'system:';

export const bySystem = (event: LoggedEvent): boolean =>
  event.actor?.startsWith(SYSTEM_ACTOR_PREFIX) ?? false;

/**
 * The primary events an operation left in the log: matched by its Idempotency-Key, which the
 * client also sent as X-Correlation-Id (recorded in every event's metadata, and kept when a
 * retry is re-decided). A transfer's process carries the same correlation id on the events it
 * writes on the request's behalf, with a system actor: those are not the request's own.
 */
export function primaryEvents(operation: OperationRecord, log: LogSnapshot): LoggedEvent[] {
  return (log.byCorrelation.get(operation.key) ?? []).filter(
    (event) => event.type === PRIMARY_EVENT[operation.kind] && !bySystem(event),
  );
}

/** The operations whose write is in the log (acknowledged, or indefinite but applied). */
export function appliedOperations(
  operations: readonly OperationRecord[],
  log: LogSnapshot,
): Map<OperationRecord, LoggedEvent> {
  const applied = new Map<OperationRecord, LoggedEvent>();
  for (const operation of operations) {
    const [event] = primaryEvents(operation, log);
    if (event) applied.set(operation, event);
  }
  return applied;
}
