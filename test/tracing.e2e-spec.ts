// First: the in-memory SDK must be registered before the app's modules load (see the module).
import { finishedSpans, stopInMemoryTracing } from './support/in-memory-tracing';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { JsonObject, MessageHeaders } from '@ledgerline/event-sourcing';
import { AccountIntegrationEventType } from '../src/accounts';
import { MessagingTransport } from '../src/messaging/messaging-transport';
import { transferCommandLabel } from '../src/transfers/process/transfer-process.commands';
import { accountsApi } from './support/accounts-api';
import { staffToken } from './support/api';
import { startAppProcess } from './support/app-process';
import { BrokerProbe, describeWithBroker, TEST_AMQP_URL, testExchange } from './support/broker';
import { eventually } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';
import { transfersApi } from './support/transfers-api';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const traceparentOf = (span: ReadableSpan): string =>
  `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

/** A client's own trace context: the transfer must end up entirely in this trace. */
function clientTrace(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** Every event naming the transfer, with the trace context it was recorded under. */
async function eventsOf(
  database: TestDatabase,
  transferId: string,
): Promise<{ eventId: string; type: string; traceparent: string | undefined }[]> {
  const rows = await database.dataSource.query<
    { event_id: string; type: string; metadata: { traceparent?: string } }[]
  >(
    `SELECT event_id, type, metadata FROM es_events
      WHERE data->>'transferId' = $1 ORDER BY global_position`,
    [transferId],
  );
  return rows.map((row) => ({
    eventId: row.event_id,
    type: row.type,
    traceparent: row.metadata.traceparent,
  }));
}

const only = <T>(items: readonly T[], what: string): T => {
  if (items.length !== 1) throw new Error(`expected exactly one ${what}, found ${items.length}`);
  return items[0];
};

/**
 * A money transfer from a fresh, funded account to another, sent with the client's
 * `traceparent`; resolves once it completed.
 */
async function tracedTransfer(baseUrl: string, traceparent: string): Promise<string> {
  const accounts = accountsApi(baseUrl);
  const from = await accounts.open();
  const to = await accounts.open();
  await accounts.deposit(from, 100).expect(201);
  const response = await transfersApi(baseUrl)
    .initiate({ fromAccountId: from, toAccountId: to, amount: 40 }, { traceparent })
    .expect(202);
  const { id } = response.body as { id: string };
  const settled = await transfersApi(baseUrl).settled(id);
  expect(settled.status).toBe('COMPLETED');
  return id;
}

/**
 * The spans of one transfer's trace and the checks every transport shares: the HTTP request
 * is the client's child; the transfer's first event records the request's span; each process
 * command is sent under the span its cause recorded (so the debit hangs off the request and
 * the credit off the debit); each command's events record the command's span; each published
 * message is a producer span under the span its event recorded.
 */
async function expectOneConnectedTrace(
  database: TestDatabase,
  transferId: string,
  client: { traceId: string; spanId: string },
): Promise<{ debit: ReadableSpan; credit: ReadableSpan; publishes: Map<string, ReadableSpan> }> {
  const spans = finishedSpans().filter((span) => span.spanContext().traceId === client.traceId);
  const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));

  const server = only(
    spans.filter(
      (span) => span.kind === SpanKind.SERVER && span.attributes['http.request.method'] === 'POST',
    ),
    'POST /transfers server span',
  );
  expect(server.parentSpanContext?.spanId).toBe(client.spanId);

  const events = await eventsOf(database, transferId);
  const eventOf = (type: string) =>
    only(
      events.filter((event) => event.type === type),
      type,
    );
  expect(eventOf('TransferInitiated').traceparent).toBe(traceparentOf(server));

  const commandSpan = (type: string) =>
    only(
      spans.filter(
        (span) =>
          span.name === `command ${type}` &&
          span.attributes['ledgerline.process.id'] === transferId,
      ),
      `command ${type} span`,
    );
  // Named after what each does: the steps share their class, TransferStepCommand.
  const debit = commandSpan('TransferStepCommand debit');
  const credit = commandSpan('TransferStepCommand credit');
  expect(debit.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
  expect(credit.parentSpanContext?.spanId).toBe(debit.spanContext().spanId);
  expect(eventOf('MoneyDebitedForTransfer').traceparent).toBe(traceparentOf(debit));
  expect(eventOf('MoneyCreditedForTransfer').traceparent).toBe(traceparentOf(credit));

  // Every command the process stored carries its cause's trace context, and was sent under it.
  const commands = await database.dataSource.query<
    {
      id: string;
      type: string;
      data: JsonObject;
      causation_id: string;
      traceparent: string | null;
    }[]
  >(
    `SELECT id, type, data, causation_id, traceparent FROM es_process_commands WHERE process_id = $1`,
    [transferId],
  );
  expect(commands.map((command) => transferCommandLabel(command))).toEqual(
    expect.arrayContaining(['TransferStepCommand debit', 'TransferStepCommand credit']),
  );
  for (const command of commands) {
    const cause = only(
      events.filter((event) => event.eventId === command.causation_id),
      `cause of ${command.type}`,
    );
    expect({ type: command.type, traceparent: command.traceparent }).toEqual({
      type: command.type,
      traceparent: cause.traceparent,
    });
    // One span per send (a retried command has several), each under the stored context.
    const sends = spans.filter((span) => span.attributes['ledgerline.command.id'] === command.id);
    expect(sends.length).toBeGreaterThanOrEqual(1);
    for (const sent of sends) {
      const parent = byId.get(sent.parentSpanContext?.spanId ?? '');
      expect(parent && traceparentOf(parent)).toBe(command.traceparent);
    }
  }

  // Each published message: a producer span under the span its event recorded.
  const publishes = new Map<string, ReadableSpan>();
  for (const [type, parent] of [
    [AccountIntegrationEventType.transferDebited, debit],
    [AccountIntegrationEventType.transferCredited, credit],
  ] as const) {
    const publish = only(
      spans.filter(
        (span) =>
          span.name === `publish ${type}` &&
          span.kind === SpanKind.PRODUCER &&
          span.attributes['ledgerline.outbox.outcome'] === 'published',
      ),
      `publish ${type} span`,
    );
    expect(publish.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    publishes.set(type, publish);
  }
  const outbox = await database.dataSource.query<{ type: string; traceparent: string | null }[]>(
    `SELECT o.type, o.traceparent FROM es_outbox o JOIN es_events e ON e.event_id::text = o.causation_id
      WHERE e.data->>'transferId' = $1`,
    [transferId],
  );
  expect(outbox).toEqual(
    expect.arrayContaining([
      { type: AccountIntegrationEventType.transferDebited, traceparent: traceparentOf(debit) },
      { type: AccountIntegrationEventType.transferCredited, traceparent: traceparentOf(credit) },
    ]),
  );
  return { debit, credit, publishes };
}

afterAll(async () => {
  await stopInMemoryTracing();
});

describe('traces', () => {
  describe('in process (no broker)', () => {
    let database: TestDatabase;
    let app: TestApp;
    const deliveries: { type: string; transferId: unknown; headers: MessageHeaders }[] = [];

    beforeAll(async () => {
      database = await openTestDatabase('tracing');
      app = await startTestApp(database);
      await app.app
        .get(MessagingTransport)
        .subscriptions.subscribe(
          'tracing-probe',
          [
            AccountIntegrationEventType.transferDebited,
            AccountIntegrationEventType.transferCredited,
          ],
          (body, headers) => {
            deliveries.push({ type: body.type, transferId: body.data.transferId, headers });
            return Promise.resolve();
          },
        );
    });
    afterAll(async () => {
      await app?.close();
      await database?.close();
    });

    it('POST /transfers, its debit and credit commands and its published messages are one trace', async () => {
      const client = clientTrace();
      const transferId = await tracedTransfer(app.baseUrl, client.traceparent);
      await eventually(() => {
        expect(
          deliveries.filter((delivery) => delivery.transferId === transferId).map((d) => d.type),
        ).toEqual(
          expect.arrayContaining([
            AccountIntegrationEventType.transferDebited,
            AccountIntegrationEventType.transferCredited,
          ]),
        );
      });
      let trace: Awaited<ReturnType<typeof expectOneConnectedTrace>> | undefined;
      await eventually(async () => {
        trace = await expectOneConnectedTrace(database, transferId, client);
      }, 10_000);
      const { debit, publishes } = trace!;

      // The in-process bus hands subscribers the publish's trace context as a header...
      for (const [type, publish] of publishes) {
        const delivery = only(
          deliveries.filter((d) => d.transferId === transferId && d.type === type),
          `${type} delivery`,
        );
        expect(delivery.headers.traceparent).toBe(traceparentOf(publish));
        // ...and each delivery is a consumer span under the publish.
        const consumed = only(
          finishedSpans().filter(
            (span) =>
              span.name === `process ${type}` &&
              span.kind === SpanKind.CONSUMER &&
              span.attributes['messaging.consumer.group.name'] === 'tracing-probe' &&
              span.parentSpanContext?.spanId === publish.spanContext().spanId,
          ),
          `process ${type} span`,
        );
        expect(consumed.spanContext().traceId).toBe(client.traceId);
      }

      // The account history shows the trace context each event was recorded under.
      const [{ account_id: source }] = await database.dataSource.query<{ account_id: string }[]>(
        `SELECT data->>'accountId' AS account_id FROM es_events
          WHERE type = 'MoneyDebitedForTransfer' AND data->>'transferId' = $1`,
        [transferId],
      );
      const history = await accountsApi(app.baseUrl).http().get(`/accounts/${source}/events`);
      const entries = (history.body as { items: { type: string; traceparent?: string }[] }).items;
      expect(entries.find((entry) => entry.type === 'MoneyDebitedForTransfer')?.traceparent).toBe(
        traceparentOf(debit),
      );
    });

    it('a body that arrives in pieces is still handled in the request span', async () => {
      const account = await accountsApi(app.baseUrl).open();
      const client = clientTrace();
      const reference = `in pieces ${hex(4)}`;
      const body = JSON.stringify({ amount: 25, reference });
      const { port } = new URL(app.baseUrl);
      // The body's second half comes later, on its own: the parser reads it from an event of
      // the connection, outside the request's context, and calls on from there.
      const status = await new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port: Number(port),
            method: 'POST',
            path: `/accounts/${account}/deposits`,
            headers: {
              authorization: `Bearer ${staffToken()}`,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              traceparent: client.traceparent,
            },
          },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', reject);
        request.write(body.slice(0, 10));
        setTimeout(() => request.end(body.slice(10)), 50);
      });
      expect(status).toBe(201);
      const server = only(
        finishedSpans().filter(
          (span) =>
            span.kind === SpanKind.SERVER && span.parentSpanContext?.spanId === client.spanId,
        ),
        'deposit server span',
      );
      expect(server.name).toBe('POST /accounts/:id/deposits');
      const [event] = await database.dataSource.query<{ metadata: { traceparent?: string } }[]>(
        `SELECT metadata FROM es_events WHERE type = 'MoneyDeposited' AND data->>'reference' = $1`,
        [reference],
      );
      expect(event.metadata.traceparent).toBe(traceparentOf(server));
    });

    it('a request without trace context starts a trace of its own that the transfer follows', async () => {
      const accounts = accountsApi(app.baseUrl);
      const from = await accounts.open();
      const to = await accounts.open();
      await accounts.deposit(from, 10).expect(201);
      const { id } = await transfersApi(app.baseUrl).start(from, to, 5);
      expect((await transfersApi(app.baseUrl).settled(id)).status).toBe('COMPLETED');
      await eventually(async () => {
        const events = await eventsOf(database, id);
        const initiated = only(
          events.filter((event) => event.type === 'TransferInitiated'),
          'TransferInitiated',
        );
        const traceId = initiated.traceparent?.split('-')[1];
        expect(traceId).toMatch(/^[0-9a-f]{32}$/);
        // Every later step of the transfer is in the request's trace.
        for (const event of events) expect(event.traceparent?.split('-')[1]).toBe(traceId);
        const steps = finishedSpans().filter(
          (span) => span.attributes['ledgerline.process.id'] === id,
        );
        expect(steps.length).toBeGreaterThanOrEqual(2);
        for (const span of steps) expect(span.spanContext().traceId).toBe(traceId);
      }, 10_000);
    });
  });

  describeWithBroker('on RabbitMQ', () => {
    let database: TestDatabase;
    let app: TestApp;
    let probe: BrokerProbe;

    beforeAll(async () => {
      database = await openTestDatabase('tracing_broker');
      const exchange = testExchange('tracing');
      probe = await BrokerProbe.open(exchange);
      app = await startTestApp(database, { AMQP_URL: TEST_AMQP_URL, AMQP_EXCHANGE: exchange });
    });
    afterAll(async () => {
      await app?.close();
      await probe?.close();
      await database?.close();
    });

    it('each message carries the traceparent of its producer span, under the command that caused it', async () => {
      const client = clientTrace();
      const transferId = await tracedTransfer(app.baseUrl, client.traceparent);
      const received = (type: string) =>
        probe.received.filter(
          (message) => message.type === type && message.body.data.transferId === transferId,
        );
      await eventually(() => {
        expect(received(AccountIntegrationEventType.transferDebited)).toHaveLength(1);
        expect(received(AccountIntegrationEventType.transferCredited)).toHaveLength(1);
      });
      let trace: Awaited<ReturnType<typeof expectOneConnectedTrace>> | undefined;
      await eventually(async () => {
        trace = await expectOneConnectedTrace(database, transferId, client);
      }, 10_000);
      for (const [type, publish] of trace!.publishes) {
        const [message] = received(type);
        expect(message.headers.traceparent).toBe(traceparentOf(publish));
        expect(publish.attributes).toMatchObject({
          'messaging.system': 'rabbitmq',
          'messaging.message.id': message.messageId,
          'messaging.rabbitmq.destination.routing_key': type,
        });
      }
    });
  });
});

/**
 * The `service.name` resource attribute of an OTLP protobuf export. A KeyValue is encoded as
 * field 1 (0x0a, length, key) then field 2 (0x12, length, AnyValue), and a string AnyValue
 * as field 1 (0x0a, length, text): short strings have one-byte lengths.
 */
function serviceNameOf(exported: Buffer): string | undefined {
  const key = Buffer.from('service.name');
  const at = exported.indexOf(key);
  if (at < 0) return undefined;
  const value = at + key.length;
  if (exported[value] !== 0x12 || exported[value + 2] !== 0x0a) return undefined;
  const length = exported[value + 3];
  return exported.subarray(value + 4, value + 4 + length).toString('utf8');
}

/** An OTLP/HTTP endpoint that keeps every request body it is sent. */
async function otlpReceiver(): Promise<{ url: string; bodies: Buffer[]; close(): Promise<void> }> {
  const bodies: Buffer[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') bodies.push(Buffer.concat(chunks));
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describeOnServer('the built app (node dist/src/main.js)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase('tracing_process');
  });
  afterAll(async () => {
    await database?.close();
  });

  it('exports nothing and records no trace context without OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const receiver = await otlpReceiver();
    // The receiver listens, but nothing names it: tracing stays off.
    const app = await startAppProcess(database);
    try {
      const client = clientTrace();
      const transferId = await tracedTransfer(app.baseUrl, client.traceparent);
      const events = await eventsOf(database, transferId);
      expect(events.length).toBeGreaterThanOrEqual(4);
      expect(events.filter((event) => event.traceparent !== undefined)).toEqual([]);
      expect(app.output.join('\n')).toMatch(/traces: off/);
    } finally {
      await app.stop();
      await receiver.close();
    }
    expect(receiver.bodies).toEqual([]);
  });

  it('with OTEL_EXPORTER_OTLP_ENDPOINT, exports the transfer over OTLP with the instrumentations', async () => {
    const receiver = await otlpReceiver();
    const app = await startAppProcess(database, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      TRACE_DATABASE_QUERIES: 'on',
    });
    let transferId: string;
    const client = clientTrace();
    const searched = `probe-${hex(6)}@example.com`;
    const reference = `probe-reference-${hex(6)}`;
    try {
      transferId = await tracedTransfer(app.baseUrl, client.traceparent);
      // The append sends its events inside the statement's text: the span keeps the statement.
      const accounts = accountsApi(app.baseUrl);
      await accounts
        .http()
        .post(`/accounts/${await accounts.open()}/deposits`)
        .send({ amount: 7, reference })
        .expect(201);
      // A search puts personal data in the query string: the span keeps only its parameter names.
      await accountsApi(app.baseUrl)
        .http()
        .get(`/customers?query=${encodeURIComponent(searched)}`)
        .expect(200);
    } finally {
      // SIGTERM: the shutdown flushes what is still buffered.
      await app.stop();
      await receiver.close();
    }
    const exported = Buffer.concat(receiver.bodies);
    // Protobuf keeps strings and ids as raw bytes: enough to see what went out.
    const has = (text: string | Buffer) => exported.includes(text);
    expect(has(Buffer.from(client.traceId, 'hex'))).toBe(true);
    expect(serviceNameOf(exported)).toBe('ledgerline');
    expect(has('command TransferStepCommand debit')).toBe(true);
    expect(has('command TransferStepCommand credit')).toBe(true);
    expect(has(`publish ${AccountIntegrationEventType.transferCredited}`)).toBe(true);
    expect(has('http.request.method')).toBe(true);
    // Server spans are named after the route pattern matched, ids left out, as `http.route`.
    expect(has('POST /transfers')).toBe(true);
    expect(has('POST /accounts/:id/deposits')).toBe(true);
    expect(has('http.route')).toBe(true);
    // Taking a pooled connection is no span of its own; the queries are.
    expect(has('pg-pool.connect')).toBe(false);
    expect(has('@opentelemetry/instrumentation-pg')).toBe(true);
    expect(has('query=REDACTED')).toBe(true);
    expect(exported.toString('latin1')).toMatch(
      /EXECUTE ledgerline_append_v\d+_[0-9a-f]{12}\(\?, false\)/,
    );
    expect(has(reference)).toBe(false);
    expect(has(searched)).toBe(false);
    expect(has(encodeURIComponent(searched))).toBe(false);
    expect(has('client.address')).toBe(false);
    expect(has('user_agent.original')).toBe(false);
    const events = await eventsOf(database, transferId);
    for (const event of events)
      expect(event.traceparent).toMatch(new RegExp(`^00-${client.traceId}-`));
  });

  describeWithBroker('on RabbitMQ', () => {
    it('the amqplib instrumentation publishes under the message trace: the header stays in the request trace', async () => {
      const receiver = await otlpReceiver();
      const exchange = testExchange('tracing_process');
      const probe = await BrokerProbe.open(exchange);
      const app = await startAppProcess(database, {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        AMQP_URL: TEST_AMQP_URL,
        AMQP_EXCHANGE: exchange,
        OTEL_SERVICE_NAME: 'ledgerline-eu',
      });
      const client = clientTrace();
      try {
        const transferId = await tracedTransfer(app.baseUrl, client.traceparent);
        await eventually(() => {
          const headers = probe.received
            .filter((message) => message.body.data.transferId === transferId)
            .map((message) => message.headers.traceparent);
          expect(headers).toHaveLength(2);
          // The instrumentation rewrites the header from its own publish span, which opened
          // under the message's trace context: still the client's trace.
          for (const traceparent of headers)
            expect(traceparent).toMatch(new RegExp(`^00-${client.traceId}-[0-9a-f]{16}-01$`));
        });
      } finally {
        await app.stop();
        await receiver.close();
        await probe.close();
      }
      const exported = Buffer.concat(receiver.bodies);
      expect(exported.includes('@opentelemetry/instrumentation-amqplib')).toBe(true);
      expect(serviceNameOf(exported)).toBe('ledgerline-eu');
      // Database query spans only when asked for (TRACE_DATABASE_QUERIES=on).
      expect(exported.includes('@opentelemetry/instrumentation-pg')).toBe(false);
      expect(app.output.join('\n')).toMatch(/database query spans off/);
    });
  });
});
