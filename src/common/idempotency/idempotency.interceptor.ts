import {
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { Request, Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { catchError, from, Observable, of, switchMap } from 'rxjs';
import { ConcurrencyRetriesExhaustedError, JsonValue } from '@ledgerline/event-sourcing';
import { ApiError } from '../errors/api-error';
import { toProblem } from '../errors/problem-details';
import { StoredProblemError } from './stored-problem.error';
import { rememberIdempotencyClaim } from '../http/request-state';
import { IdempotencyStore, KeyRecord } from './idempotency.store';
import { requestFingerprint } from './request-fingerprint';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
const WAIT_FOR_IN_FLIGHT_MS = 5_000;
const POLL_MS = 20;
/** Outcomes worth replaying: decided by the domain, the same on every retry (as Stripe does). */
const REPLAYABLE_ERROR_STATUSES = new Set([404, 409, 422]);

/**
 * Idempotency-Key on POST: the first request with a key executes; a repeat with the same
 * method, path and body replays the stored status and body (header Idempotent-Replayed);
 * a repeat with anything different is 422 IDEMPOTENCY_KEY_REUSED; a repeat while the first
 * is still running waits for it (up to 5 s, then 409 IDEMPOTENCY_KEY_IN_USE). Validation
 * failures and server errors are not stored, so the client can fix and retry. Keys live 24 h.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const key = request.header('idempotency-key');
    if (request.method !== 'POST' || key === undefined) return next.handle();
    if (!KEY_FORMAT.test(key)) {
      throw new ApiError(
        'INVALID_IDEMPOTENCY_KEY',
        'Idempotency-Key must be 1-255 visible ASCII characters',
      );
    }
    const fingerprint = requestFingerprint(request.method, request.originalUrl, request.body);
    const response = context.switchToHttp().getResponse<Response>();
    const successStatus =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      HttpStatus.CREATED;

    return from(this.claimOrWait(key, fingerprint)).pipe(
      switchMap((existing) => {
        if (existing) return of(this.replay(existing, response));
        rememberIdempotencyClaim(request, { key, fingerprint });
        return next.handle().pipe(
          switchMap((body: unknown) =>
            from(
              this.store.complete(key, fingerprint, successStatus, (body ?? null) as JsonValue),
            ).pipe(switchMap(() => of(body))),
          ),
          catchError((error: unknown) => from(this.recordFailure(key, fingerprint, error))),
        );
      }),
    );
  }

  /** Claims the key (undefined) or returns the completed record to replay. */
  private async claimOrWait(
    key: string,
    fingerprint: string,
  ): Promise<(KeyRecord & { state: 'completed' }) | undefined> {
    const deadline = Date.now() + WAIT_FOR_IN_FLIGHT_MS;
    for (;;) {
      if (await this.store.claim(key, fingerprint)) return undefined;
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

  private replay(record: KeyRecord & { state: 'completed' }, response: Response): unknown {
    response.setHeader('Idempotent-Replayed', 'true');
    if (record.status >= 400) throw new StoredProblemError(record.body);
    return record.body;
  }

  private async recordFailure(key: string, fingerprint: string, error: unknown): Promise<never> {
    const problem = toProblem(error);
    const transient = error instanceof ConcurrencyRetriesExhaustedError;
    if (REPLAYABLE_ERROR_STATUSES.has(problem.status) && !transient) {
      await this.store.complete(key, fingerprint, problem.status, problem as unknown as JsonValue);
    } else {
      await this.store.release(key, fingerprint);
    }
    throw error;
  }
}
