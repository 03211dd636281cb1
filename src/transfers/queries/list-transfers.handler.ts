import { Inject } from '@nestjs/common';
import { ACCOUNT_REPOSITORY, AccountRepository, isAccountVisible } from '../../accounts';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../common/pagination/uuid-cursor';
import { TransferStatus } from '../domain/transfer.state';
import { ListTransfersQuery } from './list-transfers.query';
import { TransferPage } from './transfer.views';

interface Row {
  transfer_id: string;
  from_account_id: string;
  to_account_id: string;
  amount: string;
  currency: string;
  status: TransferStatus;
  reason: string | null;
  created_at: Date;
  updated_at: Date;
}

@QueryHandler(ListTransfersQuery)
export class ListTransfersHandler implements IQueryHandler<ListTransfersQuery> {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository,
  ) {}

  async execute({ accountId, limit, cursor, scope }: ListTransfersQuery): Promise<TransferPage> {
    // Another customer's account lists nothing, as an unknown account does.
    if (!(await isAccountVisible(this.accounts, scope, accountId)))
      return { items: [], nextCursor: null };
    const rows: Row[] = await this.dataSource.query(
      `SELECT transfer_id, from_account_id, to_account_id, amount::text AS amount, currency, status,
              reason, created_at, updated_at
         FROM transfer_summaries
        WHERE (from_account_id = $1 OR to_account_id = $1)
          AND ($2::uuid IS NULL OR transfer_id > $2::uuid)
          -- A customer sees incoming transfers once credited: attempts that moved nothing
          -- (and their reasons) are the sender's business.
          AND ($4::boolean OR from_account_id = $1 OR status = 'COMPLETED')
        ORDER BY transfer_id
        LIMIT $3`,
      [accountId, cursor ? decodeCursor(cursor) : null, limit + 1, scope.kind === 'all'],
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) => ({
        id: row.transfer_id,
        fromAccountId: row.from_account_id,
        toAccountId: row.to_account_id,
        amount: Number(row.amount),
        currency: row.currency,
        status: row.status,
        reason: row.reason,
        createdAt: row.created_at.toISOString(),
        updatedAt: row.updated_at.toISOString(),
      })),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].transfer_id) : null,
    };
  }
}
