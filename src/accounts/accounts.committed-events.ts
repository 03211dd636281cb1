import { committedEvent } from '@ledgerline/event-sourcing/nest';
import * as Events from './domain/account.events';

/*
 * The accounts context's events as @nestjs/cqrs event classes, for an `@EventsHandler` or
 * `@Saga` in any module: `@EventsHandler(MoneyDeposited)` receives every committed deposit,
 * in log order, durably (see docs/extending.md). Each class is matched by the event's
 * stable type name in the log.
 */
export const AccountOpened = committedEvent<Events.AccountOpened>(Events.AccountEventType.opened);
export type AccountOpened = InstanceType<typeof AccountOpened>;
export const MoneyDeposited = committedEvent<Events.MoneyDeposited>(
  Events.AccountEventType.deposited,
);
export type MoneyDeposited = InstanceType<typeof MoneyDeposited>;
export const MoneyWithdrawn = committedEvent<Events.MoneyWithdrawn>(
  Events.AccountEventType.withdrawn,
);
export type MoneyWithdrawn = InstanceType<typeof MoneyWithdrawn>;
export const AccountClosed = committedEvent<Events.AccountClosed>(Events.AccountEventType.closed);
export type AccountClosed = InstanceType<typeof AccountClosed>;
export const MoneyDebitedForTransfer = committedEvent<Events.MoneyDebitedForTransfer>(
  Events.AccountEventType.debitedForTransfer,
);
export type MoneyDebitedForTransfer = InstanceType<typeof MoneyDebitedForTransfer>;
export const MoneyCreditedForTransfer = committedEvent<Events.MoneyCreditedForTransfer>(
  Events.AccountEventType.creditedForTransfer,
);
export type MoneyCreditedForTransfer = InstanceType<typeof MoneyCreditedForTransfer>;
export const TransferCreditCancelled = committedEvent<Events.TransferCreditCancelled>(
  Events.AccountEventType.transferCreditCancelled,
);
export type TransferCreditCancelled = InstanceType<typeof TransferCreditCancelled>;
export const TransferDebitRefunded = committedEvent<Events.TransferDebitRefunded>(
  Events.AccountEventType.transferDebitRefunded,
);
export type TransferDebitRefunded = InstanceType<typeof TransferDebitRefunded>;
export const TransferDebitSettled = committedEvent<Events.TransferDebitSettled>(
  Events.AccountEventType.transferDebitSettled,
);
export type TransferDebitSettled = InstanceType<typeof TransferDebitSettled>;
