import { RecordedEvent } from '../core/event';
import { JsonObject, JsonValue } from '../core/json';

/**
 * A command a process manager wants sent, as it is stored. Its id is derived from what caused
 * it. Make one from a command object with processCommand (its class name and fields), which
 * the sender makes again as an instance of its class.
 */
export interface ProcessCommand {
  readonly type: string;
  readonly data: JsonObject;
}

/** "Wake me at `dueAt` under `key`" (ISO-8601); asking again for a key moves it. */
export interface DeadlineRequest {
  readonly key: string;
  readonly dueAt: string;
}

/** What a process manager decided: its next state, the commands to send, its deadlines. */
export interface ProcessDecision<State extends JsonValue> {
  readonly state: State;
  readonly commands?: readonly ProcessCommand[];
  readonly schedule?: readonly DeadlineRequest[];
  readonly cancel?: readonly string[];
}

/**
 * A durable process manager in decider form. Its state is keyed by a correlation id (the
 * process id) and stored in PostgreSQL with the commands it decided and its checkpoint in one
 * transaction; the decisions are pure and get the time passed in, so they can be tested with a
 * virtual clock. Commands are sent later by a dispatcher, with ids derived from their cause, so
 * a resend after a crash is a no-op for a command handler that records command ids.
 */
export interface ProcessManager<State extends JsonValue> {
  /** Stable: the checkpoint key and the scope of its state, commands and deadlines. */
  readonly name: string;
  readonly eventTypes: readonly string[];
  /** The process an event belongs to, or null to ignore it. */
  processId(event: RecordedEvent): string | null;
  initialState(): State;
  /** Reacts to an event; `now` is the event's occurred-at (deterministic on replay). */
  onEvent(state: State, event: RecordedEvent, now: Date): ProcessDecision<State>;
  /** A command it sent was refused with a domain error `code`. */
  onRejected(
    state: State,
    command: ProcessCommand,
    code: string,
    now: Date,
  ): ProcessDecision<State>;
  /** A deadline it asked for is due. */
  onDeadline(state: State, key: string, now: Date): ProcessDecision<State>;
}

/** A command as stored for the dispatcher. */
export interface StoredProcessCommand extends ProcessCommand {
  /** Deterministic: use it as the command id, so a resend is recognised. */
  readonly id: string;
  readonly manager: string;
  readonly processId: string;
  /** The event (or command) whose handling produced it. */
  readonly causationId: string;
  /** The correlation id of the event that started the process (the original request's). */
  readonly correlationId: string;
  /**
   * The W3C trace context of its cause (the event's `metadata.traceparent`, or the refused
   * command's), so sending it continues that trace. Absent when the cause carried none.
   */
  readonly traceparent?: string;
  readonly attempts: number;
  /** The claim this send holds; settling a refusal or a retry needs it to be the current one. */
  readonly claimToken: string;
}
