import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import {
  CommandHandler,
  EventsHandler,
  ICommand,
  ICommandHandler,
  IEvent,
  ofType,
  Saga,
} from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { delay, filter, map, Observable } from 'rxjs';
import { RecordedEvent } from '../core/event';
import { ProjectionTransaction } from '../projections/projection';
import { committedEvent } from './committed-event';
import { CommittedEventsHandler, DurableEventsHandlers } from './durable-events-handlers';
import { DurableSagas } from './durable-sagas';
import { CommandBusSender, processCommandId } from './command-bus-sender';

interface Paid {
  readonly type: 'SpecPaymentReceived';
  readonly data: { invoice: string; amount: number };
}
const PaymentReceived = committedEvent<Paid>('SpecPaymentReceived');
type PaymentReceived = InstanceType<typeof PaymentReceived>;

class RefundPayment implements ICommand {
  constructor(
    readonly invoice: string,
    readonly amount: number,
  ) {}
}

class NeverHandled implements ICommand {}

/** A Date does not survive JSON as a Date: such a command cannot be stored. */
class RefundLater implements ICommand {
  constructor(readonly at: Date) {}
}

@CommandHandler(RefundLater)
class RefundLaterHandler implements ICommandHandler<RefundLater> {
  execute(): Promise<void> {
    return Promise.resolve();
  }
}

@CommandHandler(RefundPayment)
class RefundPaymentHandler implements ICommandHandler<RefundPayment> {
  readonly received: { command: RefundPayment; id: string | undefined }[] = [];
  execute(command: RefundPayment): Promise<void> {
    this.received.push({ command, id: processCommandId(command) });
    return Promise.resolve();
  }
}

@Injectable()
class RefundsSaga {
  @Saga()
  refundOverpayments = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(PaymentReceived),
      filter((event) => event.data.amount > 100),
      map((event) => new RefundPayment(event.data.invoice, event.data.amount - 100)),
    );

  @Saga()
  late = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(PaymentReceived),
      filter((event) => event.data.invoice === 'late'),
      delay(1),
      map(() => new RefundPayment('late', 1)),
    );

  @Saga()
  unhandled = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(PaymentReceived),
      filter((event) => event.data.invoice === 'nobody'),
      map(() => new NeverHandled()),
    );

  @Saga()
  dated = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(PaymentReceived),
      filter((event) => event.data.invoice === 'dated'),
      map(() => new RefundLater(new Date(0))),
    );
}

@EventsHandler(PaymentReceived)
class PaymentsLedger implements CommittedEventsHandler<PaymentReceived> {
  async handle(event: PaymentReceived, transaction: ProjectionTransaction): Promise<void> {
    await transaction.query('INSERT', [event.eventId, event.data.amount]);
  }
}

let position = 0n;
function recorded(invoice: string, amount: number): RecordedEvent<Paid> {
  position++;
  return {
    eventId: `event-${position}`,
    streamId: `invoice-${invoice}`,
    streamVersion: 1,
    type: 'SpecPaymentReceived',
    schemaVersion: 1,
    data: { invoice, amount },
    metadata: {
      commandId: `command-${position}`,
      correlationId: `correlation-${position}`,
      causationId: `command-${position}`,
      actor: 'spec',
      occurredAt: new Date(0).toISOString(),
    },
    recordedAt: new Date(0),
    transactionId: position,
    globalPosition: position,
  };
}

