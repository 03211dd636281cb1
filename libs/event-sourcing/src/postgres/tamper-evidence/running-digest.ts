import { createHash, Hash } from 'node:crypto';

const ABSENT_HASH = Buffer.alloc(32);

/**
 * The checkpoint digest: SHA-256 over the previous checkpoint's digest (nothing for the first
 * checkpoint), then per event in log order its global position (8 bytes, big-endian) and its
 * `event_hash` (32 zero bytes for an event that has none). Chained this way, one digest stands
 * for every event hash up to its checkpoint, and an event removed, added or moved in the log's
 * order changes it.
 */
export class RunningDigest {
  private readonly hash: Hash;
  private count = 0;

  constructor(previous: Buffer | null) {
    this.hash = createHash('sha256');
    if (previous) this.hash.update(previous);
  }

  /** Events added so far. */
  get events(): number {
    return this.count;
  }

  add(globalPosition: string, eventHash: Buffer | null): void {
    const position = Buffer.alloc(8);
    position.writeBigInt64BE(BigInt(globalPosition));
    this.hash.update(position).update(eventHash ?? ABSENT_HASH);
    this.count++;
  }

  /** The digest; the instance cannot be used after. */
  digest(): Buffer {
    return this.hash.digest();
  }
}
