import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const MAIN = join(__dirname, '..', '..', 'src', 'main.js');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** The built app running as a child process, as in production (nothing switched off). */
export interface AppUnderTest {
  readonly baseUrl: string;
  readonly pid: number;
  /** SIGTERM (the app's own shutdown), SIGKILL if it has not exited in time. */
  stop(): Promise<void>;
}

export interface AppSettings {
  readonly databaseUrl: string;
  readonly schema: string;
  readonly amqpUrl: string;
  readonly exchange: string;
  /** More environment: authentication's key file and rate limits (bench/support/bench-auth). */
  readonly env: Readonly<Record<string, string>>;
}

/** A port nobody listens on right now (the app logs nothing at LOG_LEVELS=error to read it). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/** Ready means: HTTP answers, the database is up and the broker connected (else no confirms). */
async function waitUntilReady(baseUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode} at start`);
    try {
      const response = await fetch(`${baseUrl}/health`);
      const body = (await response.json()) as { status?: string; broker?: { status?: string } };
      if (response.ok && body.status === 'ok' && body.broker?.status === 'up') return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`app not ready within ${START_TIMEOUT_MS} ms`);
}

export async function startApp(settings: AppSettings): Promise<AppUnderTest> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...settings.env,
      PATH: process.env.PATH,
      PORT: String(port),
      DATABASE_URL: settings.databaseUrl,
      DATABASE_SCHEMA: settings.schema,
      LOG_LEVELS: 'error',
      AMQP_URL: settings.amqpUrl,
      AMQP_EXCHANGE: settings.exchange,
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(baseUrl, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, pid: child.pid ?? 0, stop };
}
