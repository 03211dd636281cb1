import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@ledgerline/event-sourcing';

/** The metadata of one command in a library test: fresh ids, the actor `test`, now. */
export function testMetadata(): EventMetadata {
  const commandId = randomUUID();
  return {
    commandId,
    correlationId: commandId,
    causationId: commandId,
    actor: 'test',
    occurredAt: new Date().toISOString(),
  };
}
