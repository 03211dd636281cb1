import { Verdict, verdict } from '../checks/verdict';
import { HeapAfterGc, MemorySample } from './memory-sampler';
import { TableGrowth } from './table-sizes';

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
};

/** Fewer full GCs than this in a window, and the RSS is used instead. */
const MIN_GCS = 2;

/**
 * Per instance: the median heap after full GC in the first quarter after warm-up against the
 * last quarter; PASS within 10 %. Falls back to RSS when too few full GCs happened (and says so).
 */
export function heapVerdict(
  instances: readonly string[],
  heap: readonly HeapAfterGc[],
  rss: readonly MemorySample[],
  window: { readonly warmAt: number; readonly endAt: number },
): Verdict {
  const quarter = (window.endAt - window.warmAt) / 4;
  const early = (at: number) => at >= window.warmAt && at < window.warmAt + quarter;
  const late = (at: number) => at >= window.endAt - quarter && at <= window.endAt;
  const lines: string[] = [];
  let pass = true;
  for (const name of instances) {
    const gcs = heap.filter((h) => h.instance === name);
    const earlyGc = gcs.filter((h) => early(h.at)).map((h) => h.heapMb);
    const lateGc = gcs.filter((h) => late(h.at)).map((h) => h.heapMb);
    let basis: string;
    let before: number;
    let after: number;
    if (earlyGc.length >= MIN_GCS && lateGc.length >= MIN_GCS) {
      basis = 'heap after full GC (--trace-gc)';
      before = median(earlyGc);
      after = median(lateGc);
    } else {
      const samples = rss.filter((s) => s.instance === name && s.rssKb !== null);
      basis = `RSS from /proc (only ${earlyGc.length}/${lateGc.length} full GCs seen)`;
      before = median(samples.filter((s) => early(s.at)).map((s) => (s.rssKb ?? 0) / 1024));
      after = median(samples.filter((s) => late(s.at)).map((s) => (s.rssKb ?? 0) / 1024));
    }
    const change = (after - before) / before;
    if (!(change <= 0.1)) pass = false;
    lines.push(
      `${name}: ${before.toFixed(1)} -> ${after.toFixed(1)} MB (${(change * 100).toFixed(1)} %, ${basis})`,
    );
  }
  return verdict('soak-heap', pass, lines.join('; '));
}

export function tableGrowthVerdict(
  events: TableGrowth | undefined,
  faster: readonly TableGrowth[],
): Verdict {
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const eventsLine = events
    ? `es_events ${mb(events.warmBytes)} -> ${mb(events.endBytes)} MB (+${(events.growth * 100).toFixed(0)} %)`
    : 'es_events not found';
  const list = faster.map(
    (t) =>
      `${t.table} ${mb(t.warmBytes)} -> ${mb(t.endBytes)} MB (+${(t.growth * 100).toFixed(0)} %)`,
  );
  return verdict(
    'soak-table-growth',
    faster.length === 0,
    `${eventsLine}; growing faster than the log: ${list.length ? list.join(', ') : 'none'}`,
  );
}
