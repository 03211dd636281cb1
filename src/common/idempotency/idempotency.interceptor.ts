import {
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Injectable,
  Logger,
  NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { Request, Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { catchError, finalize, from, Observable, of, switchMap } from 'rxjs';
import { ConcurrencyRetriesExhaustedError, JsonValue } from '@ledgerline/event-sourcing';
import { isDatabaseTimeout, isDatabaseUnavailable } from '@ledgerline/event-sourcing/postgres';
import { actorOf } from '../../auth/principal';
import { principalOf } from '../../auth/request-principal';
import { ApiError } from '../errors/api-error';
import { toProblem } from '../errors/problem-details';
import { StoredProblemError } from './stored-problem.error';
import { rememberIdempotencyClaim } from '../http/request-state';
import {
  IDEMPOTENCY_LEASE_MS,
  IdempotencyStore,
  KeyRecord,
  StoredResponse,
} from './idempotency.store';
import { requestFingerprint } from './request-fingerprint';
import { isWriteMethod } from '../http/write-methods';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
const WAIT_FOR_IN_FLIGHT_MS = 5_000;
const POLL_MS = 20;

/** Pause between attempts to record an outcome that the database could not take. */
const SETTLE_RETRY_MS = 500;
/** Outcomes worth replaying: decided by the domain, the same on every retry (as Stripe does). */
const REPLAYABLE_ERROR_STATUSES = new Set([404, 409, 422]);
/** Response headers a replay repeats (lower-case): the rest is per response (ids, timing). */
const REPLAYED_HEADERS = ['location'];

/**
 * Idempotency-Key on writes (POST and PUT), per principal: the first request with a key executes; a repeat with the same
 * method, path and body replays the stored status, body (the same bytes) and Location
 * (header Idempotent-Replayed);
 * a repeat with anything different is 422 IDEMPOTENCY_KEY_REUSED; a repeat while the first
 * is still running waits for it (up to 5 s, then 409 IDEMPOTENCY_KEY_IN_USE). Validation
 * failures and server errors are not stored, so the client can fix and retry. Keys live 24 h.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  /** Requests of this process per key, from arrival until answered. */
  private readonly present = new Map<string, number>();
  /** This process's claim statement per key: one at a time, so `alone` is never stale. */
  private readonly claiming = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const clientKey = request.header('idempotency-key');
    // A key on a read is ignored.
    if (!isWriteMethod(request.method) || clientKey === undefined) return next.handle();
    if (!KEY_FORMAT.test(clientKey)) {
      throw new ApiError(
        'INVALID_IDEMPOTENCY_KEY',
        'Idempotency-Key must be 1-255 visible ASCII characters',
      );
    }
    // Keys are per principal: the same key from two callers is two requests, and nobody is
    // ever replayed another caller's response. A key has no spaces, so the pair is unambiguous.
    const principal = principalOf(request);
    const key = `${clientKey} ${principal ? actorOf(principal) : 'anonymous'}`;
    const fingerprint = requestFingerprint(request.method, request.originalUrl, request.body);
    const response = context.switchToHttp().getResponse<Response>();
    // Nest's own defaults when a route sets none: 201 for POST, 200 for PUT.
    const successStatus =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (request.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);

    this.enter(key);
    return from(this.claimOrWait(key, fingerprint)).pipe(
      switchMap((claimed) => {
        if (claimed.state === 'completed') return of(this.replay(claimed, response));
        const { token } = claimed;
        rememberIdempotencyClaim(request, { key, fingerprint });
        return next.handle().pipe(
          switchMap((body: unknown) =>
            from(
              this.settle(() =>
                this.store.complete(key, token, {
                  status: successStatus,
                  // What Express's res.json sends: the replay sends this very text.
                  bodyText: JSON.stringify(body ?? null),
                  headers: replayedHeaders(response),
                }),
              ),
            ).pipe(switchMap(() => of(body))),
          ),
          catchError((error: unknown) => from(this.recordFailure(key, token, error))),
        );
      }),
      finalize(() => this.leave(key)),
    );
  }

  /** Counts this process's requests with `key`, from arrival until their answer. */
  private enter(key: string): void {
    this.present.set(key, (this.present.get(key) ?? 0) + 1);
  }

  private leave(key: string): void {
    const count = (this.present.get(key) ?? 1) - 1;
    if (count > 0) this.present.set(key, count);
    else this.present.delete(key);
  }

  /** Claims the key (its token) or returns the completed record to replay. */
  private async claimOrWait(
    key: string,
    fingerprint: string,
  ): Promise<{ state: 'claimed'; token: string } | (KeyRecord & { state: 'completed' })> {
    const deadline = Date.now() + WAIT_FOR_IN_FLIGHT_MS;
    for (;;) {
      const token = await this.claimAlone(key, fingerprint);
      if (token !== undefined) return { state: 'claimed', token };
      const record = await this.store.find(key);
      if (record && record.fingerprint !== fingerprint) {
        throw new ApiError(
          'IDEMPOTENCY_KEY_REUSED',
          'this Idempotency-Key was already used with a different request',
        );
      }
      if (record?.state === 'completed') return record;
      if (Date.now() >= deadline) {
        throw new ApiError(
          'IDEMPOTENCY_KEY_IN_USE',
          'a request with this Idempotency-Key is still being processed; retry later',
        );
      }
      await sleep(POLL_MS);
    }
  }

  /**
   * One claim statement per key at a time in this process, `alone` read just before it: every
   * record of this instance's was then written by a claim that has returned, whose request is
   * still counted in `present` until answered, so alone means its writer has ended.
   */
  private async claimAlone(key: string, fingerprint: string): Promise<string | undefined> {
    const previous = this.claiming.get(key) ?? Promise.resolve();
    const mine = previous
      .catch(() => undefined)
      .then(() => this.store.claim(key, fingerprint, (this.present.get(key) ?? 0) <= 1));
    this.claiming.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.claiming.get(key) === mine) this.claiming.delete(key);
    }
  }

  /**
   * The stored response as it was sent: a success as its exact text (Nest sends a string
   * as it is; the content type is set as res.json sets it), a refusal through the filter,
   * which renders the stored problem in the stored key order.
   */
  private replay(record: KeyRecord & { state: 'completed' }, response: Response): unknown {
    response.setHeader('Idempotent-Replayed', 'true');
    if (record.status >= 400)
      throw new StoredProblemError(JSON.parse(record.bodyText) as JsonValue);
    for (const [name, value] of Object.entries(record.headers)) response.setHeader(name, value);
    response.type('application/json');
    return record.bodyText;
  }

  private async recordFailure(key: string, token: string, error: unknown): Promise<never> {
    const problem = toProblem(error);
    const transient = error instanceof ConcurrencyRetriesExhaustedError;
    try {
      if (REPLAYABLE_ERROR_STATUSES.has(problem.status) && !transient) {
        const stored: StoredResponse = {
          status: problem.status,
          bodyText: JSON.stringify(problem),
          headers: {},
        };
        await this.settle(() => this.store.complete(key, token, stored));
      } else {
        await this.settle(() => this.store.release(key, token));
      }
    } catch (recording) {
      // The client is owed the outcome, not the bookkeeping's failure; the lease frees the key.
      this.logger.warn(`an Idempotency-Key outcome could not be recorded: ${String(recording)}`);
    }
    throw error;
  }

  /**
   * Records an execution's outcome. When the database is unreachable or too slow, the outcome
   * still goes to the client (it happened), and the record is retried in the background for
   * up to the lease: left in flight, the key would make retries sent to other instances wait
   * for the lease. Only the claim's own token records, so a claim that was taken over
   * meanwhile never overwrites the newer execution's outcome.
   */
  private async settle(record: () => Promise<void>): Promise<void> {
    try {
      await record();
    } catch (error) {
      if (!isDatabaseUnavailable(error) && !isDatabaseTimeout(error)) throw error;
      void this.settleLater(record, Date.now() + IDEMPOTENCY_LEASE_MS);
    }
  }

  private async settleLater(record: () => Promise<void>, until: number): Promise<void> {
    while (Date.now() < until) {
      await sleep(SETTLE_RETRY_MS);
      try {
        await record();
        return;
      } catch {
        // still unreachable; the lease bounds how long this matters
      }
    }
    this.logger.warn('an Idempotency-Key outcome could not be recorded; its lease will free it');
  }
}

/** The headers of `response` that a replay repeats. */
function replayedHeaders(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = response.getHeader(name);
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
