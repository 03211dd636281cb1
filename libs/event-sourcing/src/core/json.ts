/** A value that survives `JSON.stringify` / `JSON.parse` unchanged (event data, command results). */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object: the shape of every event's `data`. */
export type JsonObject = { [key: string]: JsonValue };
