import { RecordedEvent } from './event';
import { JsonObject } from './json';

/** Turns the data of one event type from `fromVersion` into `fromVersion + 1`. Pure. */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: JsonObject): JsonObject;
}

/**
 * The upcaster chains of every event type. Events are stored forever in the shape they were
 * written; every read path (command side, projections and rebuilds, process managers, the
 * history) sees them in the current shape because the event store runs them through these.
 * @throws RangeError at construction for two upcasters of one type and version, or a gap
 */
export class EventUpcasters {
  private readonly byType = new Map<string, Map<number, Upcaster>>();

  constructor(private readonly upcasters: readonly Upcaster[] = []) {
    for (const upcaster of upcasters) {
      if (!Number.isInteger(upcaster.fromVersion) || upcaster.fromVersion < 1)
        throw new RangeError(`${upcaster.type}: an upcaster starts from version 1 or later`);
      const chain = this.byType.get(upcaster.type) ?? new Map<number, Upcaster>();
      if (chain.has(upcaster.fromVersion))
        throw new RangeError(`two upcasters of ${upcaster.type} from v${upcaster.fromVersion}`);
      chain.set(upcaster.fromVersion, upcaster);
      this.byType.set(upcaster.type, chain);
    }
    for (const [type, chain] of this.byType) {
      for (let version = 1; version < this.currentVersion(type); version++)
        if (!chain.has(version)) throw new RangeError(`${type} has no upcaster from v${version}`);
    }
  }

  /** These chains and `more` (a type's chain may not be split between the two). */
  concat(more: readonly Upcaster[]): EventUpcasters {
    return more.length === 0 ? this : new EventUpcasters([...this.upcasters, ...more]);
  }

  /** The schema version new events of `type` must be written in (1 without upcasters). */
  currentVersion(type: string): number {
    const chain = this.byType.get(type);
    return chain ? Math.max(...chain.keys()) + 1 : 1;
  }

  /** The event in its current shape (the same object when it already is). */
  upcast<Event extends RecordedEvent>(event: Event): Event {
    const chain = this.byType.get(event.type);
    if (!chain) return event;
    let { data, schemaVersion } = event;
    for (let upcaster = chain.get(schemaVersion); upcaster; upcaster = chain.get(schemaVersion)) {
      data = upcaster.upcast(data);
      schemaVersion++;
    }
    return schemaVersion === event.schemaVersion ? event : { ...event, data, schemaVersion };
  }
}

/** No event type has evolved. */
export const NO_UPCASTERS = new EventUpcasters();
