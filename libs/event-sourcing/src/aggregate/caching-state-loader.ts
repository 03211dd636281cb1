import { NewEvent } from '../core/event';
import { AggregateRepository, LoadedAggregate } from './aggregate-repository';
import { Decision } from './stream-command';

/** A decision and the state it was made on. */
export interface DecidedOn<State, Event extends NewEvent> {
  readonly loaded: LoadedAggregate<State, Event>;
  readonly decision: Decision<Event>;
  /** Whether `loaded` is the remembered state (no load was made). */
  readonly cached: boolean;
}

/**
 * Where a CommandExecutor gets a stream's state: the state this process committed last, kept
 * for the `capacity` streams it wrote most recently (a write makes a stream the newest, a read
 * does not; the least recently written is dropped first), else a load through the repository.
 *
 * Fast path: a command is decided on the remembered state without a load and without first
 * looking up its id. Both are safe because only an append can turn a cached decision into an
 * outcome, and the append checks what the cache assumed: the expected version (another
 * process's commit since makes it a conflict, then the stream is reloaded) and the command id
 * (a repeat is refused as DuplicateCommandError, then its first result is returned). Every
 * other outcome (a domain error, nothing to do, an If-Match mismatch) is decided again on a
 * fresh load (`decideOnLatest`), and a repeated command's recorded result wins over it.
 *
 * Whoever appends must `remember` the state it committed and `forget` the stream when an
 * append fails, since the remembered state may be what made it fail.
 */
export class CachingStateLoader<State, Event extends NewEvent> {
  /** In write order, oldest first: a Map iterates in insertion order. */
  private readonly latest = new Map<string, LoadedAggregate<State, Event>>();

  /** @param capacity how many streams to keep; 0 keeps none, so every command loads. */
  constructor(
    private readonly repository: AggregateRepository<State, Event>,
    private readonly capacity: number,
  ) {}

  /** Streams remembered now (for metrics and tests). */
  get size(): number {
    return this.latest.size;
  }

  /**
   * The remembered state of the stream, else its load.
   * @throws what AggregateRepository.load throws
   */
  async load(streamId: string): Promise<LoadedAggregate<State, Event>> {
    return this.latest.get(streamId) ?? (await this.repository.load(streamId));
  }

  /**
   * `decide` on the remembered state, else on a load. A decision on the remembered state that
   * is anything but an append is made again on a fresh load before anyone answers with it:
   * another process may have written since, and only an append would have noticed.
   * @throws what AggregateRepository.load throws (never what `decide` returns as a refusal)
   */
  async decideOnLatest(
    streamId: string,
    decide: (loaded: LoadedAggregate<State, Event>) => Decision<Event>,
  ): Promise<DecidedOn<State, Event>> {
    const remembered = this.latest.get(streamId);
    if (remembered) {
      const decision = decide(remembered);
      if (decision.kind === 'append') return { loaded: remembered, decision, cached: true };
      this.forget(streamId);
    }
    const loaded = await this.repository.load(streamId);
    return { loaded, decision: decide(loaded), cached: false };
  }

  /** Keeps `loaded` as the stream's latest state, this process having just committed it. */
  remember(streamId: string, loaded: LoadedAggregate<State, Event>): void {
    if (this.capacity === 0) return;
    this.latest.delete(streamId);
    this.latest.set(streamId, loaded);
    if (this.latest.size > this.capacity) {
      const oldest = this.latest.keys().next().value;
      if (oldest !== undefined) this.latest.delete(oldest);
    }
  }

  /** Drops the stream's remembered state: its next command loads it. */
  forget(streamId: string): void {
    this.latest.delete(streamId);
  }
}
