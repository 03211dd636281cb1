import { readFile } from 'node:fs/promises';
import { AppInstance } from '../infra/app-instance';
import { now } from '../support/clock';

/** One look at an instance's memory. */
export interface MemorySample {
  readonly instance: string;
  readonly at: number;
  readonly rssKb: number | null;
}

/** Heap size after a full (mark-compact) GC, as node --trace-gc prints it. */
export interface HeapAfterGc {
  readonly instance: string;
  readonly at: number;
  readonly heapMb: number;
}

// e.g. "[123:0x5f…]  81234 ms: Mark-Compact 41.9 (58.6) -> 27.1 (57.2) MB, 21.3 / 0.0 ms ..."
const MARK_COMPACT = /Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(/;

async function rssKb(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) : null;
}

/**
 * Memory of the app instances without changing the app: the heap after each full GC from
 * the --trace-gc lines the processes print (the app has no heap endpoint), and the RSS from
 * /proc/<pid>/status every `everyMs` as a second, coarser signal.
 */
export class MemorySampler {
  readonly heap: HeapAfterGc[] = [];
  readonly rss: MemorySample[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly instances: readonly AppInstance[]) {
    for (const instance of instances) {
      instance.onLine((line) => {
        const match = MARK_COMPACT.exec(line);
        if (match) this.heap.push({ instance: instance.name, at: now(), heapMb: Number(match[1]) });
      });
    }
  }

  start(everyMs: number): void {
    const sample = async () => {
      for (const instance of this.instances)
        this.rss.push({ instance: instance.name, at: now(), rssKb: await rssKb(instance.pid) });
    };
    void sample();
    this.timer = setInterval(() => void sample(), everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
