import { EventMetadata } from '@ledgerline/event-sourcing';

/** What every command carries besides its own fields: who, why, when, and the If-Match version. */
export interface CommandContext {
  readonly metadata: EventMetadata;
  /** The stream version the client sent in If-Match, if any. */
  readonly expectedVersion?: number;
}
