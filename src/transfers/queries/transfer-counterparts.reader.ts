import { Inject, Injectable } from '@nestjs/common';
import { EventStore } from '@ledgerline/event-sourcing';
import { TransferAccounts, TransferCounterparts } from '../../accounts';
import { EVENT_STORE } from '../../database/database.tokens';
import { TransferEventType, TransferInitiated } from '../domain/transfer.events';
import { transferStreamId } from '../domain/transfer.state';

/** Reads at a time: a statement's transfers are read a few streams at once, not all at once. */
const CONCURRENCY = 8;

/**
 * The accounts of transfers, for statements: each transfer's first event, from the book of
 * record (a transfer's accounts never change once initiated).
 */
@Injectable()
export class TransferCounterpartsReader implements TransferCounterparts {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async accountsOf(transferIds: readonly string[]): Promise<ReadonlyMap<string, TransferAccounts>> {
    const found = new Map<string, TransferAccounts>();
    for (let start = 0; start < transferIds.length; start += CONCURRENCY) {
      const batch = transferIds.slice(start, start + CONCURRENCY);
      const firsts = await Promise.all(
        batch.map((id) => this.store.readStream(transferStreamId(id), { toVersion: 1 })),
      );
      for (const [first] of firsts) {
        if (first?.type !== TransferEventType.initiated) continue;
        const { transferId, fromAccountId, toAccountId } = first.data as TransferInitiated['data'];
        found.set(transferId, { fromAccountId, toAccountId });
      }
    }
    return found;
  }
}
