import { FaultRecord } from '../faults/fault-record';
import { OperationRecord } from '../workload/history';
import { CheckContext } from './check-context';
import { skipped, Verdict, verdict } from './verdict';

const LIMIT_MS = 5_000;

/** When the operation got its definite answer (2xx or a refusal): its last attempt ended. */
const answeredAt = (operation: OperationRecord): number | undefined =>
  operation.outcome === 'indefinite' ? undefined : operation.attempts.at(-1)?.endedAt;

export interface KillMeasurement {
  readonly instance: string | undefined;
  readonly killedAt: number | undefined;
  readonly restartedListeningAt: number | undefined;
  readonly inFlight: number;
  /** Per operation in flight at the kill: its answer's time after the restart (0 if before). */
  readonly answeredAfterMs: readonly (number | null)[];
  /** The same answers' time after the kill itself. */
  readonly answeredAfterKillMs: readonly (number | null)[];
}

function measure(fault: FaultRecord, operations: readonly OperationRecord[]): KillMeasurement {
  const killedAt = fault.killedAt ?? NaN;
  const listening = fault.restartedListeningAt;
  const cut = operations.filter((operation) =>
    operation.attempts.some(
      (a) =>
        a.instance === fault.instance &&
        a.incarnation === fault.killedIncarnation &&
        a.sentAt <= killedAt &&
        a.endedAt >= killedAt,
    ),
  );
  const answeredAfterMs = cut.map((operation) => {
    const at = answeredAt(operation);
    if (at === undefined || listening === undefined) return null;
    return Math.max(0, at - listening);
  });
  const answeredAfterKillMs = cut.map((operation) => {
    const at = answeredAt(operation);
    return at === undefined ? null : at - killedAt;
  });
  return {
    instance: fault.instance,
    killedAt: fault.killedAt,
    restartedListeningAt: listening,
    inFlight: cut.length,
    answeredAfterMs,
    answeredAfterKillMs,
  };
}

/**
 * After each kill -9 of an instance: the requests in flight on it were cut (the client saw a
 * reset) and retried with the same key; how long after the restarted process listened did
 * they get their definite answer (0 if the other instance answered before that)?
 * PASS when all answered within 5 s of the restart.
 */
export function checkAppKillRecovery({ history, faults }: CheckContext): Verdict {
  const kills = faults.filter((fault) => fault.kind === 'app-kill' && fault.killedAt !== undefined);
  if (kills.length === 0) return skipped('app-kill-recovery', 'no app-kill injected');
  const measured = kills.map((fault) => measure(fault, history.operations));
  const all = measured.flatMap((m) => m.answeredAfterMs);
  const never = all.filter((ms) => ms === null).length;
  const worst = Math.max(0, ...all.map((ms) => ms ?? 0));
  const notRestarted = measured.filter((m) => m.restartedListeningAt === undefined).length;
  const sinceKill = Math.max(
    0,
    ...measured.flatMap((m) => m.answeredAfterKillMs.map((ms) => ms ?? 0)),
  );
  return verdict(
    'app-kill-recovery',
    never === 0 && notRestarted === 0 && worst < LIMIT_MS,
    `${kills.length} kill(s), ${all.length} requests in flight: slowest answered ` +
      `${worst.toFixed(0)} ms after the restart listened (limit ${LIMIT_MS}; ${sinceKill.toFixed(0)} ms after the kill), ` +
      `${never} never answered` +
      (notRestarted ? `, ${notRestarted} instance(s) not restarted` : ''),
    measured,
  );
}
