import { CheckpointSigner } from './checkpoint-signer';
import { walkCheckpoints } from './checkpoint-walk';
import {
  ChainRow,
  LOG_CHAIN_PAGE_SQL,
  Queryable,
  STREAM_CHAIN_PAGE_SQL,
} from './tamper-evidence.sql';

/**
 * What is wrong where the log stops verifying:
 * - `content-changed`: the event's hash is not that of its content (and its predecessor's hash);
 * - `chain-broken`: its `previous_hash` is not the hash of the event before it in its stream;
 * - `missing-predecessor`: the version before it is not there (an event was removed);
 * - `unexpected-event`: it carries no hash, so no append wrote it;
 * - `out-of-order`: it comes before its predecessor in the log's order;
 * - `checkpoint-mismatch`: the log up to a checkpoint is not what was signed (events removed,
 *   inserted, changed or reordered since, e.g. a stream's last event deleted);
 * - `bad-signature`: a checkpoint's signature is not the key's, or the sequence has a hole.
 */
export type TamperProblem =
  | 'content-changed'
  | 'chain-broken'
  | 'missing-predecessor'
  | 'unexpected-event'
  | 'out-of-order'
  | 'checkpoint-mismatch'
  | 'bad-signature';

/** The first place the log stops verifying. */
export interface BrokenLink {
  readonly problem: TamperProblem;
  /** The event, for a problem found in a stream's chain. */
  readonly streamId?: string;
  readonly streamVersion?: number;
  /** The event's global position; for a checkpoint's problem, the checkpoint's position. */
  readonly globalPosition?: string;
  readonly transactionId?: string;
  /** The checkpoint's sequence, for a checkpoint's problem. */
  readonly checkpoint?: number;
  /** For a checkpoint's problem: the log position after which its range starts. */
  readonly afterPosition?: string;
  readonly detail: string;
}

/** The answer of a verification. */
export interface LogVerification {
  readonly verified: boolean;
  /** Events whose chain was checked. */
  readonly events: number;
  /** Signed checkpoints checked (the whole log only). */
  readonly checkpoints: number;
  readonly firstBrokenAt?: BrokenLink;
}

/** What verifyEventLog walks: one stream or the whole log, and its page size. */
export interface VerifyOptions {
  /** One stream's chain; absent: every stream, then every checkpoint. */
  readonly streamId?: string;
  /** Events per query, default 5 000. */
  readonly pageSize?: number;
}

interface Link {
  readonly row: ChainRow;
}

/**
 * Verifies the event log's tamper evidence: every event's hash against its content and its
 * stream's previous event, then (whole log only) every checkpoint's signature and digest over
 * the log in position order. Reads a page at a time in index order (memory bounded; cost about
 * one pass over the rows, see docs/operations.md). A stream's chain alone does not show its
 * last events removed: the checkpoints do, in the whole-log verification.
 * @returns the first problem in the log's order among the chains', else the first checkpoint's
 */
export async function verifyEventLog(
  db: Queryable,
  signer: CheckpointSigner,
  options: VerifyOptions = {},
): Promise<LogVerification> {
  const { events, broken } = await verifyChains(db, options);
  if (broken) return { verified: false, events, checkpoints: 0, firstBrokenAt: broken };
  if (options.streamId !== undefined) return { verified: true, events, checkpoints: 0 };
  let checkpoints = 0;
  let expected = 1;
  let afterPosition = '0';
  for await (const walked of walkCheckpoints(db, null)) {
    const { stored } = walked;
    const at = {
      checkpoint: walked.sequence,
      globalPosition: stored.global_position,
      transactionId: stored.transaction_id,
      afterPosition,
    };
    const fields = {
      sequence: walked.sequence,
      transactionId: stored.transaction_id,
      globalPosition: stored.global_position,
      events: Number(stored.events),
      digest: stored.digest,
    };
    if (walked.sequence !== expected || !signer.verify(fields, stored.signature))
      return failed(events, checkpoints, {
        problem: 'bad-signature',
        ...at,
        detail:
          walked.sequence !== expected
            ? `checkpoint ${expected} is missing`
            : `checkpoint ${walked.sequence} is not signed by the configured key`,
      });
    if (walked.events !== fields.events || !walked.digest.equals(stored.digest))
      return failed(events, checkpoints, {
        problem: 'checkpoint-mismatch',
        ...at,
        detail:
          `the log up to position ${stored.global_position} holds ${walked.events} events and ` +
          `${walked.digest.equals(stored.digest) ? 'the signed' : 'another'} digest; ` +
          `checkpoint ${walked.sequence} signed ${fields.events} events` +
          ` (the change is after position ${afterPosition})`,
      });
    checkpoints++;
    expected++;
    afterPosition = stored.global_position;
  }
  return { verified: true, events, checkpoints };
}

