import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TRANSFER_PROCESS } from '../process/transfer.process';
import { ListStuckTransfersQuery } from './list-stuck-transfers.query';
import { StuckTransferView } from './transfer.views';

interface Row {
  transfer_id: string;
  from_account_id: string;
  to_account_id: string;
  amount: string;
  currency: string;
  created_at: Date;
  age_ms: number;
  phase: string | null;
  parked_commands: number;
  pending_commands: number;
}

/**
 * From the transfer-summaries read model, joined with the transfer process's own state and
 * unsettled commands, so an operator sees why a transfer waits (a parked command, a deadline
 * ahead). The read model lags a little: a threshold of seconds, not milliseconds, is meant.
 */
@QueryHandler(ListStuckTransfersQuery)
export class ListStuckTransfersHandler implements IQueryHandler<ListStuckTransfersQuery> {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async execute({
    olderThanSeconds,
    limit,
  }: ListStuckTransfersQuery): Promise<StuckTransferView[]> {
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
              t.currency, t.created_at,
              (extract(epoch FROM now() - t.created_at) * 1000)::float8 AS age_ms,
              p.state->>'phase' AS phase,
              coalesce(u.parked, 0) AS parked_commands, coalesce(u.pending, 0) AS pending_commands
         FROM transfer_summaries t
         LEFT JOIN es_process_state p ON p.manager = $3 AND p.process_id = t.transfer_id::text
         LEFT JOIN unsettled u ON u.process_id = t.transfer_id::text
        WHERE t.status = 'PENDING'
          AND t.created_at <= now() - make_interval(secs => $1::double precision)
        ORDER BY t.created_at, t.transfer_id
        LIMIT $2`,
      [olderThanSeconds, limit, TRANSFER_PROCESS],
    );
    return rows.map((row) => ({
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
  }
}
