import { ApiPropertyOptions } from '@nestjs/swagger';

/**
 * OpenAPI shapes of the API's numbers, one place for each kind: every number the API sends
 * is an integer (money in minor units, versions, counts), so none is documented as `number`.
 */

/** Money in minor units of its currency; beyond 2^31, so int64. */
export const minorUnits = (description: string, example = 1250): ApiPropertyOptions => ({
  type: 'integer',
  format: 'int64',
  example,
  description: `${description}, in minor units (1250 = 12.50 EUR)`,
});

/** A stream version (1 for the first event); the event store keeps them as int32. */
export const streamVersion = (description: string, example = 3): ApiPropertyOptions => ({
  type: 'integer',
  format: 'int32',
  minimum: 1,
  example,
  description,
});

/** A count or a size (events, rows, attempts, milliseconds, bytes). */
export const count = (description: string, example = 2): ApiPropertyOptions => ({
  type: 'integer',
  format: 'int64',
  minimum: 0,
  example,
  description,
});

/**
 * A global position of the event log: a decimal string, as positions can pass 2^53 (where a
 * JSON number stops being exact).
 */
export const logPosition = (description: string, nullable = false): ApiPropertyOptions => ({
  type: 'string',
  pattern: '^[0-9]{1,19}$',
  example: '1042',
  description,
  ...(nullable ? { nullable: true } : {}),
});
