import { collectDefaultMetrics, Registry } from 'prom-client';

let registry: Registry | undefined;

/**
 * The Node process's metrics (CPU, memory, heap, event-loop lag, GC, handles), with their
 * standard names (process_*, nodejs_*). Kept once per process and shared by every app
 * instance in it: the collectors install an event-loop monitor and a GC observer that are
 * never removed, so a registry per instance would pile them up.
 */
export function processMetrics(): Registry {
  if (registry) return registry;
  registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
