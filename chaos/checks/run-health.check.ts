import { exitReason } from '../infra/app-instance';
import { problemCode } from '../workload/retrying-client';
import { CheckContext } from './check-context';
import { examples, Verdict, verdict } from './verdict';

/** No app process exited unless the checker killed or stopped it. */
export function checkAppExits({ fleet }: CheckContext): Verdict {
  const exits = fleet.unexpectedExits.map(
    (exit) =>
      `${exit.instance} (pid ${exit.pid}) at ${(exit.at / 1000).toFixed(1)} s with ${exit.code ?? exit.signal}: ${exitReason(exit)}`,
  );
  return verdict(
    'app-processes',
    exits.length === 0,
    exits.length
      ? `app process exited on its own ${exits.length} time(s): ${examples(exits, 2).join(' | ')}`
      : 'no app process exited on its own',
    { unexpectedExits: fleet.unexpectedExits, startFailures: fleet.startFailures },
  );
}

/** The system came to rest after healing: nothing pending anywhere. */
export function checkQuiescence({ quiescence }: CheckContext): Verdict {
  return verdict(
    'quiescence',
    quiescence.reached,
    quiescence.reached
      ? `reached ${(quiescence.tookMs / 1000).toFixed(1)} s after healing`
      : `not reached in ${(quiescence.tookMs / 1000).toFixed(0)} s: ${quiescence.outstanding.join('; ')}`,
  );
}

/** Answers no request of a run should get, whatever the faults (see checkHttpProtocol). */
const UNEXPECTED_STATUSES = new Set([400, 401, 403, 429, 500]);

/**
 * Every request was one the API accepts (no 400, no key reused with another body: those are
 * the checker's bugs), every caller was let in (no 401 or 403: its tokens and roles fit the
 * routes; no 429: the instances run with rate limits no run reaches) and every failure was
 * classified (no 500 INTERNAL_ERROR).
 */
export function checkHttpProtocol({ history }: CheckContext): Verdict {
  const counts = new Map<string, number>();
  const count = (label: string) => counts.set(label, (counts.get(label) ?? 0) + 1);
  for (const operation of history.operations) {
    for (const attempt of operation.attempts) {
      if (attempt.result.kind !== 'response') continue;
      const { status, body } = attempt.result;
      const code = problemCode(body);
      if (UNEXPECTED_STATUSES.has(status) || code === 'IDEMPOTENCY_KEY_REUSED')
        count(`${status} ${code ?? ''}`.trim());
    }
  }
  for (const read of history.reads) {
    if (read.status !== null && UNEXPECTED_STATUSES.has(read.status))
      count(`${read.status} on a read`);
  }
  const found = [...counts].map(([label, n]) => `${n}× ${label}`);
  return verdict(
    'http-protocol',
    found.length === 0,
    found.length
      ? `unexpected answers: ${found.join(', ')}`
      : 'no 400, 401, 403, 429 or 500, no key reused',
  );
}
