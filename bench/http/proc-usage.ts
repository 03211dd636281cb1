import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * CPU time and write system calls of other processes, read from /proc: process.cpuUsage()
 * only sees this process, and the servers and PostgreSQL are others. Linux only; CPU figures
 * are % of ONE core.
 */

const TICKS_PER_SECOND = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime in seconds, and the command name, of one process (all its threads). */
function readStat(pid: number): { comm: string; seconds: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone
  }
  // The command name is in parentheses and may hold spaces: fields are counted after ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text
    .slice(close + 2)
    .split(' ')
    .map(Number);
  // Fields 14 (utime) and 15 (stime) of proc(5); the first field after ')' is field 3.
  return { comm, seconds: (fields[14 - 3] + fields[15 - 3]) / TICKS_PER_SECOND };
}

/** CPU seconds of every process named `postgres` (postmaster, backends, walwriter…), by pid. */
function postgresSeconds(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.comm === 'postgres') byPid.set(Number(entry), stat.seconds);
  }
  return byPid;
}

/** The pids of the processes whose command name (`comm`, as in /proc/<pid>/stat) is `comm`. */
export function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && readStat(Number(entry))?.comm === comm) pids.push(Number(entry));
  }
  return pids;
}

/** write/writev/send… calls made so far (`syscw` of /proc/<pid>/io): one per socket write. */
function writeCalls(pid: number): number {
  const match = /^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

export interface UsageSnapshot {
  readonly atMs: number;
  /** CPU seconds by server name. */
  readonly servers: ReadonlyMap<string, number>;
  readonly writeCalls: ReadonlyMap<string, number>;
  readonly postgres: ReadonlyMap<number, number>;
  readonly self: NodeJS.CpuUsage;
}

/** What the named server processes, PostgreSQL and this process have used so far. */
export function snapshotUsage(servers: Readonly<Record<string, number>>): UsageSnapshot {
  const seconds = new Map<string, number>();
  const writes = new Map<string, number>();
  for (const [name, pid] of Object.entries(servers)) {
    const stat = readStat(pid);
    if (!stat) throw new Error(`${name} (pid ${pid}) is gone`);
    seconds.set(name, stat.seconds);
    writes.set(name, writeCalls(pid));
  }
  return {
    atMs: performance.now(),
    servers: seconds,
    writeCalls: writes,
    postgres: postgresSeconds(),
    self: process.cpuUsage(),
  };
}

/**
 * The local ports of the TCP connections process `pid` holds to `remotePort` (its pg pool):
 * its sockets' inodes from /proc/<pid>/fd, matched in the kernel's TCP tables.
 */
export function connectionPorts(pid: number, remotePort: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const lines = readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const localPort = parseInt(fields[1].split(':').pop() ?? '', 16);
      const peerPort = parseInt(fields[2].split(':').pop() ?? '', 16);
      if (peerPort === remotePort && inodes.has(fields[9])) ports.push(localPort);
    }
  }
  return ports;
}

export interface UsageBetween {
  /**
   * % of one core: per server name, `postgres` (all its processes, the machine's other work
   * included), `bench` (this process), and `pg:<name>` per group of backend pids (a server's
   * own connections).
   */
  readonly percent: Record<string, number>;
  /** Write system calls per server name. */
  readonly writeCalls: Record<string, number>;
}

export function usageBetween(
  before: UsageSnapshot,
  after: UsageSnapshot,
  backends: Readonly<Record<string, ReadonlySet<number>>> = {},
): UsageBetween {
  const wall = (after.atMs - before.atMs) / 1000;
  const percent = (seconds: number) => (100 * seconds) / wall;
  const result: Record<string, number> = {};
  for (const [name, seconds] of after.servers) {
    result[name] = percent(seconds - (before.servers.get(name) ?? 0));
  }
  // A backend born during the window counts whole; one that ended during it is lost (rare:
  // both pools keep their connections).
  let postgres = 0;
  for (const [pid, seconds] of after.postgres)
    postgres += seconds - (before.postgres.get(pid) ?? 0);
  result.postgres = percent(postgres);
  for (const [name, pids] of Object.entries(backends)) {
    let seconds = 0;
    for (const pid of pids) {
      const end = after.postgres.get(pid);
      if (end !== undefined) seconds += end - (before.postgres.get(pid) ?? 0);
    }
    result[`pg:${name}`] = percent(seconds);
  }
  const self = after.self.user + after.self.system - before.self.user - before.self.system;
  result.bench = percent(self / 1e6);
  const writes: Record<string, number> = {};
  for (const [name, calls] of after.writeCalls) {
    writes[name] = calls - (before.writeCalls.get(name) ?? 0);
  }
  return { percent: result, writeCalls: writes };
}

/**
 * CPU time used between two snapshots per unit of work (a message, a request), in µs, under
 * the names of usageBetween's `percent`: the percentages turned back into CPU seconds over
 * the snapshots' own wall time, so nothing is lost to a different clock.
 */
export function cpuMicrosPer(
  before: UsageSnapshot,
  after: UsageSnapshot,
  units: number,
): Record<string, number> {
  const wallSeconds = (after.atMs - before.atMs) / 1000;
  return Object.fromEntries(
    Object.entries(usageBetween(before, after).percent).map(([name, percent]) => [
      name,
      ((percent / 100) * wallSeconds * 1e6) / units,
    ]),
  );
}
