import { EventMetadata, NewEvent } from '../core/event';
import { ProcessCommand } from '../sagas/process-manager';
import { Instant } from './virtual-clock';

/**
 * An event a process manager is told of, happening at the virtual clock's time. Recorded with
 * made-up envelope fields (stream `given-process`, positions in order, UUID-shaped ids):
 * give `streamId` or `metadata` fields when the manager reads them, `metadata.occurredAt`
 * to set the event's own time apart from the clock's.
 */
export interface ProcessEvent extends NewEvent {
  readonly streamId?: string;
  readonly metadata?: Partial<EventMetadata>;
}

/** A command the manager sent was refused with a domain error `code`, at the clock's time. */
export interface CommandRefused {
  readonly kind: 'command-refused';
  readonly command: ProcessCommand;
  readonly code: string;
}

/** The virtual clock reaches an instant: the deadlines due by then fire, earliest first. */
export interface ClockReaches {
  readonly kind: 'clock-reaches';
  readonly instant: Instant;
}

/** One thing that happens to a process: an event, a refused command, or time passing. */
export type ProcessStep = ProcessEvent | CommandRefused | ClockReaches;

/** `command` (as the manager sent it) was refused with `code`. */
export const commandRefused = (command: ProcessCommand, code: string): CommandRefused => ({
  kind: 'command-refused',
  command,
  code,
});

/** Time passes up to `instant` (a Date, an ISO-8601 string or an offset such as `'+30s'`). */
export const clockReaches = (instant: Instant): ClockReaches => ({
  kind: 'clock-reaches',
  instant,
});
