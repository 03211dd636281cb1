import { readFileSync } from 'node:fs';

/** CPU time read from /proc (Linux); undefined elsewhere, and the figures are then left out. */
export interface CpuReading {
  /** utime + stime of the process, in clock ticks. */
  readonly processTicks: number;
  /** All CPUs' busy and total ticks. */
  readonly busyTicks: number;
  readonly totalTicks: number;
}

export function readCpu(pid: number): CpuReading | undefined {
  try {
    // Fields after the command name (which may hold spaces, hence the last ')').
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const processTicks = Number(fields[11]) + Number(fields[12]);
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9);
    const ticks = cpu.map(Number);
    const totalTicks = ticks.reduce((sum, value) => sum + value, 0);
    const idleTicks = ticks[3] + (ticks[4] ?? 0);
    return { processTicks, busyTicks: totalTicks - idleTicks, totalTicks };
  } catch {
    return undefined;
  }
}

/**
 * Between two readings: the process's CPU in % of one core, and the whole machine's busy
 * share in % of all its cores.
 */
export function cpuBetween(
  before: CpuReading | undefined,
  after: CpuReading | undefined,
  cores: number,
): { processPercent: number; machinePercent: number } | undefined {
  if (!before || !after || after.totalTicks === before.totalTicks) return undefined;
  const total = after.totalTicks - before.totalTicks;
  return {
    processPercent: (100 * cores * (after.processTicks - before.processTicks)) / total,
    machinePercent: (100 * (after.busyTicks - before.busyTicks)) / total,
  };
}
