/**
 * DI tokens of the observers the event-sourcing library reports to (provided by
 * MetricsModule; injected as optional, so a module graph without metrics still builds).
 */
export const COMMAND_OBSERVER = Symbol('COMMAND_OBSERVER');
export const APPEND_OBSERVER = Symbol('APPEND_OBSERVER');

/** Factory `inject` entries of the observers: undefined where MetricsModule is absent. */
export const OPTIONAL_COMMAND_OBSERVER = { token: COMMAND_OBSERVER, optional: true };
export const OPTIONAL_APPEND_OBSERVER = { token: APPEND_OBSERVER, optional: true };
