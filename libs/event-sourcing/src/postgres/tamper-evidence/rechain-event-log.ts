import { DataSource } from 'typeorm';
import { runInTransaction } from '../run-in-transaction';
import { CheckpointSigner } from './checkpoint-signer';
import { walkCheckpoints } from './checkpoint-walk';
import { RECHAIN_SQL } from './rechain.sql';
import {
  CHECKPOINT_COLUMNS,
  CHECKPOINT_LOCK_SQL,
  CheckpointRow,
  Queryable,
  RECORD_RECHAIN_SQL,
  RESIGN_CHECKPOINT_SQL,
} from './tamper-evidence.sql';

/** What a re-chain changed: nothing (zeros) when every hash was already right. */
export interface RechainResult {
  /** Events whose hashes were written again. */
  readonly events: number;
  /** Checkpoints whose digest and signature were written again. */
  readonly checkpointsResigned: number;
}

/** The checkpoints do not match the log as it was before the rewrite: nothing was re-chained. */
export class CheckpointsAlreadyBrokenError extends Error {
  constructor(sequence: number) {
    super(
      `checkpoint ${sequence} does not match the event log: verify it before re-chaining, a ` +
        're-chain would sign whatever changed',
    );
    this.name = 'CheckpointsAlreadyBrokenError';
  }
}

/** Checkpoints cover rewritten events and no key was given to sign them again. */
export class SigningKeyRequiredError extends Error {
  constructor() {
    super('rewritten events are covered by signed checkpoints: the signing key is needed');
    this.name = 'SigningKeyRequiredError';
  }
}

/**
 * After a legitimate rewrite of events in place (sealing personal data, renaming a stream):
 * computes every stream's chain again and writes the hashes that differ, then signs again
 * the checkpoints from the first one covering a changed event, and records the re-chain with
 * `reason` in `es_audit_rechains`. One transaction; appends wait for it (the table is locked
 * against writes), reads go on. Before anything changes, the checkpoints must still match
 * the stored hashes: a rewrite that changed content leaves those as they were, tampering with
 * the hashes does not, and is never signed over. Idempotent: run again after a crash, it
 * finds what is left to do. Cost: one pass over the log, plus one from the first re-signed
 * checkpoint.
 * @throws CheckpointsAlreadyBrokenError, SigningKeyRequiredError (nothing changed then)
 */
export async function rechainEventLog(
  dataSource: DataSource,
  options: { readonly reason: string; readonly signer?: CheckpointSigner },
): Promise<RechainResult> {
  return runInTransaction(dataSource, async ({ manager: db }) => {
    await db.query(`LOCK TABLE es_events IN EXCLUSIVE MODE`);
    await db.query(CHECKPOINT_LOCK_SQL.wait);
    await checkCheckpoints(db, options.signer);
    const [changed] =
      await db.query<
        { events: number; transaction_id: string | null; global_position: string | null }[]
      >(RECHAIN_SQL);
    if (changed.events === 0 || changed.transaction_id === null || changed.global_position === null)
      return { events: 0, checkpointsResigned: 0 };
    const checkpointsResigned = await resign(db, options.signer, {
      transactionId: changed.transaction_id,
      position: changed.global_position,
    });
    await db.query(RECORD_RECHAIN_SQL, [options.reason, changed.events, checkpointsResigned]);
    return { events: changed.events, checkpointsResigned };
  });
}

/** The digests before the re-chain: what a re-chain signs again must be what was signed. */
async function checkCheckpoints(db: Queryable, signer: CheckpointSigner | undefined) {
  for await (const walked of walkCheckpoints(db, null)) {
    if (!signer) throw new SigningKeyRequiredError();
    if (
      walked.events !== Number(walked.stored.events) ||
      !walked.digest.equals(walked.stored.digest)
    )
      throw new CheckpointsAlreadyBrokenError(walked.sequence);
  }
}

/** Signs again every checkpoint at or after `first` (log order); returns how many. */
async function resign(
  db: Queryable,
  signer: CheckpointSigner | undefined,
  first: { transactionId: string; position: string },
): Promise<number> {
  const [before] = await db.query<CheckpointRow[]>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM es_audit_checkpoints
      WHERE (transaction_id, global_position) < ($1::xid8, $2::bigint)
      ORDER BY sequence DESC LIMIT 1`,
    [first.transactionId, first.position],
  );
  let resigned = 0;
  for await (const walked of walkCheckpoints(db, before ?? null)) {
    if (!signer) throw new SigningKeyRequiredError();
    const fields = {
      sequence: walked.sequence,
      transactionId: walked.stored.transaction_id,
      globalPosition: walked.stored.global_position,
      events: walked.events,
      digest: walked.digest,
    };
    await db.query(RESIGN_CHECKPOINT_SQL, [walked.sequence, walked.digest, signer.sign(fields)]);
    resigned++;
  }
  return resigned;
}
