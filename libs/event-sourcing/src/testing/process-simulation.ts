import { RecordedEvent } from '../core/event';
import { JsonValue } from '../core/json';
import { DeadlineRequest, ProcessDecision, ProcessManager } from '../sagas/process-manager';
import { ProcessEvent, ProcessStep } from './process-steps';
import { Instant, VirtualClock } from './virtual-clock';

/** A deadline as its table keeps it: a fired one stays, so asking again for its time is a no-op. */
interface DeadlineRow {
  readonly dueAtMs: number;
  readonly status: 'pending' | 'fired' | 'cancelled';
}

/** Firings in one move of the clock after which a deadline is taken to re-arm itself forever. */
const MAX_FIRINGS_PER_MOVE = 1_000;

/** `n` as the end of a UUID-shaped id: deterministic, where real ids are random. */
const uuidShaped = (prefix: string, n: bigint): string =>
  `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/**
 * One process of a manager, run the way the library runs it, on a virtual clock: events are
 * delivered only when the manager listens to their type and maps them to a process, and decided
 * at their occurred-at; refusals at the clock's time; deadlines kept as `PostgresProcessManagers`
 * keeps them (asking again for a key moves it and re-arms it unless it already fired at that
 * very time; a cancel removes a pending one; the schedule is applied before the cancel), and
 * fired when the clock passes their due time, earliest first, each at its own due time, so one
 * that a firing schedules fires too if it falls within the move (one asked for in the past
 * fires at the next move, at the time the clock was). The state goes through JSON between
 * decisions, as it does in its table.
 */
export class ProcessSimulation<State extends JsonValue> {
  private state: State;
  private processId: string | undefined;
  private readonly deadlines = new Map<string, DeadlineRow>();
  private readonly streamVersions = new Map<string, number>();
  private position = 0n;

  constructor(
    private readonly manager: ProcessManager<State>,
    readonly clock: VirtualClock,
  ) {
    this.state = asStored(manager.initialState());
  }

  /** The state as stored after the last decision. */
  get currentState(): State {
    return this.state;
  }

  /** The deadlines that have neither fired nor been cancelled, earliest first. */
  pendingDeadlines(): DeadlineRequest[] {
    return [...this.deadlines]
      .filter(([, row]) => row.status === 'pending')
      .sort(([keyA, a], [keyB, b]) => a.dueAtMs - b.dueAtMs || keyA.localeCompare(keyB))
      .map(([key, row]) => ({ key, dueAt: new Date(row.dueAtMs).toISOString() }));
  }

  /**
   * Lets `step` happen. @returns the decisions it caused, in order: none for an event not
   * delivered or a move of the clock that fires nothing.
   * @throws Error for an event of another process than the one followed; RangeError for a move
   * of the clock backwards or a deadline whose `dueAt` is not an instant
   */
  apply(step: ProcessStep): ProcessDecision<State>[] {
    if (!('kind' in step)) return this.deliver(step);
    switch (step.kind) {
      case 'command-refused': {
        const now = this.clock.now();
        return [this.record(this.manager.onRejected(this.state, step.command, step.code, now))];
      }
      case 'clock-reaches':
        return this.passTime(step.instant);
    }
  }

  private deliver(step: ProcessEvent): ProcessDecision<State>[] {
    const event = this.recorded(step);
    if (!this.manager.eventTypes.includes(event.type)) return [];
    const processId = this.manager.processId(event);
    if (processId === null) return [];
    if (this.processId !== undefined && processId !== this.processId)
      throw new Error(
        `${event.type} is of process ${processId}; this test follows ${this.processId}`,
      );
    this.processId = processId;
    const now = new Date(event.metadata.occurredAt);
    return [this.record(this.manager.onEvent(this.state, event, now))];
  }

  private passTime(instant: Instant): ProcessDecision<State>[] {
    let firedAtMs = this.clock.now().getTime();
    const until = this.clock.moveTo(instant);
    const decisions: ProcessDecision<State>[] = [];
    for (let due = this.nextDue(until); due; due = this.nextDue(until)) {
      if (decisions.length === MAX_FIRINGS_PER_MOVE)
        throw new Error(`deadline ${due.key} fired ${MAX_FIRINGS_PER_MOVE} times in one move`);
      // Each at its own due time; one asked for in the past fires at once, where the clock was.
      firedAtMs = Math.max(firedAtMs, due.dueAtMs);
      this.deadlines.set(due.key, { dueAtMs: due.dueAtMs, status: 'fired' });
      const now = new Date(firedAtMs);
      decisions.push(this.record(this.manager.onDeadline(this.state, due.key, now)));
    }
    return decisions;
  }

  private nextDue(until: Date): { key: string; dueAtMs: number } | undefined {
    const [next] = this.pendingDeadlines();
    if (!next || Date.parse(next.dueAt) > until.getTime()) return undefined;
    return { key: next.key, dueAtMs: Date.parse(next.dueAt) };
  }

  /** Keeps a decision as the store does: its state, then its schedule, then its cancels. */
  private record(decision: ProcessDecision<State>): ProcessDecision<State> {
    this.state = asStored(decision.state);
    for (const { key, dueAt } of decision.schedule ?? []) {
      const dueAtMs = Date.parse(dueAt);
      if (Number.isNaN(dueAtMs))
        throw new RangeError(`deadline ${key}: dueAt "${dueAt}" is not an ISO-8601 instant`);
      const row = this.deadlines.get(key);
      if (row?.status !== 'fired' || row.dueAtMs !== dueAtMs)
        this.deadlines.set(key, { dueAtMs, status: 'pending' });
    }
    for (const key of decision.cancel ?? []) {
      const row = this.deadlines.get(key);
      if (row?.status === 'pending') this.deadlines.set(key, { ...row, status: 'cancelled' });
    }
    return decision;
  }

  private recorded(step: ProcessEvent): RecordedEvent {
    this.position++;
    const streamId = step.streamId ?? 'given-process';
    const streamVersion = (this.streamVersions.get(streamId) ?? 0) + 1;
    this.streamVersions.set(streamId, streamVersion);
    const now = this.clock.now();
    const commandId = uuidShaped('00000000', this.position);
    return {
      transactionId: this.position,
      globalPosition: this.position,
      eventId: uuidShaped('eeeeeeee', this.position),
      streamId,
      streamVersion,
      type: step.type,
      schemaVersion: step.schemaVersion ?? 1,
      data: step.data,
      metadata: {
        commandId,
        correlationId: commandId,
        causationId: commandId,
        actor: 'test',
        occurredAt: now.toISOString(),
        ...step.metadata,
      },
      recordedAt: now,
    };
  }
}

/** The state as its table gives it back: through JSON (a Date turns into a string). */
function asStored<State extends JsonValue>(state: State): State {
  const stored: unknown = JSON.parse(JSON.stringify(state));
  return stored as State;
}
