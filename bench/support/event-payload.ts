import { randomUUID } from 'node:crypto';

/**
 * The event every append benchmark writes, the shape the performance anchors used: a
 * MoneyDeposited with about 300 bytes of JSON data and about 150 bytes of JSON metadata.
 */
export function depositData(accountId: string, amount: number): Record<string, string | number> {
  return {
    accountId,
    amount,
    currency: 'EUR',
    channel: 'online',
    reference: `bench deposit ${amount} for invoice 2026-11-${String(amount % 28).padStart(2, '0')}`,
    counterparty: 'DE89 3704 0044 0532 0130 00',
    note: 'benchmark payload: sized like a real deposit event with its descriptive fields',
  };
}

export function depositMetadata(): {
  commandId: string;
  correlationId: string;
  causationId: string;
  actor: string;
  occurredAt: string;
} {
  const commandId = randomUUID();
  return {
    commandId,
    correlationId: commandId,
    causationId: commandId,
    actor: 'bench',
    occurredAt: new Date().toISOString(),
  };
}
