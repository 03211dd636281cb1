import { NewEvent } from './event';

/**
 * How an aggregate's state is rebuilt from its events: the pure half of a decider.
 * The deciding half is one pure `decide…(command, state)` function per command, kept
 * beside it in the bounded context, returning new events or throwing a domain error.
 */
export interface Evolver<State, Event extends NewEvent> {
  initialState(): State;
  evolve(state: State, event: Event): State;
}

/** Folds events over the evolver, left to right. */
export function foldEvents<State, Event extends NewEvent>(
  evolver: Evolver<State, Event>,
  events: Iterable<Event>,
  from: State = evolver.initialState(),
): State {
  let state = from;
  for (const event of events) state = evolver.evolve(state, event);
  return state;
}
