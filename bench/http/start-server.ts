import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** A server under test, running as a child process of the benchmark. */
export interface ServerProcess {
  readonly name: string;
  /** http://127.0.0.1:<port>, no trailing slash. */
  readonly baseUrl: string;
  /** The node process itself (spawned directly, no shell), for /proc/<pid>/stat. */
  readonly pid: number;
  /** process.hrtime of the spawn in µs: the clock V8 stamps a .cpuprofile with. */
  readonly spawnedAtUs: number;
  /** SIGTERM, then SIGKILL if it has not exited within 20 s (a profile may be being written). */
  stop(): Promise<void>;
}

export interface ServerSpec {
  /** Prefix of its output lines in the benchmark's output. */
  readonly name: string;
  /** The compiled entry point. */
  readonly script: string;
  /** The child's whole environment: nothing of the benchmark's own leaks in (AMQP_URL…). */
  readonly env: Record<string, string>;
  /** Extra node options, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  /**
   * The server prints no "listening on" line (the app logs it at level `log`, off here): it is
   * given a free PORT and polled on this path until it answers 2xx.
   */
  readonly readyPath?: string;
  /**
   * Where the child's stdout goes instead of being read and echoed here: the pipe of another
   * process (its stdin), so a server that logs every request costs this process nothing and
   * is never held up by it. Needs `readyPath` (no "listening on" line is read).
   */
  readonly stdout?: Writable;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

/** A TCP port nobody listens on right now (a small race with other processes is accepted). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/**
 * Resolves with the base URL once the child serves: its "listening on" line, or its ready
 * path answering 2xx. Rejects if it exits or hangs first. Echoes its other output lines.
 */
function whenReady(child: ChildProcess, spec: ServerSpec, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (outcome: Error | string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`${spec.name} exited (${code ?? signal}) before it was ready`));
    const timer = setTimeout(
      () => finish(new Error(`${spec.name} was not ready within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    child.once('exit', onExit);
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const match = /listening on (http:\/\/\S+)/.exec(line);
        if (match && !spec.readyPath) finish(match[1].replace(/\/$/, ''));
        else console.log(`[${spec.name}] ${line}`);
      });
    } else if (!spec.readyPath) {
      return finish(new Error(`${spec.name}: no stdout to read its "listening on" line from`));
    }
    if (spec.readyPath) {
      const url = `http://127.0.0.1:${port}${spec.readyPath}`;
      const poll = async () => {
        while (!done) {
          const ok = await fetch(url).then(
            (response) => response.ok,
            () => false,
          );
          if (ok) finish(new URL(url).origin);
          else await sleep(100);
        }
      };
      void poll();
    }
  });
}

/** Starts the server and resolves once it serves requests; rejects if it dies or hangs first. */
export async function startServer(spec: ServerSpec): Promise<ServerProcess> {
  const port = spec.readyPath ? await freePort() : 0;
  const spawnedAtUs = Number(process.hrtime.bigint() / 1000n);
  const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), spec.script], {
    env: { ...spec.env, PORT: String(port) },
    stdio: ['ignore', spec.stdout ?? 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Last resort if the benchmark itself dies without running its clean-up.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  try {
    const baseUrl = await whenReady(child, spec, port);
    if (child.pid === undefined) throw new Error(`${spec.name}: no pid`);
    return { name: spec.name, baseUrl, pid: child.pid, spawnedAtUs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
