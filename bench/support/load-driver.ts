import { performance } from 'node:perf_hooks';

/** What one bounded run of concurrent workers did. */
export interface LoadResult {
  /** Operations that resolved. */
  readonly ok: number;
  /** Operations that threw (the first error is kept for the report). */
  readonly failed: number;
  readonly firstError?: unknown;
  readonly seconds: number;
  /** `ok` per second of wall time. */
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface LoadOptions {
  readonly workers: number;
  /** Stop after this many operations in all (whichever of `calls` and `maxMs` comes first). */
  readonly calls: number;
  /** Bounds the run in time; default 15 s. */
  readonly maxMs?: number;
  /** One operation; `call` counts from 0 across all workers. */
  operation(call: number, worker: number): Promise<void>;
}

/**
 * Runs `workers` closed-loop callers (each starts its next operation when the last one
 * settles) until `calls` operations were started or `maxMs` passed, and measures each.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const maxMs = options.maxMs ?? 15_000;
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  let firstError: unknown;
  const started = performance.now();
  const worker = async (id: number): Promise<void> => {
    while (next < options.calls && performance.now() - started < maxMs) {
      const call = next++;
      const begun = performance.now();
      try {
        await options.operation(call, id);
        latencies.push(performance.now() - begun);
      } catch (error) {
        failed++;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: options.workers }, (_, id) => worker(id)));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies.length
      ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]
      : NaN;
  return {
    ok: latencies.length,
    failed,
    firstError,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

/** The run with the median throughput of several (its latencies come with it). */
export function medianRun<R extends LoadResult>(runs: readonly R[]): R {
  const sorted = [...runs].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)];
}

export const round = (value: number, digits = 0): number => Number(value.toFixed(digits));
