import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Request } from 'express';
import { ApiError } from '../common/errors/api-error';
import { AccessScope } from './principal';
import { scopeGranted } from './request-principal';

/** The access scope of the caller: every customer (staff) or their own (customer). */
export function scopeOfRequest(request: Request): AccessScope {
  const scope = scopeGranted(request);
  // The guard grants one to every request it lets onto a business route; this is a backstop.
  if (!scope) throw new ApiError('FORBIDDEN', 'this token may not act on customer data');
  return scope;
}

/** Controller parameter: which customers' data the caller may touch. */
export const CallerScope = createParamDecorator((_: unknown, context: ExecutionContext) =>
  scopeOfRequest(context.switchToHttp().getRequest<Request>()),
);
