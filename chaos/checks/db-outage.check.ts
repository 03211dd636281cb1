import { summarise } from '../../bench/freshness/latency-summary';
import { FaultRecord } from '../faults/fault-record';
import { AppFleet } from '../infra/app-fleet';
import { AttemptRecord } from '../workload/history';
import { CheckContext } from './check-context';
import { Verdict, skipped, verdict } from './verdict';

const P99_LIMIT_MS = 1_000;
const RECOVERY_LIMIT_MS = 5_000;
/** Attempts with a shorter client deadline cannot tell a slow answer from none: left out. */
const MIN_OBSERVABLE_TIMEOUT_MS = 2_000;

export interface OutageMeasurement {
  readonly kind: string;
  readonly downAt: number;
  readonly downForMs: number;
  readonly samples: number;
  readonly p99Ms: number;
  readonly unanswered: number;
  readonly share503WithRetryAfter: number;
  readonly recoveryMs: number | null;
  /**
   * The slowest of those requests, so a failure names what waited: which instance, when it was
   * sent and how it ended, against the outage's own times (milliseconds after it began).
   */
  readonly slowest: SlowAttempt | null;
}

export interface SlowAttempt {
  readonly instance: string;
  readonly sentAfterDownMs: number;
  readonly tookMs: number;
  /** The HTTP status and problem code, or how the client gave up. */
  readonly outcome: string;
}

const outcomeOf = (attempt: AttemptRecord): string => {
  const { result } = attempt;
  if (result.kind !== 'response') return `no answer (${result.reason})`;
  const body: unknown = result.body;
  const code =
    typeof body === 'object' && body !== null && 'code' in body && typeof body.code === 'string'
      ? ` ${body.code}`
      : '';
  return `${result.status}${code}`;
};

/** How long an attempt took; no answer counts as the client's whole deadline. */
const latencyOf = (attempt: AttemptRecord): number =>
  attempt.result.kind === 'no-answer'
    ? Math.max(attempt.timeoutMs, attempt.endedAt - attempt.sentAt)
    : attempt.endedAt - attempt.sentAt;

const is2xx = (attempt: AttemptRecord): boolean =>
  attempt.result.kind === 'response' && attempt.result.status >= 200 && attempt.result.status < 300;

/**
 * Was the attempt cut because the checker killed its process (an app-kill mixed in)? Then it
 * says nothing about how the app handles the database going away.
 */
function cutByKill(attempt: AttemptRecord, fleet: AppFleet): boolean {
  if (attempt.result.kind !== 'no-answer') return false;
  const instance = fleet.instances.find((candidate) => candidate.name === attempt.instance);
  const incarnation = instance?.incarnations.find((i) => i.n === attempt.incarnation);
  return (
    incarnation?.exit?.expected === true &&
    (incarnation.exitedAt ?? Infinity) <= attempt.endedAt + 100
  );
}

function measure(
  fault: FaultRecord,
  attempts: readonly AttemptRecord[],
  fleet: AppFleet,
): OutageMeasurement {
  const downAt = fault.databaseDownAt ?? 0;
  const upAt = fault.databaseUpAt ?? Infinity;
  const during = attempts.filter(
    (a) =>
      a.sentAt >= downAt &&
      a.sentAt <= upAt &&
      a.timeoutMs >= MIN_OBSERVABLE_TIMEOUT_MS &&
      !cutByKill(a, fleet),
  );
  // A reset or a timeout is no answer: it counts as the whole client deadline, so an app that
  // drops connections does not look fast.
  const latency = summarise(during.map(latencyOf));
  const slowest = during.reduce<AttemptRecord | null>(
    (worst, a) => (worst === null || latencyOf(a) > latencyOf(worst) ? a : worst),
    null,
  );
  const polite = during.filter(
    (a) => a.result.kind === 'response' && a.result.status === 503 && a.result.retryAfter !== null,
  ).length;
  const firstWrite = attempts
    .filter((a) => is2xx(a) && a.endedAt >= upAt)
    .reduce((first, a) => Math.min(first, a.endedAt), Infinity);
  return {
    kind: fault.kind,
    downAt,
    downForMs: upAt - downAt,
    samples: during.length,
    p99Ms: latency.samples ? latency.p99 : 0,
    unanswered: during.filter((a) => a.result.kind === 'no-answer').length,
    share503WithRetryAfter: during.length ? polite / during.length : 0,
    recoveryMs: Number.isFinite(firstWrite) ? firstWrite - upAt : null,
    slowest: slowest && {
      instance: slowest.instance,
      sentAfterDownMs: Math.round(slowest.sentAt - downAt),
      tookMs: Math.round(latencyOf(slowest)),
      outcome: outcomeOf(slowest),
    },
  };
}

/**
 * During each PostgreSQL restart or crash: how long requests sent while the database was down
 * took to get an answer (p99, no answer counting as the client's whole deadline; expected a
 * quick 503 problem with Retry-After, whose share is reported), and how long after the database was back the first write succeeded.
 * PASS when every outage has p99 < 1 s and recovery < 5 s.
 */
export function checkDatabaseOutages({ history, faults, fleet }: CheckContext): Verdict {
  const outages = faults.filter(
    (f) => (f.kind === 'pg-restart' || f.kind === 'pg-crash') && f.databaseDownAt !== undefined,
  );
  if (outages.length === 0) return skipped('db-outage', 'no pg-restart or pg-crash injected');
  const attempts = history.operations.flatMap((operation) => operation.attempts);
  const measured = outages.map((fault) => measure(fault, attempts, fleet));
  const failing = measured.filter(
    (m) =>
      (m.samples > 0 && m.p99Ms >= P99_LIMIT_MS) ||
      m.recoveryMs === null ||
      m.recoveryMs >= RECOVERY_LIMIT_MS,
  );
  const samples = measured.reduce((sum, m) => sum + m.samples, 0);
  const worstP99 = Math.max(...measured.map((m) => m.p99Ms));
  const recoveries = measured.map((m) => m.recoveryMs ?? Infinity);
  const polite = measured.reduce((sum, m) => sum + m.share503WithRetryAfter * m.samples, 0);
  const unanswered = measured.reduce((sum, m) => sum + m.unanswered, 0);
  // A failing outage names its slowest request, to tell a slow 503 from a slow success after
  // the database came back (the window ends when the checker could connect again).
  const slowLines = failing.flatMap((m) =>
    m.slowest
      ? [
          `; ${m.kind} down ${m.downForMs.toFixed(0)} ms: slowest on ${m.slowest.instance} sent ` +
            `+${m.slowest.sentAfterDownMs} ms, ${m.slowest.outcome} after ${m.slowest.tookMs} ms`,
        ]
      : [],
  );
  return verdict(
    'db-outage',
    failing.length === 0 && !outages.some((f) => f.error),
    `${outages.length} outage(s), ${samples} requests sent while down: worst p99 ${worstP99.toFixed(0)} ms ` +
      `(limit ${P99_LIMIT_MS}), ${unanswered} unanswered, ` +
      `${samples ? ((100 * polite) / samples).toFixed(0) : 0}% 503 with Retry-After; ` +
      `first write after recovery ${recoveries.map((r) => (Number.isFinite(r) ? `${r.toFixed(0)} ms` : 'never')).join(', ')} ` +
      `(limit ${RECOVERY_LIMIT_MS})` +
      slowLines.join(''),
    measured,
  );
}
