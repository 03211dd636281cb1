import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Writable } from 'node:stream';

/** Where a benchmarked server writes its log lines: a pipe whose reader discards them. */
export interface LogSink {
  /** The pipe to hand a server as its stdout. */
  readonly stdin: Writable;
  stop(): Promise<void>;
}

/**
 * A `cat` into /dev/null on the other end of a pipe, as a log collector reads a container's
 * stdout in production: the server pays for writing every line to a pipe, and no process of
 * the benchmark's own spends its CPU reading them.
 */
export async function startLogSink(): Promise<LogSink> {
  const child = spawn('cat', [], { stdio: ['pipe', 'ignore', 'inherit'] });
  await once(child, 'spawn');
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = once(child, 'exit');
  if (!child.stdin) throw new Error('log sink: no stdin');
  const stdin = child.stdin;
  return {
    stdin,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      stdin.end();
      await exited;
    },
  };
}
