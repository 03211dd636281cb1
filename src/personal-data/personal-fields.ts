/**
 * Which fields of an event type are personal data, and whose: the data of `subject` (a field
 * holding the person's id) is sealed with that person's key. Declared once per event type by
 * the context that owns it; a personal field added later is one more name here.
 */
export interface PersonalFields {
  readonly type: string;
  /** The field of the event's data holding the person's id, e.g. `customerId`. */
  readonly subject: string;
  /** The fields sealed with the person's key; each is a string when given. */
  readonly fields: readonly string[];
}

/**
 * What a personal field reads as once its person's key is erased: null, and the event's data
 * says why with `personalDataErased: true`.
 */
export const ERASED_MARKER = 'personalDataErased';
