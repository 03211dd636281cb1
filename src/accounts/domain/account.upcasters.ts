import { Upcaster } from '@ledgerline/event-sourcing';
import { AccountEventType } from './account.events';

/**
 * How old account events are read in the current shape. Never change one once released:
 * stored events depend on it. Add the next version's upcaster instead.
 */
export const accountUpcasters: readonly Upcaster[] = [
  {
    // v1 -> v2: deposits gained a channel; older ones did not record it.
    type: AccountEventType.deposited,
    fromVersion: 1,
    upcast: (data) => ({ ...data, channel: 'unknown' }),
  },
];
