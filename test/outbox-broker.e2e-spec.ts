import { httpApi } from './support/api';
import { setTimeout as sleep } from 'node:timers/promises';
import amqplib from 'amqplib';
import { WithdrawalNotificationsConsumer } from '../src/notifications/withdrawal-notifications.consumer';
import { consumerQueueName } from '../src/messaging/amqp-topology';
import { accountsApi } from './support/accounts-api';
import { AppProcess, startAppProcess } from './support/app-process';
import {
  BrokerProbe,
  describeStoppingBroker,
  rabbitmqctl,
  TEST_AMQP_URL,
  testExchange,
} from './support/broker';
import { eventually } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';

interface OutboxView {
  pending: number;
  deadLettered: number;
  deadLetters: { id: string; type: string; attempts: number; lastError: string | null }[];
  broker: string;
  relay: { published: number; duplicates: number; rejected: number; resent: number };
}

const outbox = async (baseUrl: string): Promise<OutboxView> =>
  (await httpApi(baseUrl).get('/admin/outbox').expect(200)).body as OutboxView;

/** Every message id the outbox committed, i.e. what the broker must receive. */
const committedMessageIds = async (database: TestDatabase): Promise<string[]> =>
  (
    await database.dataSource.query<{ message_id: string }[]>(
      'SELECT message_id FROM es_outbox ORDER BY id',
    )
  ).map((row) => row.message_id);

