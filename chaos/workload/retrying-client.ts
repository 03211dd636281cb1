import { AppFleet } from '../infra/app-fleet';
import { AppInstance } from '../infra/app-instance';
import { Caller } from '../infra/credentials';
import { now, sleep } from '../support/clock';
import { Random } from '../support/random';
import { sendRequest } from './http-attempt';
import {
  AttemptRecord,
  AttemptResult,
  History,
  OperationKind,
  OperationRecord,
  RequestBody,
} from './history';

/** Shared by every client; the client-timeout fault flips it for a while. */
export interface ClientMode {
  shortTimeouts: boolean;
}

const MAX_ATTEMPTS = 12;
/** An operation still unanswered after this is left indefinite. */
const OPERATION_BUDGET_MS = 50_000;
const LONG_TIMEOUT_MS = 8_000;
const RETRY_AFTER_CAP_MS = 5_000;
const READ_TIMEOUT_MS = 5_000;

/** Transient answers: the same key and body are sent again. */
const RETRYABLE_CODES = new Set(['IDEMPOTENCY_KEY_IN_USE', 'VERSION_CONFLICT']);

export const problemCode = (body: unknown): string | null => {
  if (typeof body !== 'object' || body === null || !('code' in body)) return null;
  const code: unknown = body.code;
  return typeof code === 'string' ? code : null;
};

function retryable(result: AttemptResult): boolean {
  if (result.kind === 'no-answer') return true;
  if (result.status >= 500 || result.status === 429) return true;
  return result.status === 409 && RETRYABLE_CODES.has(problemCode(result.body) ?? '');
}

/** Retry-After in ms (seconds form only; the app sends no dates), capped. */
function retryAfterMs(result: AttemptResult): number | undefined {
  if (result.kind !== 'response' || result.retryAfter === null) return undefined;
  const seconds = Number(result.retryAfter);
  return Number.isFinite(seconds) && seconds >= 0
    ? Math.min(seconds * 1000, RETRY_AFTER_CAP_MS)
    : undefined;
}

/**
 * Client deadlines: mostly generous, sometimes shorter than a request can take (the answer is
 * then unknown to the client, the write may still commit), and during the client-timeout
 * fault far shorter. Each retry doubles the deadline so an operation can still conclude.
 */
function attemptTimeout(mode: ClientMode, random: Random, attempt: number): number {
  const growth = 2 ** (attempt - 1);
  if (mode.shortTimeouts) return Math.min(LONG_TIMEOUT_MS, random.int(5, 40) * growth);
  if (random.chance(0.85)) return LONG_TIMEOUT_MS;
  return Math.min(LONG_TIMEOUT_MS, random.int(30, 400) * growth);
}

/**
 * Runs logical writes against whichever instance serves, retrying the same Idempotency-Key
 * and body after no answer, 5xx and transient 409s (honouring Retry-After), a bounded number
 * of times, and records every attempt in the history. Every request carries the caller's
 * bearer token; the retries of an operation are the same caller's, as the app scopes keys
 * per principal (another caller's retry would be a second write).
 */
export class RetryingClient {
  constructor(
    private readonly fleet: AppFleet,
    private readonly history: History,
    private readonly mode: ClientMode,
    readonly caller: Caller,
  ) {}

  /** The same client (fleet, history, deadlines) acting as another principal. */
  as(caller: Caller): RetryingClient {
    return new RetryingClient(this.fleet, this.history, this.mode, caller);
  }

  async write(
    random: Random,
    kind: OperationKind,
    path: string,
    body: RequestBody | null,
    subject: string | null,
    options: { source?: OperationRecord['source']; timeoutMs?: number; maxAttempts?: number } = {},
  ): Promise<OperationRecord> {
    const operation = this.history.newOperation(
      kind,
      options.source ?? 'workload',
      path,
      body,
      subject,
      this.caller.actor,
      now(),
    );
    const payload = body === null ? null : JSON.stringify(body);
    const headers = {
      ...this.caller.headers,
      'idempotency-key': operation.key,
      'x-correlation-id': operation.key,
    };
    const deadline = operation.startedAt + OPERATION_BUDGET_MS;
    const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
    while (operation.attempts.length < maxAttempts && now() < deadline) {
      const instance = await this.serving(random, deadline);
      if (!instance) break;
      const n = operation.attempts.length + 1;
      const timeoutMs = options.timeoutMs ?? attemptTimeout(this.mode, random, n);
      const attempt = await this.attempt(instance, n, 'POST', path, headers, payload, timeoutMs);
      operation.attempts.push(attempt);
      operation.endedAt = attempt.endedAt;
      const result = attempt.result;
      if (result.kind === 'response' && !retryable(result)) {
        operation.outcome = result.status < 300 ? 'acknowledged' : 'refused';
        operation.answer = { status: result.status, body: result.body };
        return operation;
      }
      const backoff = Math.min(2_000, 50 * 2 ** (n - 1)) * (0.5 + random.next() / 2);
      await sleep(retryAfterMs(result) ?? backoff);
    }
    return operation;
  }

  /** One GET, not retried; undefined when it got no 200. */
  async read(random: Random, path: string): Promise<unknown> {
    const instance = this.fleet.pick(random);
    const endpoint = instance?.endpoint;
    if (!instance || !endpoint) return undefined;
    const sentAt = now();
    const result = await sendRequest(
      endpoint,
      'GET',
      path,
      this.caller.headers,
      null,
      READ_TIMEOUT_MS,
    );
    this.history.reads.push({
      path,
      actor: this.caller.actor,
      instance: instance.name,
      sentAt,
      endedAt: now(),
      status: result.kind === 'response' ? result.status : null,
    });
    return result.kind === 'response' && result.status === 200 ? result.body : undefined;
  }

  /** An instance that serves, waiting while none does (both may be down at once). */
  private async serving(random: Random, deadline: number): Promise<AppInstance | undefined> {
    for (;;) {
      const instance = this.fleet.pick(random);
      if (instance) return instance;
      if (now() >= deadline) return undefined;
      await sleep(100);
    }
  }

  private async attempt(
    instance: AppInstance,
    n: number,
    method: 'POST',
    path: string,
    headers: Record<string, string>,
    payload: string | null,
    timeoutMs: number,
  ): Promise<AttemptRecord> {
    const endpoint = instance.endpoint;
    const incarnation = instance.current?.n ?? 0;
    const sentAt = now();
    if (!endpoint) {
      const result: AttemptResult = { kind: 'no-answer', reason: 'refused', message: 'down' };
      return { n, instance: instance.name, incarnation, sentAt, timeoutMs, endedAt: now(), result };
    }
    instance.inFlight++;
    try {
      const result = await sendRequest(endpoint, method, path, headers, payload, timeoutMs);
      return { n, instance: instance.name, incarnation, sentAt, timeoutMs, endedAt: now(), result };
    } finally {
      instance.inFlight--;
    }
  }
}