describe('@Saga() and @EventsHandler on committed events', () => {
  async function compile() {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [
        RefundsSaga,
        RefundPaymentHandler,
        RefundLaterHandler,
        PaymentsLedger,
        DurableSagas,
        DurableEventsHandlers,
      ],
    }).compile();
    await moduleRef.init();
    return moduleRef;
  }

  it('turns each @Saga() into a process manager whose step is what the stream emits for one event', async () => {
    const moduleRef = await compile();
    const managers = moduleRef.get(DurableSagas).managers();
    const refunds = managers.find((m) => m.name === 'saga:RefundsSaga.refundOverpayments');
    expect(refunds?.eventTypes).toContain('SpecPaymentReceived');

    const decision = refunds?.onEvent(null, recorded('a-1', 150), new Date(0));
    expect(decision?.commands).toEqual([
      { type: 'RefundPayment', data: { invoice: 'a-1', amount: 50 } },
    ]);
    expect(refunds?.onEvent(null, recorded('a-2', 90), new Date(0)).commands).toEqual([]);
  });

  it('refuses a command no handler takes or JSON cannot keep, and warns of one emitted after its event', async () => {
    const moduleRef = await compile();
    const managers = moduleRef.get(DurableSagas).managers();
    const unhandled = managers.find((m) => m.name === 'saga:RefundsSaga.unhandled');
    expect(() => unhandled?.onEvent(null, recorded('nobody', 1), new Date(0))).toThrow(
      /NeverHandled, which no @CommandHandler handles/,
    );
    const dated = managers.find((m) => m.name === 'saga:RefundsSaga.dated');
    expect(() => dated?.onEvent(null, recorded('dated', 1), new Date(0))).toThrow(
      /saga:RefundsSaga\.dated emitted a RefundLater that cannot be stored: RefundLater\.at is a Date/,
    );

    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const late = managers.find((m) => m.name === 'saga:RefundsSaga.late');
      expect(late?.onEvent(null, recorded('late', 1), new Date(0)).commands).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(errors).toHaveBeenCalledWith(
        expect.stringMatching(/emitted RefundPayment outside the delivery of an event/),
      );
    } finally {
      errors.mockRestore();
    }
  });

  it('sends a stored command as an instance of its class, with its stored id', async () => {
    const moduleRef = await compile();
    const sagas = moduleRef.get(DurableSagas);
    const handler = moduleRef.get(RefundPaymentHandler);
    const bus = { execute: (command: ICommand) => handler.execute(command as RefundPayment) };
    const sender = new CommandBusSender(
      bus as unknown as ConstructorParameters<typeof CommandBusSender>[0],
      { classes: sagas.commandClasses(), rejectionCode: () => null },
    );
    await sender.send({
      id: 'stored-1',
      type: 'RefundPayment',
      data: { invoice: 'a-1', amount: 50 },
      manager: 'saga:RefundsSaga.refundOverpayments',
      processId: 'event-1',
      causationId: 'event-1',
      correlationId: 'correlation-1',
      attempts: 0,
      claimToken: 'claim',
    });
    expect(handler.received).toHaveLength(1);
    expect(handler.received[0].command).toBeInstanceOf(RefundPayment);
    expect(handler.received[0]).toMatchObject({
      command: { invoice: 'a-1', amount: 50 },
      id: 'stored-1',
    });
  });

  it('sends a command an earlier version stored in another shape as its upcaster reads it', async () => {
    const moduleRef = await compile();
    const handler = moduleRef.get(RefundPaymentHandler);
    const bus = { execute: (command: ICommand) => handler.execute(command as RefundPayment) };
    const sender = new CommandBusSender(
      bus as unknown as ConstructorParameters<typeof CommandBusSender>[0],
      {
        classes: moduleRef.get(DurableSagas).commandClasses(),
        rejectionCode: () => null,
        upcast: (stored) =>
          stored.type === 'Refund'
            ? new RefundPayment(stored.data.ref as string, stored.data.cents as number)
            : undefined,
      },
    );
    const stored = {
      manager: 'saga:RefundsSaga.refundOverpayments',
      processId: 'event-1',
      causationId: 'event-1',
      correlationId: 'correlation-1',
      attempts: 0,
      claimToken: 'claim',
    };
    await sender.send({ ...stored, id: 'old-1', type: 'Refund', data: { ref: 'a-9', cents: 7 } });
    await sender.send({
      ...stored,
      id: 'new-1',
      type: 'RefundPayment',
      data: { invoice: 'a-8', amount: 8 },
    });
    expect(handler.received.map(({ command, id }) => [command, id])).toStrictEqual([
      [new RefundPayment('a-9', 7), 'old-1'],
      [new RefundPayment('a-8', 8), 'new-1'],
    ]);
    await expect(
      sender.send({ ...stored, id: 'lost-1', type: 'Unknown', data: {} }),
    ).rejects.toThrow('no command class or upcaster knows Unknown');
  });

  it('makes each @EventsHandler of committed events a subscriber that gets them with its transaction', async () => {
    const moduleRef = await compile();
    const [ledger] = moduleRef.get(DurableEventsHandlers).projections();
    expect(ledger).toMatchObject({
      name: 'events-handler:PaymentsLedger',
      eventTypes: ['SpecPaymentReceived'],
      rebuildable: false,
    });
    const written: unknown[][] = [];
    const transaction: ProjectionTransaction = {
      query: (_sql: string, parameters?: unknown[]) => {
        written.push(parameters ?? []);
        return Promise.resolve([]);
      },
      table: (name) => name,
    };
    const first = recorded('b-1', 10);
    const second = recorded('b-2', 20);
    await ledger.apply([first, second], transaction);
    expect(written).toEqual([
      [first.eventId, 10],
      [second.eventId, 20],
    ]);
  });
});