const count = async (database: TestDatabase, table: string): Promise<number> =>
  Number(
    (await database.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM ${table}`))[0].n,
  );

/** Deposits of 1 to random accounts from `workers` loops until `stop` is set; statuses kept. */
function depositLoad(
  baseUrl: () => string,
  accounts: readonly string[],
  workers: number,
): { stop(): Promise<number[]> } {
  let stopping = false;
  const statuses: number[] = [];
  const loops = Array.from({ length: workers }, async () => {
    while (!stopping) {
      const account = accounts[Math.floor(Math.random() * accounts.length)];
      try {
        const response = await httpApi(baseUrl())
          .post(`/accounts/${account}/deposits`)
          .send({ amount: 1 });
        statuses.push(response.status);
      } catch {
        statuses.push(0); // the connection died with the app (kill -9): no answer
        await sleep(50);
      }
    }
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return statuses;
    },
  };
}

describeOnServer('outbox to RabbitMQ', () => {
  describeStoppingBroker('with a real broker', () => {
    let database: TestDatabase;
    let probe: BrokerProbe;
    let exchange: string;
    const processes: AppProcess[] = [];
    const apps: TestApp[] = [];

    beforeEach(async () => {
      database = await openTestDatabase('outbox_broker');
      exchange = testExchange('outbox');
      probe = await BrokerProbe.open(exchange);
    });
    afterEach(async () => {
      await Promise.all(processes.splice(0).map((instance) => instance.stop()));
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await probe.close();
      await database.close();
    });

    const brokerEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
      AMQP_URL: TEST_AMQP_URL,
      AMQP_EXCHANGE: exchange,
      ...extra,
    });

    async function expectAllDelivered(baseUrls: string[]): Promise<void> {
      await eventually(async () => {
        for (const baseUrl of baseUrls) expect((await outbox(baseUrl)).pending).toBe(0);
      }, 60_000);
      const committed = await committedMessageIds(database);
      await eventually(() => {
        expect(probe.classify(committed).lost).toEqual([]);
      }, 30_000);
      expect(probe.classify(committed).unexpected).toEqual([]);
      expect(probe.outOfOrderStreams()).toEqual([]);
    }

    it('kill -9 while appending and publishing, twice: every committed message arrives, in order per account, nothing rolled back is sent', async () => {
      let app = await startAppProcess(database, brokerEnv());
      processes.push(app);
      const api = accountsApi(() => app.baseUrl);
      const accounts = await Promise.all(Array.from({ length: 10 }, () => api.open()));
      for (let round = 0; round < 2; round++) {
        const load = depositLoad(() => app.baseUrl, accounts, 8);
        await sleep(1_500);
        await app.kill();
        processes.splice(processes.indexOf(app), 1);
        await load.stop();
        app = await startAppProcess(database, brokerEnv());
        processes.push(app);
      }
      await expectAllDelivered([app.baseUrl]);
      // Atomicity: exactly one message per committed account event (customers publish none),
      // none for what was rolled back.
      expect(await count(database, 'es_outbox')).toBe(
        await count(database, "es_events WHERE stream_id LIKE 'account-%'"),
      );
      const { duplicated } = probe.classify(await committedMessageIds(database));
      console.info(
        `[outbox crash test] ${await count(database, 'es_outbox')} messages, ${duplicated} duplicate deliveries`,
      );
    });

    /** Deposits to `accounts` new accounts while RabbitMQ stops and starts; @returns the statuses. */
    async function loadThroughBrokerOutage(app: TestApp, accounts: number): Promise<number[]> {
      const api = accountsApi(app.baseUrl);
      const opened = await Promise.all(Array.from({ length: accounts }, () => api.open()));
      const load = depositLoad(() => app.baseUrl, opened, 4);
      try {
        await sleep(500);
        await rabbitmqctl('stop_app');
        await eventually(async () => {
          const view = await outbox(app.baseUrl);
          expect(view.broker).toBe('down');
          expect(view.pending).toBeGreaterThan(0);
        }, 15_000);
        const health = await httpApi(app.baseUrl).get('/health').expect(200);
        expect(health.body).toMatchObject({ status: 'ok', broker: { status: 'down' } });
        await sleep(1_000);
      } finally {
        await rabbitmqctl('start_app');
      }
      await sleep(1_000);
      return load.stop();
    }

    it('broker down during a load: commands keep succeeding; after it is back every message arrives', async () => {
      const app = await startTestApp(database, brokerEnv());
      apps.push(app);
      const statuses = await loadThroughBrokerOutage(app, 5);
      expect(statuses.length).toBeGreaterThan(20);
      expect(statuses.filter((status) => status !== 201)).toEqual([]);
      await expectAllDelivered([app.baseUrl]);
    });

    it('with a publish window, two busy accounts through a broker outage: every message arrives, in order per account', async () => {
      // Windows of up to 50 unconfirmed messages per account are in flight when the broker
      // goes: each unconfirmed one fails as a transport failure and goes again, in order.
      const app = await startTestApp(database, brokerEnv({ OUTBOX_PUBLISH_WINDOW: '50' }));
      apps.push(app);
      const statuses = await loadThroughBrokerOutage(app, 2);
      expect(statuses.length).toBeGreaterThan(20);
      expect(statuses.filter((status) => status !== 201)).toEqual([]);
      await expectAllDelivered([app.baseUrl]);
      expect((await outbox(app.baseUrl)).relay).toMatchObject({ rejected: 0, resent: 0 });
    });

    it('a poison message is dead-lettered after N attempts, holds back only its own account, and is published when retried', async () => {
      // A queue that refuses every withdrawal makes the broker nack them: a real poison.
      const admin = await amqplib.connect(TEST_AMQP_URL);
      const channel = await admin.createChannel();
      const refusing = `${exchange}.refusing`;
      try {
        await channel.assertQueue(refusing, {
          durable: false,
          arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
        });
        await channel.bindQueue(refusing, exchange, 'accounts.money-withdrawn');
        const app = await startTestApp(
          database,
          brokerEnv({ OUTBOX_MAX_ATTEMPTS: '3', OUTBOX_RETRY_BASE_MS: '20' }),
        );
        apps.push(app);
        const api = accountsApi(app.baseUrl);
        const poisoned = await api.open();
        await api.deposit(poisoned, 100).expect(201);
        await api.withdraw(poisoned, 10).expect(201);
        await api.deposit(poisoned, 5).expect(201); // version 4: must wait behind the dead letter
        const healthy = await api.open();
        for (const amount of [1, 2, 3]) await api.deposit(healthy, amount).expect(201);

        await eventually(async () => {
          const view = await outbox(app.baseUrl);
          expect(view.deadLettered).toBe(1);
          expect(view.deadLetters[0]).toMatchObject({
            type: 'accounts.money-withdrawn',
            attempts: 3,
          });
          expect(view.deadLetters[0].lastError).toMatch(/nack/i);
        }, 20_000);
        const versionsOf = (accountId: string) =>
          probe.received
            .filter((message) => message.streamId === `account-${accountId}`)
            .map((message) => message.streamVersion);
        await eventually(() => expect(versionsOf(healthy)).toEqual([1, 2, 3, 4]));
        expect(versionsOf(poisoned)).not.toContain(4);

        await channel.deleteQueue(refusing);
        const { id } = (await outbox(app.baseUrl)).deadLetters[0];
        await httpApi(app.baseUrl).post(`/admin/outbox/dead-letters/${id}/retry`).expect(202);
        await httpApi(app.baseUrl).post(`/admin/outbox/dead-letters/${id}/retry`).expect(404);
        await expectAllDelivered([app.baseUrl]);
        expect((await outbox(app.baseUrl)).deadLettered).toBe(0);
      } finally {
        await channel.deleteQueue(refusing).catch(() => undefined);
        await admin.close().catch(() => undefined);
      }
    });

    it('the broker closes the relay channel on a live connection: the relay reconnects and drains', async () => {
      const app = await startTestApp(database, brokerEnv());
      apps.push(app);
      const api = accountsApi(app.baseUrl);
      const account = await api.open();
      await api.deposit(account, 1).expect(201);
      await eventually(async () => expect((await outbox(app.baseUrl)).pending).toBe(0));

      // Publishing to a deleted exchange is a channel error (404): the broker closes that
      // channel and keeps the connection.
      const admin = await amqplib.connect(TEST_AMQP_URL);
      try {
        const channel = await admin.createChannel();
        await channel.deleteExchange(exchange);
        await channel.close();
      } finally {
        await admin.close();
      }
      for (const amount of [2, 3, 4]) await api.deposit(account, amount).expect(201);
      // The topology is declared again on the reconnect, and everything is published.
      await eventually(async () => expect((await outbox(app.baseUrl)).pending).toBe(0), 30_000);
      expect((await outbox(app.baseUrl)).broker).toBe('up');
    });

    it('the inbox consumer, fed every message twice more, applies each once', async () => {
      const app = await startTestApp(database, brokerEnv());
      apps.push(app);
      const api = accountsApi(app.baseUrl);
      const account = await api.open();
      await api.deposit(account, 1_000).expect(201);
      for (let i = 1; i <= 10; i++) await api.withdraw(account, i).expect(201);
      const consumer = app.app.get(WithdrawalNotificationsConsumer);
      await eventually(() => expect(consumer.stats.handled).toBe(10), 15_000);

      // The probe reads its own queue: it may get its copies after the consumer got its.
      const withdrawn = () => probe.received.filter((m) => m.type === 'accounts.money-withdrawn');
      await eventually(() => expect(withdrawn()).toHaveLength(10), 15_000);
      const withdrawals = withdrawn();
      const queue = consumerQueueName(exchange, 'withdrawal-notifications');
      for (let copy = 0; copy < 2; copy++)
        for (const message of withdrawals) await probe.sendToQueue(queue, message);

      await eventually(() => expect(consumer.stats.duplicates).toBe(20), 15_000);
      expect(consumer.stats.handled).toBe(10);
      const notices = (
        (await httpApi(app.baseUrl).get(`/notifications?accountId=${account}`)).body as {
          items: { amount: number }[];
        }
      ).items;
      expect(notices.map((notice) => notice.amount).sort((a, b) => a - b)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
    });

    it('two relay instances on one database: nothing lost, order kept, duplicates counted', async () => {
      const first = await startAppProcess(database, brokerEnv());
      const second = await startAppProcess(database, brokerEnv());
      processes.push(first, second);
      const accounts = await Promise.all(
        Array.from({ length: 20 }, (_, i) => accountsApi((i % 2 ? first : second).baseUrl).open()),
      );
      const loads = [first, second].map((instance) =>
        depositLoad(() => instance.baseUrl, accounts, 4),
      );
      await sleep(3_000);
      const statuses = (await Promise.all(loads.map((load) => load.stop()))).flat();
      expect(statuses.filter((status) => status !== 201)).toEqual([]);
      await expectAllDelivered([first.baseUrl, second.baseUrl]);

      const views = await Promise.all([first, second].map((instance) => outbox(instance.baseUrl)));
      const committed = await committedMessageIds(database);
      // Each message was published by exactly one relay, unless counted as a duplicate.
      const published = views.reduce((sum, view) => sum + view.relay.published, 0);
      const knownDuplicates = views.reduce((sum, view) => sum + view.relay.duplicates, 0);
      expect(published).toBe(committed.length);
      expect(views.every((view) => view.relay.published > 0)).toBe(true);
      const { duplicated } = probe.classify(committed);
      expect(duplicated).toBeLessThanOrEqual(knownDuplicates);
      console.info(
        `[two relays] ${committed.length} messages, published ${views.map((v) => v.relay.published).join(' + ')}, duplicates delivered ${duplicated}`,
      );
    });
  });
});
