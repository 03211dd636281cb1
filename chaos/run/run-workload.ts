import { workloadClientSubject } from '../infra/credentials';
import { MAX_OPERATIONS_PER_MINUTE, Workload } from '../workload/workload';
import { Environment } from './environment';
import { RunOptions } from './run-options';

/**
 * The run's client workload, with the same seed fork in every mode, so a seed replays it.
 * Each simulated client is a teller of its own (its own token, actor and rate-limit counter).
 */
export async function runWorkload(env: Environment, options: RunOptions): Promise<Workload> {
  const clients = await Promise.all(
    Array.from({ length: options.clients }, async (_, index) =>
      env.client.as(await env.credentials.caller(workloadClientSubject(index), ['teller'])),
    ),
  );
  return new Workload(clients, env.history, env.model, env.random.fork(4_000), {
    thinkMs: options.thinkMs,
    maxOperations: options.minutes * MAX_OPERATIONS_PER_MINUTE,
  });
}
