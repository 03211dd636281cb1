import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a checkpoint's signature covers. */
export interface CheckpointFields {
  /** 1, 2, 3…: a checkpoint removed from the middle breaks the sequence. */
  readonly sequence: number;
  /** The last event it covers, in log order (transaction id, then global position). */
  readonly transactionId: string;
  readonly globalPosition: string;
  /** Events covered from the start of the log. */
  readonly events: number;
  /** The running digest (see RunningDigest). */
  readonly digest: Buffer;
}

/** The smallest key accepted: HMAC-SHA256 is as strong as its key, up to 32 bytes. */
export const MIN_SIGNING_KEY_BYTES = 32;

/**
 * Signs checkpoints with HMAC-SHA256 under a secret key. Whoever holds the key can sign any
 * checkpoint: keep it out of the database (configuration, a secret store).
 * @throws RangeError for a key shorter than MIN_SIGNING_KEY_BYTES
 */
export class CheckpointSigner {
  constructor(private readonly key: Buffer) {
    if (key.length < MIN_SIGNING_KEY_BYTES)
      throw new RangeError(`a checkpoint signing key needs ${MIN_SIGNING_KEY_BYTES} bytes`);
  }

  sign(checkpoint: CheckpointFields): Buffer {
    return createHmac('sha256', this.key).update(signedText(checkpoint)).digest();
  }

  /** Constant-time comparison with the signature `checkpoint` should carry. */
  verify(checkpoint: CheckpointFields, signature: Buffer): boolean {
    const expected = this.sign(checkpoint);
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}

/** One line per field, versioned: a future encoding cannot be confused with this one. */
function signedText({ sequence, transactionId, globalPosition, events, digest }: CheckpointFields) {
  return [
    'ledgerline-audit-checkpoint-v1',
    sequence,
    transactionId,
    globalPosition,
    events,
    digest.toString('hex'),
  ].join('\n');
}
