import { JsonValue } from '../core/json';
import { DeadlineRequest, ProcessCommand, ProcessManager } from '../sagas/process-manager';
import { clockReaches, ProcessStep } from './process-steps';
import { ProcessSimulation } from './process-simulation';
import { Instant, VirtualClock } from './virtual-clock';

/** A deadline expected to be pending: its key and when it is due. */
export interface ExpectedDeadline {
  readonly key: string;
  /** A Date, an ISO-8601 string, or an offset from the clock's start such as `'+31s'`. */
  readonly dueAt: Instant;
}

/** What a step should have done; see `ProcessOutcome.then` for what an omission means. */
export interface ExpectedProcessOutcome<State extends JsonValue> {
  readonly commands?: readonly ProcessCommand[];
  readonly deadlines?: readonly ExpectedDeadline[];
  readonly state?: State;
}

/** What one step did to the process. */
export interface ProcessOutcome<State extends JsonValue> {
  /** The commands its decisions sent, in order (a move of the clock: every firing's). */
  readonly commands: readonly ProcessCommand[];
  /** The deadlines pending after it, earliest first. */
  readonly deadlines: readonly DeadlineRequest[];
  /** The state after it, as stored. */
  readonly state: State;
  /**
   * Asserts the outcome with one `expect`: `commands` in order, omitted meaning none;
   * `deadlines` pending afterwards in any order, omitted meaning as they were before the step;
   * `state` when given.
   */
  then(expected: ExpectedProcessOutcome<State>): void;
  /** Asserts the step sent nothing and left the state and the deadlines as they were. */
  thenNothing(): void;
}

/** A process given its past, waiting for the step under test. */
export interface ProcessScenario<State extends JsonValue> {
  /**
   * Moves the virtual clock to `instant`, which the step under test then happens at; the
   * deadlines due by then fire first, as part of the past.
   * @throws RangeError for an instant before the clock's time
   */
  at(instant: Instant): ProcessScenario<State>;
  /** Lets `step` happen at the clock's time: an event, `commandRefused(…)`, `clockReaches(…)`. */
  when(step: ProcessStep): ProcessOutcome<State>;
}

/**
 * Process-manager specifications on a virtual clock that starts at `startsAt` (default
 * 2025-01-01T00:00:00Z) and moves only when told:
 * `givenProcess(manager, past).at('+1m').when(step).then({ commands, deadlines, state })`.
 * The past is a list of steps: events (each happening at the clock's time), `commandRefused(…)`
 * and `clockReaches(…)`. Deadlines fire only as the clock passes their due time, each at that
 * time and earliest first; a deadline already due when asked for fires at the next move of
 * the clock. Events are delivered as the library delivers them: not at all when the manager
 * does not listen to their type or maps them to no process, else decided at their occurred-at.
 * One process is followed: an event of another is an Error. Pure: no store, no real clock.
 */
export function givenProcess<State extends JsonValue>(
  manager: ProcessManager<State>,
  past: readonly ProcessStep[] = [],
  options: { readonly startsAt?: Date | string } = {},
): ProcessScenario<State> {
  const simulation = new ProcessSimulation(manager, new VirtualClock(options.startsAt));
  for (const step of past) simulation.apply(step);
  const scenario: ProcessScenario<State> = {
    at(instant) {
      simulation.apply(clockReaches(instant));
      return scenario;
    },
    when: (step) => outcomeOf(simulation, step),
  };
  return scenario;
}

function outcomeOf<State extends JsonValue>(
  simulation: ProcessSimulation<State>,
  step: ProcessStep,
): ProcessOutcome<State> {
  const before = { state: simulation.currentState, deadlines: simulation.pendingDeadlines() };
  const decisions = simulation.apply(step);
  const commands = decisions.flatMap((decision) => decision.commands ?? []);
  const deadlines = simulation.pendingDeadlines();
  const state = simulation.currentState;
  const instantOf = (dueAt: Instant) => simulation.clock.resolve(dueAt).toISOString();
  return {
    commands,
    deadlines,
    state,
    then(expected) {
      // An outcome has a `then`, so `await` takes it for a promise and calls it with a function.
      if (typeof expected === 'function')
        throw new TypeError('a ProcessOutcome is not awaited: call .then({ ... }) on it');
      const expectedDeadlines = expected.deadlines?.map(({ key, dueAt }) => ({
        key,
        dueAt: instantOf(dueAt),
      }));
      expect({
        commands,
        deadlines: byDueTime(deadlines),
        ...(expected.state === undefined ? {} : { state }),
      }).toEqual({
        commands: expected.commands ?? [],
        deadlines: byDueTime(expectedDeadlines ?? before.deadlines),
        ...(expected.state === undefined ? {} : { state: expected.state }),
      });
    },
    thenNothing() {
      expect({ commands, deadlines, state }).toEqual({
        commands: [],
        deadlines: before.deadlines,
        state: before.state,
      });
    },
  };
}

/** Deadlines in one order whatever order they were listed in: by due time, then key. */
const byDueTime = (deadlines: readonly DeadlineRequest[]): DeadlineRequest[] =>
  [...deadlines].sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.key.localeCompare(b.key));
