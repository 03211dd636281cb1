import { Projection, ProjectionTransaction, RecordedEvent } from '@ledgerline/event-sourcing';
import { GiftCardEvent, GiftCardEventType } from '../domain/gift-card.events';

export const GIFT_CARD_SUMMARIES = 'gift-card-summaries';
const TABLE = 'gift_card_summaries';

/**
 * One row per gift card, for listing. Its rows commit with its checkpoint; it can be rebuilt
 * from the log (`npm run projections -- rebuild gift-card-summaries`).
 */
export const giftCardSummariesProjection: Projection = {
  name: GIFT_CARD_SUMMARIES,
  eventTypes: Object.values(GiftCardEventType),
  tables: [TABLE],
  lifecycle: 'async',
  async apply(events: readonly RecordedEvent[], tx: ProjectionTransaction): Promise<void> {
    const table = tx.table(TABLE);
    for (const recorded of events) {
      const event = { type: recorded.type, data: recorded.data } as GiftCardEvent;
      switch (event.type) {
        case GiftCardEventType.created:
          await tx.query(
            `INSERT INTO ${table} (gift_card_id, title, version, created_at)
             VALUES ($1, $2, $3, $4)`,
            [
              event.data.giftCardId,
              event.data.title,
              recorded.streamVersion,
              recorded.metadata.occurredAt,
            ],
          );
          break;
        default: {
          const unknownEvent: never = event.type;
          throw new Error(`gift-card-summaries: no handling of ${String(unknownEvent)}`);
        }
      }
    }
  },
};
