import { EventEmitter } from 'node:events';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import { OutboxMessage } from '@ledgerline/event-sourcing';
import { AmqpMessagePublisher } from './amqp-message-publisher';

/** What the broker does with each publish: confirm, nack, or amqplib throws before sending. */
type Answer = 'confirm' | 'nack' | 'closed' | 'unencodable';

/** A confirm channel double: answers each publish as told, in order. */
class FakeConfirmChannel extends EventEmitter {
  readonly answers: Answer[] = [];
  readonly sent: string[] = [];

  assertExchange(): Promise<void> {
    return Promise.resolve();
  }
  assertQueue(): Promise<void> {
    return Promise.resolve();
  }
  bindQueue(): Promise<void> {
    return Promise.resolve();
  }

  publish(
    _exchange: string,
    routingKey: string,
    _content: Buffer,
    _options: unknown,
    confirmed: (error: unknown) => void,
  ): boolean {
    const answer = this.answers.shift() ?? 'confirm';
    if (answer === 'closed') {
      const error = new Error('Channel closed');
      error.name = 'IllegalOperationError';
      throw error;
    }
    if (answer === 'unencodable') throw new TypeError('header value not encodable');
    this.sent.push(routingKey);
    setImmediate(() => confirmed(answer === 'nack' ? new Error('message nacked') : null));
    return true;
  }
}

/** Just what the publisher uses of amqp-connection-manager: one channel, set up at once. */
function fakeConnection(channel: FakeConfirmChannel): AmqpConnectionManager {
  const manager = {
    isConnected: () => true,
    reconnect: () => undefined,
    createChannel: ({ setup }: { setup: (channel: FakeConfirmChannel) => Promise<void> }) => {
      void setup(channel);
      return Object.assign(new EventEmitter(), { close: () => Promise.resolve() });
    },
  };
  return manager as unknown as AmqpConnectionManager;
}

const message = (streamVersion: number): OutboxMessage => ({
  id: String(streamVersion),
  messageId: `00000000-0000-4000-8000-00000000000${streamVersion}`,
  streamId: 'account-1',
  streamVersion,
  type: 'accounts.money-deposited',
  body: {
    id: `m${streamVersion}`,
    type: 'accounts.money-deposited',
    schemaVersion: 1,
    occurredAt: '2026-12-01T10:00:00.000Z',
    data: {},
  },
  correlationId: 'c',
  causationId: 'c',
  attempts: 0,
});

describe('AmqpMessagePublisher', () => {
  it('tells a nack and an unencodable message (rejected) from a closed channel (unavailable)', async () => {
    const channel = new FakeConfirmChannel();
    const publisher = new AmqpMessagePublisher(fakeConnection(channel), 'ex');
    await new Promise(setImmediate); // the setup ran
    expect(publisher.isReady()).toBe(true);
    channel.answers.push('confirm', 'nack', 'unencodable', 'closed');

    const outcomes = await publisher.publish([1, 2, 3, 4].map(message));

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'published',
      'rejected',
      'rejected',
      'unavailable',
    ]);
    expect(channel.sent).toEqual(['accounts.money-deposited', 'accounts.money-deposited']);
  });

  it('answers unavailable for everything while no channel is open, and is not ready', async () => {
    const channel = new FakeConfirmChannel();
    const publisher = new AmqpMessagePublisher(fakeConnection(channel), 'ex');
    await new Promise(setImmediate);
    channel.emit('close');
    expect(publisher.isReady()).toBe(false);
    const outcomes = await publisher.publish([message(1), message(2)]);
    expect(outcomes).toEqual([
      { status: 'unavailable', error: 'no open channel' },
      { status: 'unavailable', error: 'no open channel' },
    ]);
    expect(channel.sent).toEqual([]);
  });
});
