import { validate as isUuid } from 'uuid';
import { ApiError } from '../errors/api-error';

/** A check of one part of a cursor's key. */
export type KeyPart = (value: string) => boolean;

/** A row id. */
export const UUID_PART: KeyPart = (value) => isUuid(value);

/**
 * An instant as PostgreSQL keeps it, to the microsecond (see instantKeySql): a key with
 * JavaScript's milliseconds would skip or repeat rows recorded within the same millisecond.
 */
export const INSTANT_PART: KeyPart = (value) =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(value) && !Number.isNaN(Date.parse(value));

/** A non-negative whole number (a row id, an offset), below 10^18 so it fits a bigint. */
export const WHOLE_NUMBER_PART: KeyPart = (value) => /^(0|[1-9]\d{0,17})$/.test(value);

/** A stream version: 1 to 2^31 - 1, as the event store keeps them. */
export const VERSION_PART: KeyPart = (value) =>
  /^[1-9]\d{0,9}$/.test(value) && Number(value) <= 2_147_483_647;

/** A UTC day, YYYY-MM-DD. */
export const DAY_PART: KeyPart = (value) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));

/** A currency code. */
export const CURRENCY_PART: KeyPart = (value) => /^[A-Z]{3}$/.test(value);

/** SQL that renders an instant column as INSTANT_PART expects it. */
export const instantKeySql = (column: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Cursors are opaque to clients: base64url of the list's name and the sort key of the last
 * row of a page. The name makes a cursor of one list useless on another instead of silently
 * paging it from a meaningless place.
 */
export function encodeCursor(list: string, key: readonly string[]): string {
  return Buffer.from(JSON.stringify([list, ...key])).toString('base64url');
}

/** @throws ApiError INVALID_CURSOR unless `cursor` is one encodeCursor made for `list`. */
export function decodeCursor<Parts extends readonly KeyPart[]>(
  cursor: string,
  list: string,
  parts: Parts,
): { [Index in keyof Parts]: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const valid =
    Array.isArray(decoded) &&
    decoded.length === parts.length + 1 &&
    decoded[0] === list &&
    parts.every((part, index) => {
      const value: unknown = decoded[index + 1];
      return typeof value === 'string' && part(value);
    });
  if (!valid) {
    throw new ApiError(
      'INVALID_CURSOR',
      'cursor must be a nextCursor value returned by this endpoint',
    );
  }
  return (decoded as string[]).slice(1) as { [Index in keyof Parts]: string };
}

/**
 * A cursor that pages by row number, for short operator lists served by a store that pages
 * no other way. A list that changes between two pages may repeat or skip a row there.
 * @returns the offset the cursor encodes (0 without one)
 * @throws ApiError INVALID_CURSOR
 */
export function decodeOffsetCursor(cursor: string | undefined, list: string, max: number): number {
  if (cursor === undefined) return 0;
  const offset = Number(decodeCursor(cursor, list, [WHOLE_NUMBER_PART])[0]);
  if (offset > max) {
    throw new ApiError(
      'INVALID_CURSOR',
      'cursor must be a nextCursor value returned by this endpoint',
    );
  }
  return offset;
}
