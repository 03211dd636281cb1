import { ExpectedVersion } from './expected-version';

/**
 * Base of every error the library throws on purpose. `code` is stable and is what the
 * HTTP layer maps to a status; messages are for humans and may change.
 */
export abstract class EventSourcingError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The stream was not at the expected version: another writer appended first.
 * `actual` is undefined when the conflict was detected by the unique index, before the
 * winning transaction's version could be read.
 */
export class WrongExpectedVersionError extends EventSourcingError {
  readonly code = 'VERSION_CONFLICT';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number | undefined,
  ) {
    super(
      `stream ${streamId}: expected version ${String(expected)}, actual ${actual ?? 'changed concurrently'}`,
    );
  }
}

/**
 * The append was not the first write of its transaction. Allowing it could deliver one
 * stream's events out of version order to gap-safe readers (see DESIGN.md, gap-safe reading),
 * so the store refuses instead. This is a programming error, never a user error.
 */
export class AppendNotFirstWriteError extends EventSourcingError {
  readonly code = 'APPEND_NOT_FIRST_WRITE';
  constructor(readonly streamId: string) {
    super(
      `append to ${streamId} refused: its transaction had already written; the event insert must be the first write`,
    );
  }
}

/** An event id that is already in the store was appended again. */
export class DuplicateEventIdError extends EventSourcingError {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(readonly streamId: string) {
    super(`append to ${streamId} refused: an event id is already recorded`);
  }
}

/** A command id that is already recorded was appended again (a concurrent duplicate lost the race). */
export class DuplicateCommandError extends EventSourcingError {
  readonly code = 'DUPLICATE_COMMAND';
  constructor(readonly commandId: string) {
    super(`command ${commandId} is already recorded`);
  }
}

/** Retries after version conflicts ran out: the stream is too hot right now; the client may retry. */
export class ConcurrencyRetriesExhaustedError extends EventSourcingError {
  readonly code = 'VERSION_CONFLICT';
  constructor(
    readonly streamId: string,
    readonly attempts: number,
  ) {
    super(`stream ${streamId}: still conflicting after ${attempts} attempts`);
  }
}

/**
 * The session was lost while COMMIT was on its way: the transaction may or may not have
 * committed, and nothing can tell until the database answers again. Never retried by the
 * library; a caller that retries must use the same command id, which the store applies at
 * most once. `cause` is the connection error.
 */
export class CommitOutcomeUnknownError extends EventSourcingError {
  readonly code = 'COMMIT_OUTCOME_UNKNOWN';
  constructor(cause: unknown) {
    super('the database session was lost during COMMIT; the write may or may not be applied');
    this.cause = cause;
  }
}

/** A projection is already being rebuilt, by this process or another. */
export class RebuildInProgressError extends EventSourcingError {
  readonly code = 'REBUILD_IN_PROGRESS';
  constructor(
    readonly projectionName: string,
    readonly claimedBy?: string,
  ) {
    super(
      `${projectionName} is already being rebuilt${claimedBy ? ` (by ${claimedBy})` : ''}; follow it in GET /admin/projections`,
    );
  }
}

/** A projection with side effects (it sends commands) is never replayed from position 0. */
export class ProjectionNotRebuildableError extends EventSourcingError {
  readonly code = 'PROJECTION_NOT_REBUILDABLE';
  constructor(readonly projectionName: string) {
    super(`${projectionName} has side effects (it sends commands) and is never replayed from 0`);
  }
}
