import {
  EventDataProtection,
  JsonObject,
  JsonValue,
  NewEvent,
  RecordedEvent,
} from '@ledgerline/event-sourcing';
import { DataKeyStore } from './data-key-store';
import { ERASED_MARKER, PersonalFields } from './personal-fields';
import { isSealed, openValue, sealValue } from './sealing';

/**
 * Seals the declared personal fields of events with their person's data key (AES-256-GCM,
 * the person's id and the field's name authenticated with each value), and opens them on
 * every read. Once the person's key is erased, their fields read as null and the data carries
 * `personalDataErased: true`, on every read path, so folds, projections and rebuilds go on.
 * A field stored before sealing existed (plain text) reads as stored; a sealed value that
 * does not open with the person's key stops the read instead of serving garbage.
 */
export class PersonalDataProtection implements EventDataProtection {
  private readonly byType: ReadonlyMap<string, PersonalFields>;

  constructor(
    private readonly keys: DataKeyStore,
    declarations: readonly PersonalFields[],
  ) {
    this.byType = new Map(declarations.map((declaration) => [declaration.type, declaration]));
    if (this.byType.size !== declarations.length)
      throw new Error('personal fields are declared twice for one event type');
  }

  covers(type: string): boolean {
    return this.byType.has(type);
  }

  async protect(event: NewEvent): Promise<JsonObject> {
    const declaration = this.declarationOf(event.type);
    const subject = subjectOf(event.data, declaration);
    const key = await this.keys.keyFor(subject);
    const data: Record<string, JsonValue> = { ...event.data };
    for (const field of declaration.fields) {
      const value = data[field];
      if (typeof value === 'string') data[field] = sealValue(key, value, aad(subject, field));
    }
    return data;
  }

  async reveal(event: RecordedEvent): Promise<JsonObject> {
    const declaration = this.declarationOf(event.type);
    const sealed = declaration.fields.filter((field) => isSealed(event.data[field]));
    if (sealed.length === 0) return event.data;
    const subject = subjectOf(event.data, declaration);
    const key = await this.keys.existingKey(subject);
    const data: Record<string, JsonValue> = { ...event.data };
    for (const field of sealed) {
      const value = data[field];
      if (!isSealed(value)) continue;
      data[field] = key === null ? null : openValue(key, value, aad(subject, field));
    }
    if (key === null) data[ERASED_MARKER] = true;
    return data;
  }

  private declarationOf(type: string): PersonalFields {
    const declaration = this.byType.get(type);
    if (!declaration) throw new Error(`${type} has no personal fields declared`);
    return declaration;
  }
}

function subjectOf(data: JsonObject, declaration: PersonalFields): string {
  const subject = data[declaration.subject];
  if (typeof subject !== 'string' || subject === '')
    throw new Error(`${declaration.type}: its ${declaration.subject} names no person`);
  return subject.toLowerCase();
}

const aad = (subject: string, field: string): string => `${subject}/${field}`;
