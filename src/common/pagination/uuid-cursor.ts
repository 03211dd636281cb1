import { validate as isUuid } from 'uuid';
import { ApiError } from '../errors/api-error';

/** Keyset cursors are opaque to clients: base64url of the last id (a UUID) of a page. */
export const encodeCursor = (id: string): string => Buffer.from(id).toString('base64url');

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!isUuid(id))
    throw new ApiError(
      'INVALID_CURSOR',
      'cursor must be a nextCursor value returned by this endpoint',
    );
  return id;
}
