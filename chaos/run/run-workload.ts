import { MAX_OPERATIONS_PER_MINUTE, Workload } from '../workload/workload';
import { Environment } from './environment';
import { RunOptions } from './run-options';

/** The run's client workload, with the same seed fork in every mode, so a seed replays it. */
export function runWorkload(env: Environment, options: RunOptions): Workload {
  return new Workload(env.client, env.history, env.model, env.random.fork(4_000), {
    clients: options.clients,
    thinkMs: options.thinkMs,
    maxOperations: options.minutes * MAX_OPERATIONS_PER_MINUTE,
  });
}
