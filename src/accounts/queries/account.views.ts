import { AccountBalances, Hold } from '../domain/account.state';

/**
 * GET /accounts/{id}: `balance` is the ledger balance (kept under this name for existing
 * clients); the other figures are those of accountBalances.
 */
export type AccountView = AccountBalances & {
  id: string;
  customerId: string;
  currency: string;
  balance: number;
  status: 'OPEN' | 'CLOSED';
  version: number;
};

/** One entry of GET /accounts/{id}/events: the audit history, as recorded. */
export interface AccountHistoryEntry {
  version: number;
  position: string;
  eventId: string;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  occurredAt: string;
  recordedAt: string;
  commandId: string;
  correlationId: string;
  causationId: string;
  actor: string;
  /** The W3C trace context the event was recorded under; only when tracing was on. */
  traceparent?: string;
}

/** A page of the history, oldest first, in the one list shape of the API. */
export interface AccountHistoryPage {
  items: AccountHistoryEntry[];
  /** Pass as `cursor` to read the next page; null on the last page. */
  nextCursor: string | null;
}

/** GET /accounts/{id}/balance?asOf= */
export interface BalanceAsOfView {
  balance: number;
  currency: string;
  asOf: string;
  version: number;
}

/** GET /accounts/{id}/holds/{holdId}: the hold, with its account's stream version. */
export type HoldView = Hold & { id: string; accountId: string; version: number };
