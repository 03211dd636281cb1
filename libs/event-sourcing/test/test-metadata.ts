import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '../src/core/event';

/**
 * The metadata of one command in a library test: the actor `test`, a fresh command id (also
 * its correlation and causation) and now, unless the test fixes the id or the time.
 */
export function testMetadata(
  options: { commandId?: string; occurredAt?: string } = {},
): EventMetadata {
  const commandId = options.commandId ?? randomUUID();
  return {
    commandId,
    correlationId: commandId,
    causationId: commandId,
    actor: 'test',
    occurredAt: options.occurredAt ?? new Date().toISOString(),
  };
}
