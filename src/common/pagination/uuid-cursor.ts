import { validate as isUuid } from 'uuid';
import { ApiError } from '../../common/errors/api-error';

/** Keyset cursors are opaque to clients: base64url of the last account id of a page. */
export const encodeCursor = (accountId: string): string =>
  Buffer.from(accountId).toString('base64url');

export function decodeCursor(cursor: string): string {
  const accountId = Buffer.from(cursor, 'base64url').toString();
  if (!isUuid(accountId))
    throw new ApiError(
      'INVALID_CURSOR',
      'cursor must be a nextCursor value returned by this endpoint',
    );
  return accountId;
}
