import { AppFleet } from '../infra/app-fleet';
import { AppInstance } from '../infra/app-instance';
import { PgCluster } from '../infra/pg-cluster';
import { RabbitNode } from '../infra/rabbitmq-node';
import { now, sleep, waitFor } from '../support/clock';
import { Random } from '../support/random';
import { ClientMode } from '../workload/retrying-client';
import { FaultKind } from './fault-kinds';
import { FaultRecord } from './fault-record';
import { OutageProber } from './outage-prober';

export interface FaultTargets {
  readonly cluster: PgCluster;
  readonly fleet: AppFleet;
  readonly rabbit: RabbitNode;
  readonly mode: ClientMode;
  readonly prober: OutageProber;
}

const DATABASE_BACK_TIMEOUT_MS = 60_000;
/** Probing goes on this long after the database is back, to time the recovery. */
const PROBE_AFTER_RECOVERY_MS = 5_000;

/** Injects one fault of a kind, waits for its own recovery step, and records the moments. */
export class FaultInjector {
  readonly records: FaultRecord[] = [];

  constructor(
    private readonly targets: FaultTargets,
    private readonly random: Random,
  ) {}

  async inject(kind: FaultKind, mixed: boolean): Promise<FaultRecord> {
    const record: FaultRecord = { kind, mixed, startedAt: now(), endedAt: 0, detail: '' };
    this.records.push(record);
    try {
      await this.run(kind, record);
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    }
    record.endedAt = now();
    const took = ((record.endedAt - record.startedAt) / 1000).toFixed(1);
    const error = record.error ? ` ERROR ${record.error.slice(0, 200)}` : '';
    console.log(
      `  fault ${kind}${mixed ? ' (mixed)' : ''} at ${(record.startedAt / 1000).toFixed(1)} s: ${record.detail} (${took} s)${error}`,
    );
    return record;
  }

  private run(kind: FaultKind, record: FaultRecord): Promise<void> {
    switch (kind) {
      case 'app-kill':
        return this.appKill(record);
      case 'pg-restart':
        return this.databaseOutage(
          record,
          () => this.targets.cluster.stop('fast'),
          () => this.targets.cluster.start(),
        );
      case 'pg-crash':
        return this.databaseOutage(
          record,
          () => this.targets.cluster.stop('immediate'),
          async () => {
            await sleep(this.random.int(1_000, 3_000));
            await this.targets.cluster.start();
          },
        );
      case 'pg-terminate':
        return this.terminateSessions(record);
      case 'broker-kill':
        return this.brokerKill(record);
      case 'client-timeout':
        return this.shortTimeouts(record);
      default: {
        const unknown: never = kind;
        return unknown;
      }
    }
  }

  /** kill -9 of a serving instance with requests in flight, restarted after 1-3 s. */
  private async appKill(record: FaultRecord): Promise<void> {
    const { fleet } = this.targets;
    // Kill while the other instance serves, so "the other one serves" is what is tested.
    await waitFor(() => Promise.resolve(fleet.up().length === fleet.instances.length), 10_000);
    const victim: AppInstance | undefined = fleet.pick(this.random);
    if (!victim) throw new Error('no instance is up to kill');
    await waitFor(() => Promise.resolve(victim.inFlight > 0), 3_000, 5);
    record.instance = victim.name;
    record.killedIncarnation = victim.current?.n;
    const inFlight = victim.inFlight;
    // Taken before the signal: every request still unanswered at this moment is cut.
    record.killedAt = now();
    await victim.kill();
    const pause = this.random.int(1_000, 3_000);
    await sleep(pause);
    record.restartedListeningAt = await fleet.restart(victim);
    record.detail = `killed ${victim.name}#${record.killedIncarnation} with ${inFlight} request(s) in flight, restarted after ${pause} ms`;
  }

  /**
   * A stop and start of PostgreSQL, probed from the stop until after it is back. It is back
   * when the checker first connects, tried every 25 ms from the moment it is down, beside the
   * start: `pg_ctl start -w` notices a ready server only at its next poll (every 100 ms), and
   * waiting for it would count requests sent to a server already back as sent while down.
   */
  private async databaseOutage(
    record: FaultRecord,
    stop: () => Promise<unknown>,
    start: () => Promise<unknown>,
  ) {
    const { cluster, prober } = this.targets;
    prober.begin();
    try {
      record.databaseDownAt = now();
      await stop();
      const [upAt] = await Promise.all([
        cluster.waitConnectable(DATABASE_BACK_TIMEOUT_MS),
        start(),
      ]);
      record.databaseUpAt = upAt;
      if (record.databaseUpAt === undefined) throw new Error('the database did not come back');
      record.detail = `database down for ${(record.databaseUpAt - record.databaseDownAt).toFixed(0)} ms`;
    } finally {
      prober.end(PROBE_AFTER_RECOVERY_MS);
    }
  }

  /** pg_terminate_backend on all, or a random subset, of the app's sessions. */
  private async terminateSessions(record: FaultRecord): Promise<void> {
    const sessions = await this.targets.cluster.query<{ pid: number; application_name: string }>(
      `SELECT pid, application_name FROM pg_stat_activity
        WHERE application_name LIKE 'ledgerline%' AND pid <> pg_backend_pid()`,
    );
    const all = this.random.chance(0.4);
    const chosen = all ? sessions : sessions.filter(() => this.random.chance(0.5));
    await this.targets.cluster.query(
      'SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid',
      [chosen.map((session) => session.pid)],
    );
    const names = [...new Set(chosen.map((session) => session.application_name))].join(', ');
    record.detail = `terminated ${chosen.length} of ${sessions.length} app sessions${all ? ' (all)' : ''} [${names}]`;
  }

  /** kill -9 of the RabbitMQ VM, then a start that waits until the node accepts work. */
  private async brokerKill(record: FaultRecord): Promise<void> {
    const { rabbit } = this.targets;
    record.brokerDownAt = await rabbit.kill();
    await sleep(this.random.int(500, 2_000));
    record.brokerUpAt = await rabbit.start();
    record.detail = `broker down for ${(record.brokerUpAt - record.brokerDownAt).toFixed(0)} ms`;
  }

  /** A phase where client deadlines are far shorter than requests take. */
  private async shortTimeouts(record: FaultRecord): Promise<void> {
    const duration = this.random.int(6_000, 12_000);
    this.targets.mode.shortTimeouts = true;
    try {
      await sleep(duration);
    } finally {
      this.targets.mode.shortTimeouts = false;
    }
    record.detail = `client deadlines of 5-40 ms for ${duration} ms`;
  }
}
