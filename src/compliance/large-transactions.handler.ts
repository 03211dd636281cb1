import { Inject } from '@nestjs/common';
import { EventsHandler } from '@nestjs/cqrs';
import { ProjectionTransaction } from '@ledgerline/event-sourcing';
import { CommittedEventsHandler } from '@ledgerline/event-sourcing/nest';
import { MoneyDeposited, MoneyWithdrawn } from '../accounts';
import { COMPLIANCE_SETTINGS, ComplianceSettings } from './compliance-settings';

/**
 * Reports every deposit and withdrawal at or above the threshold. An `@EventsHandler` as the
 * @nestjs/cqrs documentation writes one, fed durably from the event log (checkpoint
 * `events-handler:LargeTransactionsHandler` in GET /admin/projections): its row commits in
 * the transaction of its checkpoint, so each event is reported exactly once, whatever crashes.
 */
@EventsHandler(MoneyDeposited, MoneyWithdrawn)
export class LargeTransactionsHandler implements CommittedEventsHandler<
  MoneyDeposited | MoneyWithdrawn
> {
  constructor(@Inject(COMPLIANCE_SETTINGS) private readonly settings: ComplianceSettings) {}

  async handle(
    event: MoneyDeposited | MoneyWithdrawn,
    transaction: ProjectionTransaction,
  ): Promise<void> {
    if (event.data.amount < this.settings.largeTransactionThreshold) return;
    await transaction.query(
      `INSERT INTO compliance_large_transactions
         (event_id, global_position, account_id, kind, amount, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        event.eventId,
        event.recorded.globalPosition.toString(),
        event.data.accountId,
        event instanceof MoneyDeposited ? 'deposit' : 'withdrawal',
        event.data.amount,
        event.metadata.occurredAt,
      ],
    );
  }
}
