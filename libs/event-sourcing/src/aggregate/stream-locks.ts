import { EventStore } from '../core/event-store.port';
import { KeyedLock } from './keyed-lock';

const locksByStore = new WeakMap<EventStore, KeyedLock>();

/**
 * The in-process lock of `store`'s streams, keyed by stream id: the default `streamLocks` of
 * CommandExecutor and MultiStreamCommandExecutor, so every executor built on one store
 * object shares it without wiring (a context's executors and another context's that write
 * the same streams, such as an account opening and a customer's unregistration). One lock
 * per store object, created on first use: two app instances in one process (as the tests
 * start them) stay as independent as two processes. Never throws.
 */
export function streamLocksOf(store: EventStore): KeyedLock {
  let locks = locksByStore.get(store);
  if (!locks) {
    locks = new KeyedLock();
    locksByStore.set(store, locks);
  }
  return locks;
}
