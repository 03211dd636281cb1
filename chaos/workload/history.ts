/** A JSON request body as the workload sends it. */
export type RequestBody = Readonly<Record<string, string | number>>;

/** What one HTTP attempt got: a response, or no answer (the outcome stays unknown). */
export type AttemptResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly body: unknown;
      readonly retryAfter: string | null;
      readonly replayed: boolean;
    }
  | {
      readonly kind: 'no-answer';
      readonly reason: 'timeout' | 'reset' | 'refused' | 'error';
      readonly message: string;
    };

export interface AttemptRecord {
  readonly n: number;
  readonly instance: string;
  readonly incarnation: number;
  readonly sentAt: number;
  readonly timeoutMs: number;
  readonly endedAt: number;
  readonly result: AttemptResult;
}

export type OperationKind =
  'register' | 'open' | 'deposit' | 'withdraw' | 'transfer' | 'close' | 'unregister';

/**
 * acknowledged: an attempt got 2xx; refused: a definite business refusal (4xx);
 * indefinite: neither (timeouts, resets, 5xx until the retries ran out).
 */
export type Outcome = 'acknowledged' | 'refused' | 'indefinite';

/** One logical write: one Idempotency-Key (also its X-Correlation-Id), one body, its attempts. */
export interface OperationRecord {
  readonly id: number;
  readonly kind: OperationKind;
  /** `probe`: the outage prober's deposits; they are checked like any other write. */
  readonly source: 'workload' | 'probe';
  readonly key: string;
  readonly path: string;
  readonly body: RequestBody | null;
  /** The account or customer the write is about (the path's id, or the transfer's source). */
  readonly subject: string | null;
  /**
   * The actor its events must carry: `user:<sub>` of the token every attempt sent (one
   * principal per operation: the app scopes Idempotency-Keys per principal).
   */
  readonly actor: string;
  readonly startedAt: number;
  endedAt: number;
  outcome: Outcome;
  /** The answer that decided the outcome (2xx or refusal). */
  answer: { status: number; body: unknown } | null;
  readonly attempts: AttemptRecord[];
}

/** A read the workload made (to learn a balance), kept for the totals. */
export interface ReadRecord {
  readonly path: string;
  /** `user:<sub>` of the caller that read. */
  readonly actor: string;
  readonly instance: string;
  readonly sentAt: number;
  readonly endedAt: number;
  readonly status: number | null;
}

/** Everything the clients did, in the order the operations started. */
export class History {
  readonly operations: OperationRecord[] = [];
  readonly reads: ReadRecord[] = [];

  constructor(private readonly runId: string) {}

  /** A new Idempotency-Key: unique in the run, valid as a key and as a correlation id. */
  newOperation(
    kind: OperationKind,
    source: OperationRecord['source'],
    path: string,
    body: RequestBody | null,
    subject: string | null,
    actor: string,
    at: number,
  ): OperationRecord {
    const id = this.operations.length + 1;
    const record: OperationRecord = {
      id,
      kind,
      source,
      key: `chaos-${this.runId}-${id}`,
      path,
      body,
      subject,
      actor,
      startedAt: at,
      endedAt: at,
      outcome: 'indefinite',
      answer: null,
      attempts: [],
    };
    this.operations.push(record);
    return record;
  }

  attemptCount(): number {
    return this.operations.reduce((sum, operation) => sum + operation.attempts.length, 0);
  }
}
