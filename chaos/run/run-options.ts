import { FaultKind } from '../faults/fault-kinds';

/** One run of the checker against real app processes. */
export interface RunOptions {
  /** Shown in the output and the report ("chaos", "soak", "self-test"). */
  readonly label: string;
  readonly seed: number;
  /** Length of the workload (the fault phase and a quiet tail inside it). */
  readonly minutes: number;
  readonly faults: readonly FaultKind[];
  readonly clients: number;
  /** Pause between a client's actions, drawn in [0, thinkMs]. */
  readonly thinkMs: number;
  /** The built app's entry point (dist/src/main.js, or a mutated copy). */
  readonly appMain: string;
  /** Extra node flags for the app processes (the soak adds --trace-gc). */
  readonly appNodeArgs: readonly string[];
  /** Runs and reports go to <outRoot>/<run id>/. */
  readonly outRoot: string;
  readonly amqpUrl: string;
  /** Longest wait for the system to come to rest after healing. */
  readonly quiescenceTimeoutMs: number;
}
