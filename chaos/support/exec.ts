import { execFile } from 'node:child_process';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program (no shell) and resolves with its output; rejects on a non-zero exit. */
export function exec(
  command: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr}`.trim()));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}

const runningAsRoot = (): boolean => process.getuid?.() === 0;

/**
 * PostgreSQL refuses to run as root: as root, the cluster's programs run as `postgres`
 * through runuser; as anyone else, as that user.
 */
export function postgresCommand(
  command: string,
  args: readonly string[],
): [string, readonly string[]] {
  return runningAsRoot()
    ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
    : [command, args];
}

export function execAsPostgres(
  command: string,
  args: readonly string[],
  timeoutMs?: number,
): Promise<ExecResult> {
  const [program, programArgs] = postgresCommand(command, args);
  return exec(program, programArgs, timeoutMs);
}

export { runningAsRoot };
