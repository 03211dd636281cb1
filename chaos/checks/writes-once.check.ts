import { OperationRecord } from '../workload/history';
import { bySystem, primaryEvents } from './applied-operations';
import { CheckContext } from './check-context';
import { derivedCommandIds } from './command-id';
import { LoggedEvent } from './log-snapshot';
import { examples, Verdict, verdict } from './verdict';

const idField = (operation: OperationRecord): string | null => {
  switch (operation.kind) {
    case 'register':
      return 'customerId';
    case 'open':
      return 'accountId';
    case 'transfer':
      return 'transferId';
    default:
      return null;
  }
};

/** Does the event belong to what the operation named (the id it was given, or its path)? */
function sameSubject(operation: OperationRecord, event: LoggedEvent): boolean {
  const field = idField(operation);
  if (field) {
    const body = operation.answer?.body;
    const answered =
      typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
    return answered === undefined || event.data[field] === answered;
  }
  return operation.subject !== null && event.streamId.endsWith(operation.subject);
}

/**
 * Who may have written an event correlated with `operation`: the caller whose token its
 * requests carried (`user:<sub>`), or, for a transfer, the transfer's process (`system:…`).
 */
const actorFits = (operation: OperationRecord, event: LoggedEvent): boolean =>
  event.actor === operation.actor || (operation.kind === 'transfer' && bySystem(event));

/**
 * Every acknowledged write is in the log exactly once, every indefinite one at most once,
 * every refused one not at all, and nothing in the log is unexplained: each event's
 * correlation id is an operation's key (a transfer's process keeps its request's), or the
 * transfer id of a process acting for one. Each event correlated with an operation names the
 * operation's caller as its actor (its process, for a transfer).
 */
export function checkWritesOnce({ history, log }: CheckContext): Verdict {
  const problems: string[] = [];
  let acknowledged = 0;
  let refused = 0;
  let indefiniteApplied = 0;
  let indefiniteNot = 0;
  let derived = 0;
  let matched = 0;
  for (const operation of history.operations) {
    const events = primaryEvents(operation, log);
    const where = `${operation.kind} ${operation.key}`;
    if (operation.outcome === 'acknowledged') {
      acknowledged++;
      if (events.length !== 1)
        problems.push(`${where}: acknowledged, ${events.length} times in the log`);
    } else if (operation.outcome === 'refused') {
      refused++;
      if (events.length !== 0)
        problems.push(`${where}: refused, yet ${events.length} times in the log`);
    } else if (events.length > 1) {
      problems.push(`${where}: indefinite, ${events.length} times in the log`);
    } else if (events.length === 1) indefiniteApplied++;
    else indefiniteNot++;
    for (const event of events) {
      if (!sameSubject(operation, event))
        problems.push(`${where}: its event is on ${event.streamId}`);
      matched++;
      if (event.commandId !== null && derivedCommandIds(operation).includes(event.commandId))
        derived++;
    }
  }
  const byKey = new Map(history.operations.map((operation) => [operation.key, operation]));
  const transfers = new Set(
    log.events
      .filter((event) => event.type === 'TransferInitiated' && byKey.has(event.correlationId ?? ''))
      .map((event) => String(event.data.transferId)),
  );
  const wrongActor: string[] = [];
  const unexplained = log.events.filter((event) => {
    const correlation = event.correlationId ?? '';
    const operation = byKey.get(correlation);
    if (operation) {
      if (!actorFits(operation, event)) {
        wrongActor.push(
          `${event.type} on ${event.streamId} for ${operation.kind} ${operation.key}: actor ` +
            `${event.actor}, its caller is ${operation.actor}`,
        );
      }
      return false;
    }
    // A process's commands stored before it kept its request's correlation id carry the
    // process id (the transfer id) instead.
    return !(bySystem(event) && transfers.has(correlation));
  });
  for (const event of examples(unexplained)) {
    problems.push(
      `unexplained ${event.type} on ${event.streamId} (correlation ${event.correlationId})`,
    );
  }
  problems.push(...examples(wrongActor));
  const pass = problems.length === 0;
  return verdict(
    'writes-once',
    pass,
    `${acknowledged} acknowledged, ${indefiniteApplied + indefiniteNot} indefinite ` +
      `(${indefiniteApplied} applied), ${refused} refused; ${unexplained.length} unexplained events; ` +
      `${wrongActor.length} with another actor than their caller; ` +
      `${derived}/${matched} carry the command id derived from their key` +
      (pass ? '' : `; ${problems.length} problem(s): ${examples(problems, 3).join('; ')}`),
    {
      problems: examples(problems, 200),
      unexplained: unexplained.length,
      wrongActor: wrongActor.length,
    },
  );
}
