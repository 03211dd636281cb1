import { FaultKind } from './fault-kinds';

/** One injected fault with the moments the checks measure against. */
export interface FaultRecord {
  readonly kind: FaultKind;
  /** Injected together with other faults (a mix). */
  readonly mixed: boolean;
  readonly startedAt: number;
  endedAt: number;
  detail: string;
  error?: string;
  /** Database faults: from the stop being issued until a session opens again. */
  databaseDownAt?: number;
  databaseUpAt?: number;
  /** app-kill: the instance, the incarnation killed, and when its successor listened. */
  instance?: string;
  killedIncarnation?: number;
  killedAt?: number;
  restartedListeningAt?: number;
  /** broker-kill */
  brokerDownAt?: number;
  brokerUpAt?: number;
}
