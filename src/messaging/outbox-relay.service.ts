import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import {
  DEFAULT_OUTBOX_RELAY_OPTIONS,
  OutboxRelay,
  OutboxRelayStats,
  OutboxStore,
} from '@ledgerline/event-sourcing';
import { logPublishOutcome } from './outbox-relay.log';
import { CommitSignal } from '../database/commit-signal';
import { MessagingTransport } from './messaging-transport';
import { MESSAGING_OPTIONS, MessagingOptions, OUTBOX_STORE } from './messaging.tokens';

/** Runs this instance's outbox relay (when enabled), woken by every commit of events. */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Outbox');
  private readonly relay: OutboxRelay;
  private unsubscribe?: () => void;

  constructor(
    @Inject(OUTBOX_STORE) store: OutboxStore,
    transport: MessagingTransport,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    private readonly commits: CommitSignal,
  ) {
    this.relay = new OutboxRelay(
      store,
      transport.publisher,
      {
        ...DEFAULT_OUTBOX_RELAY_OPTIONS,
        maxAttempts: options.maxAttempts,
        retryBaseMs: options.retryBaseMs,
        publishWindow: options.publishWindow ?? DEFAULT_OUTBOX_RELAY_OPTIONS.publishWindow,
        retentionMs: options.retentionMs,
      },
      (error) => this.logger.warn(`relay round failed, retrying: ${String(error)}`),
      (message, outcome) => logPublishOutcome(this.logger, message, outcome),
    );
  }

  get running(): boolean {
    return this.options.relay;
  }

  get stats(): Readonly<OutboxRelayStats> {
    return this.relay.stats;
  }

  onApplicationBootstrap(): void {
    if (!this.options.relay) return;
    this.unsubscribe = this.commits.subscribe(() => this.relay.wake());
    this.relay.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.relay.stop();
  }

  /** A dead letter was made pending again: publish it now. */
  wake(): void {
    this.relay.wake();
  }
}
