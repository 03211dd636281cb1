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
import { TRANSFER_PROCESS } from '../process/transfer.process';
import { ListStuckTransfersQuery } from './list-stuck-transfers.query';
import { StuckTransferPage } from './transfer.views';

const LIST = 'stuck-transfers';

interface Row {
  transfer_id: string;
  from_account_id: string;
  to_account_id: string;
  amount: string;
  currency: string;
  created_at: Date;
  created_key: string;
  age_ms: number;
  phase: string | null;
  parked_commands: number;
  pending_commands: number;
}

/**
 * From the transfer-summaries read model, joined with the transfer process's own state and
 * unsettled commands, so an operator sees why a transfer waits (a parked command, a deadline
 * ahead). The read model lags a little: a threshold of seconds, not milliseconds, is meant.
 * Keyset-paged by time of initiation, then id.
 */
@QueryHandler(ListStuckTransfersQuery)
export class ListStuckTransfersHandler implements IQueryHandler<ListStuckTransfersQuery> {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async execute({
    olderThanSeconds,
    limit,
    cursor,
  }: ListStuckTransfersQuery): Promise<StuckTransferPage> {
    const after = cursor ? decodeCursor(cursor, LIST, [INSTANT_PART, UUID_PART]) : undefined;
    const rows: Row[] = await this.dataSource.query(
      // Unsettled commands are few and under partial indexes: counted once, not per transfer.
      `WITH unsettled AS (
         SELECT process_id,
                count(*) FILTER (WHERE status = 'parked')::int AS parked,
                count(*) FILTER (WHERE status = 'pending')::int AS pending
           FROM es_process_commands
          WHERE manager = $3 AND status IN ('pending', 'parked')
          GROUP BY process_id)
       SELECT t.transfer_id, t.from_account_id, t.to_account_id, t.amount::text AS amount,
              t.currency, t.created_at, ${instantKeySql('t.created_at')} AS created_key,
              (extract(epoch FROM now() - t.created_at) * 1000)::float8 AS age_ms,
              p.state->>'phase' AS phase,
              coalesce(u.parked, 0) AS parked_commands, coalesce(u.pending, 0) AS pending_commands
         FROM transfer_summaries t
         LEFT JOIN es_process_state p ON p.manager = $3 AND p.process_id = t.transfer_id::text
         LEFT JOIN unsettled u ON u.process_id = t.transfer_id::text
        WHERE t.status = 'PENDING'
          AND t.created_at <= now() - make_interval(secs => $1::double precision)
          AND ($4::timestamptz IS NULL OR (t.created_at, t.transfer_id) > ($4::timestamptz, $5::uuid))
        ORDER BY t.created_at, t.transfer_id
        LIMIT $2`,
      [olderThanSeconds, limit + 1, TRANSFER_PROCESS, after?.[0] ?? null, after?.[1] ?? null],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const items = page.map((row) => ({
      id: row.transfer_id,
      fromAccountId: row.from_account_id,
      toAccountId: row.to_account_id,
      amount: Number(row.amount),
      currency: row.currency,
      createdAt: row.created_at.toISOString(),
      ageMs: Math.max(0, Math.round(row.age_ms)),
      phase: row.phase,
      parkedCommands: row.parked_commands,
      pendingCommands: row.pending_commands,
    }));
    return {
      items,
      nextCursor:
        rows.length > limit ? encodeCursor(LIST, [last.created_key, last.transfer_id]) : null,
    };
  }
}
