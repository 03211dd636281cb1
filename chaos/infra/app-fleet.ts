import { Random } from '../support/random';
import { now, sleep } from '../support/clock';
import { AppExit, AppInstance, AppSpec, exitReason } from './app-instance';

/** A start that failed (the process exited or hung before listening). */
export interface StartFailure {
  readonly instance: string;
  readonly at: number;
  readonly message: string;
}

const RESTART_PAUSE_MS = 500;
const RESTART_BUDGET_MS = 120_000;

/**
 * The app instances of a run on one database. It restarts an instance that exited on its own
 * (after recording it: that is a finding, not a fault the checker injected), and restarts
 * killed ones on request, retrying a start that fails (e.g. while the database is down).
 */
export class AppFleet {
  readonly unexpectedExits: AppExit[] = [];
  readonly startFailures: StartFailure[] = [];
  readonly instances: AppInstance[];
  private readonly restarting = new Map<AppInstance, Promise<number | undefined>>();
  private stopping = false;

  constructor(names: readonly string[], spec: AppSpec) {
    this.instances = names.map(
      (name) => new AppInstance(name, spec, (exit) => this.exitedOnItsOwn(exit)),
    );
  }

  /** Starts every instance (one at a time: the first runs the migrations). */
  async start(): Promise<void> {
    for (const instance of this.instances) await instance.start();
  }

  up(): AppInstance[] {
    return this.instances.filter((instance) => instance.endpoint !== undefined);
  }

  /** An instance that serves now, at random; undefined when none does. */
  pick(random: Random): AppInstance | undefined {
    const up = this.up();
    return up.length ? random.pick(up) : undefined;
  }

  private exitedOnItsOwn(exit: AppExit): void {
    this.unexpectedExits.push(exit);
    console.log(
      `  ! app ${exit.instance} (pid ${exit.pid}) exited on its own (${exit.code ?? exit.signal}): ${exitReason(exit)}`,
    );
    if (!this.stopping) void this.restart(this.instanceNamed(exit.instance), RESTART_PAUSE_MS);
  }

  private instanceNamed(name: string): AppInstance {
    const instance = this.instances.find((candidate) => candidate.name === name);
    if (!instance) throw new Error(`no instance ${name}`);
    return instance;
  }

  /**
   * Starts the instance again after `pauseMs`, retrying failed starts; resolves with the
   * moment it listens (undefined if it never did within the budget). Concurrent calls share
   * one restart.
   */
  restart(instance: AppInstance, pauseMs = 0): Promise<number | undefined> {
    const pending = this.restarting.get(instance);
    if (pending) return pending;
    const restart = this.restartLoop(instance, pauseMs).finally(() =>
      this.restarting.delete(instance),
    );
    this.restarting.set(instance, restart);
    return restart;
  }

  private async restartLoop(instance: AppInstance, pauseMs: number): Promise<number | undefined> {
    await sleep(pauseMs);
    const deadline = now() + RESTART_BUDGET_MS;
    while (!this.stopping && now() < deadline) {
      if (instance.endpoint) return instance.current?.listeningAt;
      try {
        const incarnation = await instance.start();
        return incarnation.listeningAt;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.startFailures.push({ instance: instance.name, at: now(), message });
        await sleep(1_000);
      }
    }
    return undefined;
  }

  /** Every instance serving again (restarts the ones that are down). */
  async heal(): Promise<void> {
    await Promise.all(
      this.instances.filter((instance) => !instance.endpoint).map((i) => this.restart(i)),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.restarting.values()].map((restart) => restart.catch(() => 0)));
    await Promise.all(this.instances.map((instance) => instance.stop()));
    await Promise.all(this.instances.map((instance) => instance.closeLog()));
  }

  killSync(): void {
    this.stopping = true;
    this.instances.forEach((instance) => instance.killSync());
  }
}
