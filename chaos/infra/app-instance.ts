import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';
import { Agent } from 'node:http';
import { createInterface } from 'node:readline';
import { now } from '../support/clock';

/** How to run the built app: its entry point, environment and node flags. */
export interface AppSpec {
  readonly main: string;
  readonly env: Readonly<Record<string, string>>;
  readonly nodeArgs: readonly string[];
  /** Both output streams of every incarnation are appended here. */
  readonly logFile: (instance: string) => string;
}

/** One process of an instance: from spawn to exit. */
export interface Incarnation {
  readonly n: number;
  readonly pid: number;
  readonly spawnedAt: number;
  listeningAt?: number;
  exitedAt?: number;
  exit?: { code: number | null; signal: string | null; expected: boolean };
}

/** An exit nobody asked for, with the last lines the process printed. */
export interface AppExit {
  readonly instance: string;
  readonly pid: number;
  readonly incarnation: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly at: number;
  readonly lastLines: readonly string[];
}

/**
 * Why an exited process died, from its last lines: its last error message (not a stack
 * frame), marked when Node reported an unhandled 'error' event; else its last line.
 */
export const exitReason = (exit: AppExit): string => {
  const lines = exit.lastLines.map((line) => line.trim()).filter((line) => line !== '');
  // "Error: …" from JavaScript errors, "error: …" from PostgreSQL's (pg's DatabaseError).
  const message = lines.filter((line) => /^(\S*Error|error): /.test(line)).at(-1);
  const unhandled = lines.some((line) => /(Unhandled|Emitted) 'error' event/.test(line));
  const reason = `${unhandled ? "unhandled 'error' event: " : ''}${message ?? lines.at(-1) ?? ''}`;
  return reason.slice(0, 300);
};

const START_TIMEOUT_MS = 60_000;
// Short: under load (or on Ctrl-C, with clients still sending) a graceful close can hang.
const STOP_TIMEOUT_MS = 5_000;
// Enough for a crash's message above its stack and the error object Node prints.
const KEPT_LINES = 80;

/**
 * One named app instance ("a", "b") that may be started many times (each start is an
 * incarnation with its own port, as PORT=0). It knows whether an exit was asked for
 * (kill, stop) and reports any other exit of a process that had been serving.
 */
export class AppInstance {
  readonly incarnations: Incarnation[] = [];
  /** Requests the workload has in flight here now (the app-kill fault waits for some). */
  inFlight = 0;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private expectingExit = false;
  private served?: { baseUrl: string; agent: Agent };
  private readonly recentLines: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();
  private readonly log: WriteStream;

  constructor(
    readonly name: string,
    private readonly spec: AppSpec,
    private readonly onUnexpectedExit: (exit: AppExit) => void,
  ) {
    this.log = createWriteStream(spec.logFile(name), { flags: 'a' });
  }

  /** Where it serves, with a keep-alive agent of this incarnation; undefined while down. */
  get endpoint(): { baseUrl: string; agent: Agent } | undefined {
    return this.served;
  }

  get current(): Incarnation | undefined {
    return this.incarnations.at(-1);
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** Called with every output line (the soak reads --trace-gc lines). */
  onLine(listener: (line: string) => void): void {
    this.lineListeners.add(listener);
  }

  /** Spawns a new incarnation; resolves once it prints "listening on", rejects if it exits first. */
  async start(): Promise<Incarnation> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null)
      throw new Error(`instance ${this.name} is already running`);
    const child = spawn(process.execPath, [...this.spec.nodeArgs, this.spec.main], {
      env: { ...this.spec.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`instance ${this.name}: spawn failed`);
    const incarnation: Incarnation = {
      n: this.incarnations.length + 1,
      pid: child.pid,
      spawnedAt: now(),
    };
    this.incarnations.push(incarnation);
    this.child = child;
    this.expectingExit = false;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const listening = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`instance ${this.name} did not listen within ${START_TIMEOUT_MS} ms`));
        child.kill('SIGKILL');
      }, START_TIMEOUT_MS);
      const onLine = (line: string) => {
        this.remember(incarnation, line);
        const match = /listening on (http:\/\/\S+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1].replace('localhost', '127.0.0.1').replace(/\/$/, ''));
        }
      };
      createInterface({ input: child.stdout }).on('line', onLine);
      createInterface({ input: child.stderr }).on('line', onLine);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.onExit(incarnation, code, signal);
        reject(new Error(`instance ${this.name} exited (${code ?? signal}) before listening`));
      });
    });
    const baseUrl = await listening;
    incarnation.listeningAt = now();
    this.served = { baseUrl, agent: new Agent({ keepAlive: true, maxSockets: 64 }) };
    return incarnation;
  }

  private remember(incarnation: Incarnation, line: string): void {
    // Lines still buffered in the pipe may arrive after the log was closed at the end.
    if (!this.log.writableEnded)
      this.log.write(`[${this.name}#${incarnation.n} ${now().toFixed(0)}] ${line}\n`);
    this.recentLines.push(line);
    if (this.recentLines.length > KEPT_LINES) this.recentLines.shift();
    this.lineListeners.forEach((listener) => listener(line));
  }

  private onExit(incarnation: Incarnation, code: number | null, signal: string | null): void {
    incarnation.exitedAt = now();
    incarnation.exit = { code, signal, expected: this.expectingExit };
    this.served?.agent.destroy();
    this.served = undefined;
    if (!this.expectingExit && incarnation.listeningAt !== undefined) {
      this.onUnexpectedExit({
        instance: this.name,
        pid: incarnation.pid,
        incarnation: incarnation.n,
        code,
        signal,
        at: incarnation.exitedAt,
        lastLines: [...this.recentLines],
      });
    }
  }

  /** kill -9: no shutdown hook runs, connections just drop. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expectingExit = true;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the app's own shutdown), SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expectingExit = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** For `process.on('exit')`. */
  killSync(): void {
    this.expectingExit = true;
    this.child?.kill('SIGKILL');
  }

  async closeLog(): Promise<void> {
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }
}
