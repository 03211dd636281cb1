import {
  DuplicateCommandError,
  DuplicateEventIdError,
  WrongExpectedVersionError,
} from '../core/errors';
import { StreamAppend } from '../core/event-store.port';
import { pgErrorDetails, UNIQUE_VIOLATION } from './pg-errors';

/**
 * The library error for a unique violation met by an append; any other error as it is.
 * A concurrent append of the same stream version is a version conflict; a command id
 * recorded meanwhile is a repeated command.
 */
export function translateAppendError(
  error: unknown,
  appends: readonly StreamAppend[],
  commandIds: readonly string[] = [],
): unknown {
  const { code, constraint, detail } = pgErrorDetails(error);
  if (code !== UNIQUE_VIOLATION) return error;
  switch (constraint) {
    case 'es_events_stream_version_key': {
      // "Key (stream_id, stream_version)=(account-…, 3) already exists."
      const conflicted =
        appends.find((append) => detail?.includes(`(${append.streamId},`)) ?? appends[0];
      return new WrongExpectedVersionError(conflicted.streamId, conflicted.expected, undefined);
    }
    case 'es_events_event_id_key':
      return new DuplicateEventIdError(appends[0].streamId);
    case 'es_commands_pkey': {
      // "Key (command_id)=(…) already exists."
      const repeated = commandIds.find((id) => detail?.includes(id)) ?? commandIds[0];
      return repeated ? new DuplicateCommandError(repeated) : error;
    }
    default:
      return error;
  }
}
