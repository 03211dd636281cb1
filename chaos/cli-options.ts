import { join, resolve } from 'node:path';
import { FAULT_KINDS, FaultKind, parseFaultKinds } from './faults/fault-kinds';
import { randomSeed } from './support/random';
import { repoRoot } from './support/paths';

export interface CliOptions {
  readonly mode: 'chaos' | 'soak' | 'self-test';
  readonly minutes: number;
  readonly faults: readonly FaultKind[];
  readonly seed: number;
  readonly clients: number;
  readonly outRoot: string;
  readonly distDir: string;
}

export const USAGE = `npm run chaos -- [--minutes N] [--faults LIST] [--seed S] [--clients C] [--out DIR] [--dist DIR]
npm run chaos -- --soak M [--seed S]
npm run chaos -- --self-test

  --minutes N    workload length in minutes (default 3)
  --faults LIST  comma list of ${FAULT_KINDS.join(', ')}; all; none (default all)
  --soak M       steady load for M minutes, no faults; memory and table growth verdicts
  --seed S       seed of every random choice (default: random, printed)
  --clients C    concurrent clients (default 16; 6 in a soak)
  --out DIR      where runs write their folder (default .data/chaos)
  --dist DIR     the build to run (default dist/, which npm run chaos rebuilds first)
  --self-test    break the append's version check in a copy of dist/ and expect a FAIL`;

function positive(name: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} needs a positive number, got ${raw}`);
  return value;
}

export function parseCliOptions(argv: readonly string[]): CliOptions {
  const root = repoRoot();
  let mode: CliOptions['mode'] = 'chaos';
  let minutes = 3;
  let faults: readonly FaultKind[] = FAULT_KINDS;
  let faultsGiven = false;
  let seed = randomSeed();
  let clients: number | undefined;
  let outRoot = join(root, '.data', 'chaos');
  let distDir = join(root, 'dist');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '--minutes':
        minutes = positive(arg, value());
        break;
      case '--faults':
        faults = parseFaultKinds(value());
        faultsGiven = true;
        break;
      case '--soak':
        mode = 'soak';
        minutes = positive(arg, value());
        break;
      case '--seed':
        seed = Math.floor(positive(arg, value()));
        break;
      case '--clients':
        clients = Math.floor(positive(arg, value()));
        break;
      case '--out':
        outRoot = value();
        break;
      case '--dist':
        distDir = resolve(value());
        break;
      case '--self-test':
        mode = 'self-test';
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  if (mode === 'soak' && faultsGiven) throw new Error('--soak runs without faults; drop --faults');
  return {
    mode,
    minutes,
    faults: mode === 'chaos' ? faults : [],
    seed,
    clients: clients ?? (mode === 'soak' ? 6 : 16),
    outRoot,
    distDir,
  };
}
