import { JsonValue } from '@ledgerline/event-sourcing';

/** A problem document replayed from an Idempotency-Key record, rendered as stored. */
export class StoredProblemError extends Error {
  constructor(readonly body: JsonValue) {
    super('replayed problem');
    this.name = 'StoredProblemError';
  }
}
