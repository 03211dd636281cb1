import { CommandOutcome } from '@ledgerline/event-sourcing';
import { GiftCardState } from '../domain/gift-card.state';

/** Response of a gift card write: the stream version and global position it produced. */
export type GiftCardWriteResult = { id: string; version: number; position: string | null };

export const toGiftCardWriteResult =
  (giftCardId: string) =>
  (outcome: CommandOutcome<GiftCardState>): GiftCardWriteResult => ({
    id: giftCardId,
    version: outcome.version,
    position: outcome.position === null ? null : outcome.position.globalPosition.toString(),
  });
