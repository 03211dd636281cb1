import { IntegrationEvent, RecordedEvent } from '@ledgerline/event-sourcing';
import { AccountEvent, AccountEventType, ACCOUNT_EVENT_TYPES } from '../domain/account.events';

/**
 * The accounts context's public events: the contract other systems consume from the
 * `ledgerline.public` exchange. Versioned on their own (`schemaVersion`), independent of
 * the domain events, and limited to what outsiders may see (docs/architecture.md, "Integration events").
 */
export const AccountIntegrationEventType = {
  opened: 'accounts.account-opened',
  deposited: 'accounts.money-deposited',
  withdrawn: 'accounts.money-withdrawn',
  closed: 'accounts.account-closed',
  transferDebited: 'accounts.transfer-debited',
  transferCredited: 'accounts.transfer-credited',
  transferRefunded: 'accounts.transfer-refunded',
} as const;

const TRANSFER_TYPES = {
  MoneyDebitedForTransfer: AccountIntegrationEventType.transferDebited,
  MoneyCreditedForTransfer: AccountIntegrationEventType.transferCredited,
  TransferDebitRefunded: AccountIntegrationEventType.transferRefunded,
} as const;

// The envelope's type and data are separate fields; the domain union discriminates on both.
const asAccountEvent = (event: RecordedEvent): AccountEvent | undefined =>
  (ACCOUNT_EVENT_TYPES as readonly string[]).includes(event.type)
    ? ({ type: event.type, data: event.data } as AccountEvent)
    : undefined;

/** Domain event -> public integration events (one each, today). Pure. */
export function accountIntegrationEvents(recorded: RecordedEvent): IntegrationEvent[] {
  const event = asAccountEvent(recorded);
  if (!event) return [];
  const occurredAt = recorded.metadata.occurredAt;
  switch (event.type) {
    case AccountEventType.opened:
      return [
        {
          type: AccountIntegrationEventType.opened,
          schemaVersion: 1,
          data: {
            accountId: event.data.accountId,
            customerId: event.data.customerId,
            currency: event.data.currency,
            openedAt: occurredAt,
          },
        },
      ];
    case AccountEventType.deposited:
    case AccountEventType.withdrawn:
      return [
        {
          type:
            event.type === AccountEventType.deposited
              ? AccountIntegrationEventType.deposited
              : AccountIntegrationEventType.withdrawn,
          schemaVersion: 1,
          data: {
            accountId: event.data.accountId,
            amount: event.data.amount,
            accountVersion: recorded.streamVersion,
            occurredAt,
          },
        },
      ];
    case AccountEventType.closed:
      return [
        {
          type: AccountIntegrationEventType.closed,
          schemaVersion: 1,
          data: { accountId: event.data.accountId, closedAt: occurredAt },
        },
      ];
    case AccountEventType.debitedForTransfer:
    case AccountEventType.creditedForTransfer:
    case AccountEventType.transferDebitRefunded:
      return [
        {
          type: TRANSFER_TYPES[event.type],
          schemaVersion: 1,
          data: {
            accountId: event.data.accountId,
            transferId: event.data.transferId,
            amount: event.data.amount,
            accountVersion: recorded.streamVersion,
            occurredAt,
          },
        },
      ];
    case AccountEventType.transferCreditCancelled:
    case AccountEventType.transferDebitSettled:
      return []; // internal bookkeeping of the transfer process
    case AccountEventType.overdraftLimitSet:
      return []; // a teller's setting, not a movement: not part of the public contract
    case AccountEventType.holdPlaced:
    case AccountEventType.holdReleased:
    case AccountEventType.holdExpired:
    case AccountEventType.holdCaptured:
      // Reservations move no money; a capture's money moves as the MoneyWithdrawn beside it.
      return [];
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}