function failed(events: number, checkpoints: number, broken: BrokenLink): LogVerification {
  return { verified: false, events, checkpoints, firstBrokenAt: broken };
}

/** Every event's chain, in stream order; the problem earliest in the log's order. */
async function verifyChains(
  db: Queryable,
  { streamId, pageSize = 5_000 }: VerifyOptions,
): Promise<{ events: number; broken?: BrokenLink }> {
  let events = 0;
  let earliest: BrokenLink | undefined;
  let previous: Link | undefined;
  let cursor = { streamId: '', version: 0 };
  for (;;) {
    const rows =
      streamId === undefined
        ? await db.query<ChainRow[]>(LOG_CHAIN_PAGE_SQL, [
            cursor.streamId,
            cursor.version,
            pageSize,
          ])
        : await db.query<ChainRow[]>(STREAM_CHAIN_PAGE_SQL, [streamId, cursor.version, pageSize]);
    for (const row of rows) {
      const samestream = previous?.row.stream_id === row.stream_id ? previous.row : undefined;
      const problem = checkLink(row, samestream);
      if (problem && (!earliest || logOrder(problem) < logOrder(earliest))) earliest = problem;
      previous = { row };
      events++;
    }
    if (rows.length < pageSize) break;
    const last = rows[rows.length - 1];
    cursor = { streamId: last.stream_id, version: last.stream_version };
  }
  return { events, broken: earliest };
}

/** What is wrong with `row`, given the event before it in its stream (if read). */
function checkLink(row: ChainRow, before: ChainRow | undefined): BrokenLink | undefined {
  const at = {
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    globalPosition: row.global_position,
    transactionId: row.transaction_id,
  };
  if (row.event_hash === null)
    return {
      problem: 'unexpected-event',
      ...at,
      detail: 'the event has no hash: no append wrote it',
    };
  const expectedVersion = before ? before.stream_version + 1 : 1;
  if (row.stream_version !== expectedVersion)
    return {
      problem: 'missing-predecessor',
      ...at,
      detail: `version ${row.stream_version - 1} of the stream is missing`,
    };
  if (row.content_ok !== true)
    return {
      problem: 'content-changed',
      ...at,
      detail: 'the event is not what was appended: its hash does not match its content',
    };
  const linked = before ? before.event_hash : null;
  if (!sameHash(row.previous_hash, linked))
    return {
      problem: 'chain-broken',
      ...at,
      detail: before
        ? 'the event does not chain to the hash of the version before it'
        : 'the stream starts with an event that names a predecessor',
    };
  if (before && compareLogOrder(before, row) > 0)
    return {
      problem: 'out-of-order',
      ...at,
      detail: `the event comes before version ${before.stream_version} in the log's order`,
    };
  return undefined;
}

function sameHash(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

function compareLogOrder(a: ChainRow, b: ChainRow): number {
  const byTransaction = BigInt(a.transaction_id) - BigInt(b.transaction_id);
  if (byTransaction !== 0n) return byTransaction < 0n ? -1 : 1;
  const byPosition = BigInt(a.global_position) - BigInt(b.global_position);
  return byPosition === 0n ? 0 : byPosition < 0n ? -1 : 1;
}

/** A sortable key of a problem's place in the log's order (transaction id, then position). */
function logOrder(link: BrokenLink): string {
  const pad = (value: string | undefined) => (value ?? '0').padStart(20, '0');
  return `${pad(link.transactionId)}:${pad(link.globalPosition)}`;
}
