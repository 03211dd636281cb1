/** DI token of the EventDataProtection the event store applies (absent: none). */
export const EVENT_DATA_PROTECTION = Symbol('EVENT_DATA_PROTECTION');
