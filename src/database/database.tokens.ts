/** DI token of the application's `EventStore`. */
export const EVENT_STORE = Symbol('EVENT_STORE');
