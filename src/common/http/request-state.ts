import { Request } from 'express';

/** The Idempotency-Key of a request with the fingerprint of what it asked for. */
export interface IdempotencyClaim {
  readonly key: string;
  readonly fingerprint: string;
}

// Per-request state shared between the idempotency interceptor and the command-context
// decorator; a WeakMap instead of fields bolted onto Express's Request type.
const claims = new WeakMap<Request, IdempotencyClaim>();

export const rememberIdempotencyClaim = (request: Request, claim: IdempotencyClaim): void => {
  claims.set(request, claim);
};

export const idempotencyClaimOf = (request: Request): IdempotencyClaim | undefined =>
  claims.get(request);
