import { exec } from '../support/exec';
import { now, sleep } from '../support/clock';

const START_TIMEOUT_MS = 120_000;

/**
 * The local RabbitMQ node, as the broker-kill fault handles it: kill -9 of its Erlang VM,
 * then `rabbitmq-server -detached` and `rabbitmqctl await_startup`.
 */
export class RabbitNode {
  /** Whether this run killed the node (then it must be up again when the run ends). */
  killedByUs = false;

  async isUp(): Promise<boolean> {
    return exec('rabbitmqctl', ['-q', 'status'], 20_000).then(
      () => true,
      () => false,
    );
  }

  /** The OS pid of the beam.smp running RabbitMQ. */
  async beamPid(): Promise<number> {
    const asked = await exec('rabbitmqctl', ['-q', 'eval', 'os:getpid().'], 20_000).then(
      (result) => Number(/\d+/.exec(result.stdout)?.[0]),
      () => NaN,
    );
    if (Number.isInteger(asked) && asked > 0) return asked;
    const found = await exec('pgrep', ['-f', 'beam.smp.*rabbit']);
    const pid = Number(found.stdout.trim().split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error('no RabbitMQ beam.smp process');
    return pid;
  }

  /** kill -9; resolves with the moment it was sent. */
  async kill(): Promise<number> {
    const pid = await this.beamPid();
    this.killedByUs = true;
    process.kill(pid, 'SIGKILL');
    const at = now();
    // The VM is gone when its pid is; rabbitmq-server refuses to start beside a live node.
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await sleep(50);
    }
    return at;
  }

  /** Starts the node and waits until it accepts work; resolves with that moment. */
  async start(): Promise<number> {
    await exec('rabbitmq-server', ['-detached'], 60_000);
    // await_startup fails at once while the new VM has not registered its node name yet;
    // it waits only once the node is reachable. So: ask again until it answers.
    const deadline = now() + START_TIMEOUT_MS;
    for (;;) {
      try {
        await exec('rabbitmqctl', ['-q', 'await_startup', '--timeout', '60'], 70_000);
        return now();
      } catch (error) {
        if (now() > deadline) throw error;
        await sleep(500);
      }
    }
  }

  async ensureUp(): Promise<void> {
    if (await this.isUp()) return;
    await this.start();
  }
}
