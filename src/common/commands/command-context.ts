import { EventMetadata } from '@ledgerline/event-sourcing';
import { AccessScope } from '../../auth/principal';

/** What every command carries besides its own fields: who, why, when, and the If-Match version. */
export interface CommandContext {
  readonly metadata: EventMetadata;
  /** The stream version the client sent in If-Match, if any. */
  readonly expectedVersion?: number;
  /**
   * Whose data the command may touch. A stream outside it is refused exactly as a missing
   * one (404), so a customer learns nothing about another customer's accounts.
   */
  readonly scope: AccessScope;
}
