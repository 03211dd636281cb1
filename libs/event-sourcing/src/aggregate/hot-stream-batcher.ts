import { WrongExpectedVersionError } from '../core/errors';
import { NewEvent } from '../core/event';
import { EventStore } from '../core/event-store.port';
import { JsonValue } from '../core/json';
import { AggregateRepository } from './aggregate-repository';
import { CachingStateLoader } from './caching-state-loader';
import { KeyedBatchQueue } from './keyed-batch-queue';
import { KeyedLock } from './keyed-lock';
import {
  CommandExecution,
  decideCommand,
  expectedVersionOf,
  recordOf,
  snapshotFor,
} from './stream-command';

/** What a HotStreamBatcher works with. */
export interface HotStreamBatcherParts<State, Event extends NewEvent> {
  readonly store: EventStore;
  readonly repository: AggregateRepository<State, Event>;
  /** The state a batch is decided on, remembered after its append, forgotten on a failure. */
  readonly loader: CachingStateLoader<State, Event>;
  /** Held on a stream while its batch runs, against multi-stream commands writing it. */
  readonly locks: KeyedLock;
  /** Most commands of one stream taken as one batch; 1 runs every command alone. */
  readonly maxCommandsPerAppend: number;
  /** Runs one command by itself (decide, append, retry); called with the stream held. */
  runAlone(command: CommandExecution<State, Event, JsonValue>): Promise<JsonValue>;
  /** Told once when a batch's append met a version conflict, with the commands it carried. */
  conflicted(streamId: string, commandIds: readonly string[]): void;
}

interface Queued<State, Event extends NewEvent> {
  readonly command: CommandExecution<State, Event, JsonValue>;
  readonly resolve: (result: JsonValue) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Serialises the commands of each stream in this process, and commits those of a hot stream
 * together. Commands that queue up on a stream while its previous batch runs are taken as the
 * next batch (KeyedBatchQueue), which holds the stream in `locks`. They are decided one after
 * the other on the state each leaves, and their events committed as one append
 * (EventStore.appendCommands), each command with its own metadata, record and result. If that
 * append fails for any reason, each of them runs again alone (`runAlone`), in order.
 *
 * A batch with an If-Match command, or of one command, runs alone from the start.
 */
export class HotStreamBatcher<State, Event extends NewEvent> {
  private readonly queue: KeyedBatchQueue<Queued<State, Event>>;

  constructor(private readonly parts: HotStreamBatcherParts<State, Event>) {
    this.queue = new KeyedBatchQueue(
      (streamId, batch) => this.run(streamId, batch),
      parts.maxCommandsPerAppend,
    );
  }

  /**
   * Queues the command on its stream; settles as it was appended (together or alone).
   * @throws what `runAlone` throws for it
   */
  execute<Result extends JsonValue>(
    command: CommandExecution<State, Event, Result>,
  ): Promise<Result> {
    return new Promise<Result>((resolve, reject) =>
      this.queue.push(command.streamId, {
        command,
        resolve: (result) => resolve(result as Result),
        reject,
      }),
    );
  }

  /** The commands queued on one stream: together when several can append, else one by one. */
  private async run(streamId: string, batch: Queued<State, Event>[]): Promise<void> {
    try {
      await this.parts.locks.hold([streamId], async () => {
        const alone =
          batch.length > 1 && batch.every((queued) => queued.command.expectedVersion === undefined)
            ? await this.appendTogether(streamId, batch)
            : batch;
        for (const queued of alone)
          await this.parts.runAlone(queued.command).then(queued.resolve, queued.reject);
      });
    } catch (error) {
      // Nothing above should throw; if it ever does, no caller may wait for ever (settling a
      // settled promise again does nothing).
      batch.forEach((queued) => queued.reject(error));
    }
  }

  /**
   * Decides the batch in order on one state and appends every command that decided events
   * as one append. @returns the commands still to run alone: those that decided nothing or
   * were refused (they are decided again on the state after this append, which is as valid
   * an order for concurrent commands as any), or all of them when the append failed or fewer
   * than two decided events.
   */
  private async appendTogether(
    streamId: string,
    batch: Queued<State, Event>[],
  ): Promise<Queued<State, Event>[]> {
    const { store, repository, loader } = this.parts;
    const accepted: { queued: Queued<State, Event>; events: readonly Event[]; after: State }[] = [];
    const others: Queued<State, Event>[] = [];
    try {
      const loaded = await loader.load(streamId);
      let state = loaded.state;
      for (const queued of batch) {
        const decision = decideCommand(queued.command, { ...loaded, state });
        if (decision.kind !== 'append') {
          others.push(queued);
          continue;
        }
        state = repository.evolve(state, decision.events);
        accepted.push({ queued, events: decision.events, after: state });
      }
      if (accepted.length < 2) return batch;
      const version = accepted.reduce((sum, { events }) => sum + events.length, loaded.version);
      const snapshot = snapshotFor(repository, loaded, version, state);
      const appended = await store.appendCommands(
        streamId,
        expectedVersionOf(loaded.version),
        accepted.map(({ queued: { command }, events, after }) => ({
          events,
          metadata: command.metadata,
          command: recordOf(command, after),
        })),
        snapshot,
      );
      loader.remember(streamId, {
        state,
        version,
        events: [],
        snapshotVersion: snapshot ? version : loaded.snapshotVersion,
      });
      accepted.forEach(({ queued }, index) =>
        queued.resolve(appended[index].commandResult ?? null),
      );
      return others;
    } catch (error) {
      loader.forget(streamId);
      if (error instanceof WrongExpectedVersionError)
        this.parts.conflicted(
          streamId,
          accepted.map(({ queued }) => queued.command.commandId),
        );
      return batch;
    }
  }
}
