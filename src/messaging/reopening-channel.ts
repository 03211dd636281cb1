import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel } from 'amqplib';

// How long after a channel closed, or its setup failed, on a live connection a new one is opened:
// a broker shutting down closes the channels first, and a refused setup must not spin.
export const REOPEN_AFTER_MS = 1_000;

export interface ReopeningChannelOptions<C extends Channel> {
  readonly name: string;
  /** A confirm channel: set exactly when C is ConfirmChannel. */
  readonly confirm?: boolean;
  /** Declares what the channel needs (topology, consumers); run on every channel opened. */
  readonly setup: (channel: C) => Promise<void>;
  /** Told why the channel is being opened again; must not throw. */
  readonly onReopen: (reason: string) => void;
  /** Told of a setup that failed (retried on the reconnect, or a moment later); must not throw. */
  readonly onSetupFailed: (error: unknown) => void;
}

/**
 * One amqp-connection-manager channel that is never left for dead. The manager reopens its
 * channels when the connection comes back, and nothing else: a channel the broker closed on a
 * live connection (a channel error, such as a deleted exchange) or a setup that failed (the
 * broker shutting down during it, a queue declared with other arguments) would leave a relay or
 * a consumer waiting for good, and its unheard 'error' event would end the process. Here every
 * failure is reported, and a channel that is not open a moment later on a live connection is
 * replaced by a new one.
 */
export class ReopeningChannel<C extends Channel = Channel> {
  private wrapper: ChannelWrapper;
  /** The channel whose setup completed and that has not closed since. */
  private open: C | undefined;
  private closing = false;
  /** Bumped per wrapper opened: a replaced wrapper's late setup must not count as open. */
  private generation = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly connection: AmqpConnectionManager,
    private readonly options: ReopeningChannelOptions<C>,
  ) {
    this.wrapper = this.openWrapper();
  }

  /** The open, set-up channel, or undefined between a close and the next setup. */
  get channel(): C | undefined {
    return this.open;
  }

  /** Resolves once a channel is open and set up (at once when one is). */
  waitForSetup(): Promise<void> {
    if (this.open !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): Promise<void> {
    this.closing = true;
    return this.wrapper.close();
  }

  private openWrapper(): ChannelWrapper {
    const generation = ++this.generation;
    const wrapper = this.connection.createChannel({
      name: this.options.name,
      confirm: this.options.confirm ?? false,
      // amqp-connection-manager hands a ConfirmChannel when `confirm` is set (the publisher's
      // case, which asks for ConfirmChannel), a plain Channel otherwise.
      setup: async (opened: Channel) => {
        const channel = opened as C;
        // A channel error (the broker closing the channel) is followed by 'close', handled
        // below, which reports it; unheard, amqplib would take it for a failure of the whole
        // connection.
        let closedBy = 'the broker closed the channel';
        channel.on('error', (error: Error) => {
          closedBy = `the broker closed the channel: ${error.message}`;
        });
        channel.once('close', () => {
          if (this.open !== channel) return;
          this.open = undefined;
          this.checkLater(closedBy);
        });
        await this.options.setup(channel);
        if (generation !== this.generation) return;
        this.open = channel;
        this.waiters.splice(0).forEach((resolve) => resolve());
      },
    });
    wrapper.on('error', (error: unknown) => {
      this.options.onSetupFailed(error);
      this.checkLater('its setup failed');
    });
    return wrapper;
  }

  private checkLater(reason: string): void {
    setTimeout(() => this.reopenIfLost(reason), REOPEN_AFTER_MS).unref();
  }

  /** A new channel when none is open while the connection is up; the reconnect does it otherwise. */
  private reopenIfLost(reason: string): void {
    if (this.closing || this.open !== undefined || !this.connection.isConnected()) return;
    this.options.onReopen(reason);
    const lost = this.wrapper;
    this.wrapper = this.openWrapper();
    void lost.close().catch(() => undefined);
  }
}
