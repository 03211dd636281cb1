import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { IntegrationMessageBody } from '@ledgerline/event-sourcing';
import { PostgresInbox } from '@ledgerline/event-sourcing/postgres';
import { AccountIntegrationEventType } from '../accounts';
import { MessagingTransport } from '../messaging/messaging-transport';

/** The inbox scope and, on RabbitMQ, the queue name: keep it stable. */
export const WITHDRAWAL_NOTIFICATIONS = 'withdrawal-notifications';

const INSERT_NOTIFICATION_SQL = `
INSERT INTO withdrawal_notifications (message_id, account_id, amount, occurred_at)
VALUES ($1, $2, $3, $4)`;

/**
 * Turns every public `accounts.money-withdrawn` into one withdrawal notice for the account
 * holder. It only knows the public contract (never the accounts' domain events), consumes
 * from the broker (or in process), and records each message id in its inbox in the same
 * transaction as the notice, so a redelivered message adds nothing.
 */
@Injectable()
export class WithdrawalNotificationsConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger('WithdrawalNotifications');
  private readonly inbox: PostgresInbox;
  private readonly counters = { handled: 0, duplicates: 0 };

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly transport: MessagingTransport,
  ) {
    this.inbox = new PostgresInbox(dataSource, WITHDRAWAL_NOTIFICATIONS);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.transport.subscriptions.subscribe(
      WITHDRAWAL_NOTIFICATIONS,
      [AccountIntegrationEventType.withdrawn],
      async (message, headers) => {
        const applied = await this.handle(message);
        // The correlation id ties the notice to the request whose withdrawal caused it.
        this.logger.debug({
          msg: applied ? 'withdrawal notice recorded' : 'redelivered withdrawal ignored',
          messageId: message.id,
          type: message.type,
          correlationId: headers.correlationId,
        });
      },
    );
  }

  /** Messages applied, and redeliveries the inbox recognised, since start-up. */
  get stats(): Readonly<{ handled: number; duplicates: number }> {
    return { ...this.counters };
  }

  /** @returns false when the message was handled before (a redelivery). */
  async handle(message: IntegrationMessageBody): Promise<boolean> {
    const { accountId, amount } = message.data;
    if (typeof accountId !== 'string' || typeof amount !== 'number')
      throw new Error(`message ${message.id} is not an accounts.money-withdrawn v1`);
    const applied = await this.inbox.handleOnce(message.id, async (tx) => {
      await tx.query(INSERT_NOTIFICATION_SQL, [message.id, accountId, amount, message.occurredAt]);
    });
    this.counters[applied ? 'handled' : 'duplicates']++;
    return applied;
  }
}
