import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  decodeCursor,
  encodeCursor,
  INSTANT_PART,
  instantKeySql,
  UUID_PART,
} from '../../common/pagination/cursor';
import { GiftCardPage } from './gift-card.views';
import { ListGiftCardsQuery } from './list-gift-cards.query';

interface SummaryRow {
  gift_card_id: string;
  title: string;
  created_at: Date;
  created_key: string;
}

const LIST = 'gift-cards';

/** Keyset pages of gift_card_summaries, in order of creation, then id. */
@QueryHandler(ListGiftCardsQuery)
export class ListGiftCardsHandler implements IQueryHandler<ListGiftCardsQuery> {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async execute({ limit, cursor }: ListGiftCardsQuery): Promise<GiftCardPage> {
    const after = cursor ? decodeCursor(cursor, LIST, [INSTANT_PART, UUID_PART]) : undefined;
    const rows: SummaryRow[] = await this.dataSource.query(
      `SELECT gift_card_id, title, created_at, ${instantKeySql('created_at')} AS created_key
         FROM gift_card_summaries
        WHERE $1::timestamptz IS NULL OR (created_at, gift_card_id) > ($1::timestamptz, $2::uuid)
        ORDER BY created_at, gift_card_id
        LIMIT $3`,
      [after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({
        id: row.gift_card_id,
        title: row.title,
        createdAt: row.created_at.toISOString(),
      })),
      nextCursor:
        rows.length > limit ? encodeCursor(LIST, [last.created_key, last.gift_card_id]) : null,
    };
  }
}
