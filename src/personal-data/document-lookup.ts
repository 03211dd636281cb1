import { createHmac } from 'node:crypto';
import { DataKeyStore } from './data-key-store';

/**
 * The key of the keyed hash: a data key of its own, kept wrapped by the master key like a
 * person's (so a master key rotation covers it), and never erased. Not a person's id.
 */
export const LOOKUP_KEY_SUBJECT = 'ledgerline:lookup-hash';

/**
 * A keyed hash (HMAC-SHA-256) of a normalised value that must stay findable without being
 * stored: the same value gives the same hash, so a uniqueness rule keyed by it still holds,
 * while the database alone tells nothing of the value (a plain hash of a document number is
 * reversed by trying every number; without the key it cannot be).
 */
export class LookupHash {
  constructor(private readonly keys: DataKeyStore) {}

  async of(normalisedValue: string): Promise<string> {
    const key = await this.keys.keyFor(LOOKUP_KEY_SUBJECT);
    return createHmac('sha256', key).update(normalisedValue, 'utf8').digest('hex');
  }
}
