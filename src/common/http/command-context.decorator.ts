import { requestIdsOf } from '../../observability/logging/request-ids';
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Request } from 'express';
import { v5 as uuidV5 } from 'uuid';
import { scopeOfRequest } from '../../auth/caller.decorator';
import { actorOf } from '../../auth/principal';
import { principalOf } from '../../auth/request-principal';
import { activeTraceparent } from '../../observability/tracing/traceparent';
import { ApiError } from '../errors/api-error';
import { CommandContext } from '../commands/command-context';
import { parseIfMatch } from './if-match';
import { idempotencyClaimOf } from './request-state';

// Fixed namespace: command ids derived from Idempotency-Keys must stay stable across releases.
const COMMAND_ID_NAMESPACE = '0b7f7c5e-4a43-4f6e-9a53-5b1f0f2f6d7a';
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds the command context of a write request: its principal becomes the events' actor
 * and bounds what the command may touch. The command id is derived from the caller's
 * Idempotency-Key and the request fingerprint when a key was sent, so a retry after a lost
 * response is recognised by the event store as the same command even if the HTTP-level
 * record was lost; otherwise it is random. When tracing is on, the request's span context
 * goes into the metadata as `traceparent`, so the work the events cause joins its trace.
 */
export function commandContextOf(request: Request): CommandContext {
  const principal = principalOf(request);
  if (!principal)
    throw new ApiError('UNAUTHENTICATED', 'this route needs an Authorization: Bearer token');
  const claim = idempotencyClaimOf(request);
  const commandId = claim
    ? uuidV5(`${claim.key}\n${claim.fingerprint}`, COMMAND_ID_NAMESPACE)
    : randomUUID();
  const correlationHeader = request.header('x-correlation-id');
  if (correlationHeader !== undefined && !CORRELATION_ID.test(correlationHeader)) {
    throw new ApiError(
      'INVALID_CORRELATION_ID',
      'X-Correlation-Id must be 1-128 characters of A-Z a-z 0-9 . _ : -',
    );
  }
  const traceparent = activeTraceparent();
  return {
    metadata: {
      commandId,
      // Without the header, the id the response echoes and the log lines carry (the request
      // id), so the events, the logs and the client all name one chain.
      correlationId: correlationHeader ?? requestIdsOf(request)?.correlationId ?? commandId,
      causationId: commandId,
      actor: actorOf(principal),
      occurredAt: new Date().toISOString(),
      ...(traceparent === undefined ? {} : { traceparent }),
    },
    expectedVersion: parseIfMatch(request.header('if-match')),
    scope: scopeOfRequest(request),
  };
}

/** Controller parameter: the CommandContext of this request. */
export const WriteContext = createParamDecorator((_: unknown, context: ExecutionContext) =>
  commandContextOf(context.switchToHttp().getRequest<Request>()),
);
