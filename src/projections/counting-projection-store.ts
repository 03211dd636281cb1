import {
  GroupMember,
  LogPosition,
  Projection,
  ProjectionCheckpoint,
  ProjectionStore,
  RecordedEvent,
} from '@ledgerline/event-sourcing';

/**
 * A ProjectionStore that counts, per projection, the batches this process committed (each
 * one moved the checkpoint). The admin view shows the count, which makes "exactly one
 * instance processes a projection at a time" observable: the others stay at zero.
 */
export class CountingProjectionStore implements ProjectionStore {
  private readonly batches = new Map<string, number>();

  constructor(private readonly store: ProjectionStore) {}

  appliedBatches(name: string): number {
    return this.batches.get(name) ?? 0;
  }

  checkpoint(name: string): Promise<ProjectionCheckpoint> {
    return this.store.checkpoint(name);
  }

  async commitBatch(
    projection: Projection,
    from: LogPosition,
    to: LogPosition,
    events: readonly RecordedEvent[],
    tables?: (table: string) => string,
  ): Promise<boolean> {
    const moved = await this.store.commitBatch(projection, from, to, events, tables);
    if (moved) this.batches.set(projection.name, this.appliedBatches(projection.name) + 1);
    return moved;
  }

  checkpoints(names: readonly string[]): Promise<ProjectionCheckpoint[]> {
    return this.store.checkpoints(names);
  }

  async commitGroup(
    members: readonly GroupMember[],
    from: LogPosition,
    to: LogPosition,
  ): Promise<string[]> {
    const moved = await this.store.commitGroup(members, from, to);
    for (const name of moved) this.batches.set(name, this.appliedBatches(name) + 1);
    return moved;
  }

  recordFailure(name: string, error: string, park: boolean): Promise<void> {
    return this.store.recordFailure(name, error, park);
  }

  resume(name: string): Promise<void> {
    return this.store.resume(name);
  }
}
