import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import { Request } from 'express';
import { ApiError, FieldError } from '../errors/api-error';

const isEmptyObject = (body: unknown): boolean =>
  typeof body === 'object' &&
  body !== null &&
  !Array.isArray(body) &&
  Object.keys(body).length === 0;

/**
 * Refuses a request body on a route that takes none. Without it a body is parsed and then
 * ignored, so a client that sends `{"reason":"fraud"}` to close an account believes the reason
 * was recorded. No body, an empty body and `{}` pass.
 */
@Injectable()
export class NoBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const body: unknown = context.switchToHttp().getRequest<Request>().body;
    if (body === undefined || isEmptyObject(body)) return true;
    const errors: FieldError[] =
      typeof body === 'object' && body !== null && !Array.isArray(body)
        ? Object.keys(body).map((field) => ({
            field,
            messages: [`property ${field} should not exist`],
          }))
        : [{ field: '(body)', messages: ['the body must be empty or {}'] }];
    throw new ApiError('VALIDATION_FAILED', 'this command takes no request body; send none or {}', {
      errors,
    });
  }
}

/**
 * Marks a command route that takes no body: a non-empty JSON body is 400 VALIDATION_FAILED.
 * A guard, so it runs before the interceptors (idempotency) and the handler.
 */
export const NoBody = (): MethodDecorator & ClassDecorator =>
  applyDecorators(UseGuards(NoBodyGuard));
