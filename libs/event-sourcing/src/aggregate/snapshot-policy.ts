import { JsonValue } from '../core/json';

/**
 * When and how an aggregate type is snapshotted. Snapshots only shorten loading: a snapshot
 * that is missing, of another schema version or unreadable is ignored, the stream is replayed
 * in full, and a fresh snapshot is written with the next command.
 */
export interface SnapshotPolicy<State> {
  /** The version of the state's JSON shape: bump it when State changes. */
  readonly schemaVersion: number;
  /** Snapshot once this many events were appended since the last snapshot. */
  readonly every: number;
  toJson(state: State): JsonValue;
  /** The state from a snapshot's JSON; undefined (or a throw) when it does not fit. */
  fromJson(json: JsonValue): State | undefined;
}
