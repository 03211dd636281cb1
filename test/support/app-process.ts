import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { testSecurityEnv } from './test-app';
import { TestDatabase } from './test-database';

/** The built app (dist/, made by the Jest global setup) running as a separate process. */
export interface AppProcess {
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** Every line the process has written to stdout so far. */
  readonly output: readonly string[];
  /** Resolves with the exit code (null when a signal ended the process). */
  readonly exited: Promise<number | null>;
  /** kill -9: no shutdown hook runs, connections just drop. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export async function startAppProcess(
  database: TestDatabase,
  env: NodeJS.ProcessEnv = {},
): Promise<AppProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: database.schema,
      LOG_LEVELS: 'error,log',
      NO_COLOR: '1',
      ...testSecurityEnv(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const output: string[] = [];
  lines.on('line', (line) => output.push(line));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('app process did not start within 30 s')),
      30_000,
    );
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app process exited with ${code} before listening`));
    });
  });
  const exited = once(child, 'exit');
  return {
    baseUrl,
    child,
    output,
    exited: exited.then(([code]) => code as number | null),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
