import { EventSourcingError } from './errors';

/** A stream holds an event type its aggregate does not know: wrong stream id, or a missing upcaster. */
export class UnknownEventTypeError extends EventSourcingError {
  readonly code = 'UNKNOWN_EVENT_TYPE';
  constructor(
    readonly streamId: string,
    readonly type: string,
  ) {
    super(`stream ${streamId} holds an event of unknown type ${type}`);
  }
}
