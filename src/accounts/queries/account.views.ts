/** GET /accounts/{id} */
export interface AccountView {
  id: string;
  customerId: string;
  currency: string;
  /** The ledger balance (kept under this name for existing clients). */
  balance: number;
  ledgerBalance: number;
  /** What debits may still take: the ledger balance plus the overdraft limit. */
  availableBalance: number;
  overdraftLimit: number;
  status: 'OPEN' | 'CLOSED';
  version: number;
}

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
