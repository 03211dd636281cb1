import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError, FieldError } from '../errors/api-error';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * The global pipe: unknown fields are rejected (no mass assignment), nothing is coerced
 * (a string "10" is not an amount), and every invalid field is listed in the problem.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new ApiError('VALIDATION_FAILED', `${fields.length} field(s) are invalid`, {
        errors: fields,
      });
    },
  });
}
