import { ValidationError, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { ApiError, FieldError } from '../errors/api-error';

/**
 * Constraints that say what kind of value a field takes. When one fails, the others (range,
 * length, pattern) only repeat the same mistake in other words: `"amount": "10"` is not an
 * integer, and saying it is also not positive nor below the maximum would mislead.
 */
const KIND_MESSAGES: Readonly<Record<string, (field: string) => string>> = {
  isInt: (field) => `${field} must be an integer`,
  isString: (field) => `${field} must be a string`,
  isBoolean: (field) => `${field} must be true or false`,
};

/** The messages that name the real problem of one field (see KIND_MESSAGES). */
function messagesOf(error: ValidationError, field: string): string[] {
  const constraints = error.constraints ?? {};
  // Optional fields skip validation when absent: an absent field with errors is a required one.
  if (error.value === undefined && !('whitelistValidation' in constraints))
    return [`${field} is required`];
  const kinds = Object.keys(constraints).filter((name) => name in KIND_MESSAGES);
  if (kinds.length > 0) return kinds.map((name) => KIND_MESSAGES[name](field));
  return Object.values(constraints);
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: messagesOf(error, field) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** What the global pipe accepts and how it converts (the CRUD benchmark server uses them too). */
export const VALIDATION_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  validationError: { target: false, value: true },
} as const satisfies ValidationPipeOptions;

/**
 * The global pipe: unknown fields are rejected (no mass assignment), nothing is coerced
 * (a string "10" is not an amount), and every invalid field is listed in the problem with
 * the messages that name its problem. The values stay in the ValidationErrors (to tell a
 * missing field from a wrong one) and never reach the problem document.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...VALIDATION_OPTIONS,
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new ApiError('VALIDATION_FAILED', `${fields.length} field(s) are invalid`, {
        errors: fields,
      });
    },
  });
}
