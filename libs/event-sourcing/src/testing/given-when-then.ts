import { Evolver, foldEvents } from '../core/decider';
import { NewEvent } from '../core/event';

/**
 * Decider tests that read as specifications:
 * `given(evolver, pastEvents).when(state => decide(cmd, state)).then(expectedEvents)`
 * or `.thenThrows(ErrorClass)`. Pure: no store, no clock.
 */
export function given<State, Event extends NewEvent>(
  evolver: Evolver<State, Event>,
  past: readonly Event[],
) {
  const state = foldEvents(evolver, past);
  return {
    when(decide: (state: State) => readonly Event[]) {
      return {
        then(expected: readonly Event[]): void {
          expect(decide(state)).toEqual(expected);
        },
        thenThrows(errorType: abstract new (...args: never[]) => Error, code?: string): void {
          let caught: unknown;
          try {
            decide(state);
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(errorType);
          if (code !== undefined) expect(caught).toHaveProperty('code', code);
        },
      };
    },
  };
}
