import { Inject } from '@nestjs/common';
import { ACCOUNT_REPOSITORY, AccountRepository, isAccountVisible } from '../../accounts';
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
  created_key: string;
}

const LIST = 'transfers';
const COLUMNS = `transfer_id, from_account_id, to_account_id, amount::text AS amount, currency,
  status, reason, created_at, updated_at, ${instantKeySql('created_at')} AS created_key`;

/**
 * An account's transfers (optionally in one status), or every transfer in one status (the
 * approvals waiting), oldest first (time of initiation, then id, so transfers initiated in the
 * same microsecond still have one order), keyset-paged.
 */
@QueryHandler(ListTransfersQuery)
export class ListTransfersHandler implements IQueryHandler<ListTransfersQuery> {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository,
  ) {}

  async execute({ filter, limit, cursor, scope }: ListTransfersQuery): Promise<TransferPage> {
    const after = cursor ? decodeCursor(cursor, LIST, [INSTANT_PART, UUID_PART]) : undefined;
    const status = filter.status ?? null;
    const page = after?.[0] ?? null;
    const pageId = after?.[1] ?? null;
    let rows: Row[];
    if (filter.accountId === undefined) {
      // Across accounts (the approvals waiting): staff only, as the controller also insists.
      if (scope.kind !== 'all') return { items: [], nextCursor: null };
      rows = await this.dataSource.query(
        `SELECT ${COLUMNS} FROM transfer_summaries
          WHERE status = $1
            AND ($2::timestamptz IS NULL OR (created_at, transfer_id) > ($2::timestamptz, $3::uuid))
          ORDER BY created_at, transfer_id
          LIMIT $4`,
        [status, page, pageId, limit + 1],
      );
    } else {
      const { accountId } = filter;
      // Another customer's account lists nothing, as an unknown account does.
      if (!(await isAccountVisible(this.accounts, scope, accountId)))
        return { items: [], nextCursor: null };
      rows = await this.dataSource.query(
        `SELECT ${COLUMNS} FROM transfer_summaries
          WHERE (from_account_id = $1 OR to_account_id = $1)
            AND ($6::text IS NULL OR status = $6)
            AND ($2::timestamptz IS NULL OR (created_at, transfer_id) > ($2::timestamptz, $3::uuid))
            -- A customer sees incoming transfers once credited: attempts that moved nothing
            -- (and their reasons) are the sender's business.
            AND ($5::boolean OR from_account_id = $1 OR status = 'COMPLETED')
          ORDER BY created_at, transfer_id
          LIMIT $4`,
        [accountId, page, pageId, limit + 1, scope.kind === 'all', status],
      );
    }
    const shown = rows.slice(0, limit);
    const last = shown[shown.length - 1];
    return {
      items: shown.map((row) => ({
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
      nextCursor:
        rows.length > limit ? encodeCursor(LIST, [last.created_key, last.transfer_id]) : null,
    };
  }
}
