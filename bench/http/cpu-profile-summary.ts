import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a server's CPU went during the measured windows, from the .cpuprofile that
 * `node --cpu-prof` writes at exit: self time by function and by package. Samples outside the
 * windows (start-up, seeding, warm-ups, pauses) are left out.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A span of process.hrtime in µs (the clock V8 stamps its samples with). */
export interface TimeWindow {
  readonly startUs: number;
  readonly endUs: number;
}

export function findProfile(directory: string): string {
  const files = readdirSync(directory).filter((file) => file.endsWith('.cpuprofile'));
  if (files.length !== 1)
    throw new Error(`${directory}: expected one .cpuprofile, found ${files.length}`);
  return join(directory, files[0]);
}

/** What a frame belongs to: a package, our app or library, Node's internals, V8. */
function categoryOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'V8: garbage collector';
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(program)') return 'V8: (program) native, unattributed';
  if (url === '') return `V8/native: ${functionName || '(anonymous)'}`;
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (inPackage) return `npm: ${inPackage[1]}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  // One level deeper under observability: its logging, metrics and tracing apart.
  const ours = /\/dist\/((?:src|libs\/event-sourcing\/src)\/(?:observability\/)?[^/]+)/.exec(url);
  if (ours) return `ours: ${ours[1]}`;
  if (url.includes('/dist/bench/')) return 'bench server';
  return url;
}

function frameName(frame: CallFrame): string {
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist)\//, '');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

const top = (totals: Map<string, number>, count: number) =>
  [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);

export interface ProfileSummaryOptions {
  readonly title: string;
  readonly file: string;
  readonly windows: readonly TimeWindow[];
  /** When the process was spawned (process.hrtime µs): checks the profile's clock. */
  readonly spawnedAtUs: number;
  /** Requests answered in the windows: gives the µs-per-request figures. */
  readonly requests: number;
}

/** Main-thread time in the windows, idle left out, in µs. */
export interface ProfileSummary {
  readonly title: string;
  readonly file: string;
  /** False: the profile's clock did not match, the WHOLE profile was read (no per-request figures). */
  readonly clockMatches: boolean;
  readonly wallUs: number;
  readonly busyUs: number;
  readonly requests: number;
  readonly byCategory: ReadonlyMap<string, number>;
  /**
   * As byCategory, with the time of a native frame (a JSON.stringify, a socket write) given
   * to the category of the JavaScript that called it: what a package costs, natives included.
   */
  readonly byCallerCategory: ReadonlyMap<string, number>;
  readonly byFunction: ReadonlyMap<string, number>;
}

const isNative = (frame: CallFrame) =>
  frame.url === '' && !/^\((garbage collector|program|idle|root)\)$/.test(frame.functionName);

/** Self time by category and by function within the windows. */
export function summariseProfile(options: ProfileSummaryOptions): ProfileSummary {
  const { windows, spawnedAtUs } = options;
  const profile = JSON.parse(readFileSync(options.file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id);
  /** The category of the first frame up the stack that is not native code. */
  const callerCategory = (id: number): string => {
    let current: number | undefined = id;
    while (current !== undefined) {
      const frame = frames.get(current);
      if (frame && !isNative(frame)) return categoryOf(frame);
      current = parents.get(current);
    }
    return categoryOf(frames.get(id) ?? { functionName: '', url: '', lineNumber: 0 });
  };
  // V8 and process.hrtime both read CLOCK_MONOTONIC on Linux; check rather than assume.
  const clockMatches = Math.abs(profile.startTime - spawnedAtUs) < 5_000_000;
  const inWindow = (at: number) =>
    !clockMatches || windows.some((window) => at >= window.startUs && at < window.endUs);
  const byFunction = new Map<string, number>();
  const byCategory = new Map<string, number>();
  const byCallerCategory = new Map<string, number>();
  let busyUs = 0;
  let at = profile.startTime;
  for (let index = 0; index < profile.samples.length; index++) {
    at += profile.timeDeltas[index];
    // A sample stands for the time until the next one.
    const spent = profile.timeDeltas[index + 1] ?? 0;
    if (!inWindow(at)) continue;
    const frame = frames.get(profile.samples[index]);
    if (!frame || frame.functionName === '(idle)') continue;
    busyUs += spent;
    byFunction.set(frameName(frame), (byFunction.get(frameName(frame)) ?? 0) + spent);
    const category = categoryOf(frame);
    byCategory.set(category, (byCategory.get(category) ?? 0) + spent);
    const caller = callerCategory(profile.samples[index]);
    byCallerCategory.set(caller, (byCallerCategory.get(caller) ?? 0) + spent);
  }
  const wallUs = clockMatches
    ? windows.reduce((sum, window) => sum + window.endUs - window.startUs, 0)
    : profile.endTime - profile.startTime;
  return {
    title: options.title,
    file: options.file,
    clockMatches,
    wallUs,
    busyUs,
    requests: options.requests,
    byCategory,
    byCallerCategory,
    byFunction,
  };
}

const perRequest = (summary: ProfileSummary, us: number) =>
  summary.clockMatches ? Math.round(us / summary.requests) : NaN;

/** The busy share of the windows and the top self-time functions. */
export function printProfileSummary(summary: ProfileSummary, count = 20): void {
  const { busyUs, wallUs } = summary;
  console.log(
    `\n${summary.title}: ${summary.file}\n` +
      (summary.clockMatches
        ? ''
        : '(profile clock does not match: the WHOLE profile is summarised)\n') +
      `main thread busy ${(busyUs / 1000).toFixed(0)} ms of ${(wallUs / 1000).toFixed(0)} ms ` +
      `(${((100 * busyUs) / wallUs).toFixed(0)}%), ${perRequest(summary, busyUs)} µs per answered request`,
  );
  console.table(
    top(new Map(summary.byFunction), count).map(([name, us]) => ({
      'self time by function': name,
      share: `${((100 * us) / busyUs).toFixed(1)}%`,
      'µs/req': perRequest(summary, us),
    })),
  );
}

/**
 * Self time per request by category, side by side, largest excess over `baseline` first:
 * where the servers' requests differ.
 */
export function printCategoryComparison(
  summaries: readonly ProfileSummary[],
  baseline: ProfileSummary,
  count = 25,
): void {
  const categories = new Set(summaries.flatMap((summary) => [...summary.byCategory.keys()]));
  const usPerRequest = (summary: ProfileSummary, category: string) =>
    perRequest(summary, summary.byCategory.get(category) ?? 0);
  const excess = (category: string) =>
    Math.max(
      ...summaries
        .filter((summary) => summary !== baseline)
        .map((summary) => usPerRequest(summary, category) - usPerRequest(baseline, category)),
    );
  const row = (label: string, value: (summary: ProfileSummary) => number) =>
    Object.fromEntries([
      ['self time, µs per request', label],
      ...summaries.map((summary) => [summary.title, value(summary)]),
    ]) as Record<string, string | number>;
  console.log('\nMain-thread self time per answered request, by category (profiled run):');
  console.table([
    ...[...categories]
      .sort((a, b) => excess(b) - excess(a))
      .slice(0, count)
      .map((category) => row(category, (summary) => usPerRequest(summary, category))),
    row('TOTAL (busy)', (summary) => perRequest(summary, summary.busyUs)),
  ]);
}
