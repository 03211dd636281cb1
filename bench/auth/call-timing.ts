import { performance } from 'node:perf_hooks';

/** What `calls` calls of one function cost, per call. */
export interface CallTiming {
  /** Wall-clock µs per call: with one call in flight, its latency; with more, 1 / throughput. */
  readonly wallUs: number;
  /**
   * CPU µs per call of this whole process (process.cpuUsage: every thread, so the libuv
   * pool threads that run asynchronous crypto count too).
   */
  readonly cpuUs: number;
}

/**
 * Calls `call` `calls` times, `inFlight` at a time (each worker awaits its call before the
 * next), and divides the wall time and the process's CPU time by the number of calls.
 */
export async function timeCalls(
  calls: number,
  inFlight: number,
  call: () => Promise<unknown>,
): Promise<CallTiming> {
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      next++;
      await call();
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallUs: (wallMs * 1000) / calls, cpuUs: (cpu.user + cpu.system) / calls };
}

/** The same for a synchronous function, called in a plain loop. */
export function timeSyncCalls(calls: number, call: () => unknown): CallTiming {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let n = 0; n < calls; n++) call();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallUs: (wallMs * 1000) / calls, cpuUs: (cpu.user + cpu.system) / calls };
}
