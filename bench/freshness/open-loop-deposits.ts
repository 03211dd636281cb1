import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthHeaders, Principals } from '../support/bench-auth';
import { postJson } from './http-post';
import { DEPOSIT_BODY } from './peak-load';

/** One deposit of the timed run and what came back. */
export interface SentDeposit {
  readonly accountId: string;
  readonly sentAt: number;
  /** performance.now() when the status line arrived; undefined when it failed. */
  readonly answeredAt?: number;
  readonly status: number;
  /** The global position the 201 body returned. */
  readonly position?: bigint;
  /** The stream version the 201 body returned. */
  readonly version?: number;
  readonly error?: string;
  /** Sent a second time after a keep-alive reset (see postJson). */
  readonly retried?: boolean;
}

const fieldOf = (body: unknown, field: string): unknown =>
  typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;

async function deposit(
  agent: Agent,
  teller: AuthHeaders,
  baseUrl: string,
  accountId: string,
): Promise<SentDeposit> {
  const sentAt = performance.now();
  try {
    const outcome = await postJson(
      agent,
      teller,
      `${baseUrl}/accounts/${accountId}/deposits`,
      DEPOSIT_BODY,
    );
    const position = fieldOf(outcome.body, 'position');
    const version = fieldOf(outcome.body, 'version');
    if (outcome.status !== 201 || typeof position !== 'string' || typeof version !== 'number') {
      return {
        accountId,
        sentAt,
        status: outcome.status,
        error: JSON.stringify(outcome.body).slice(0, 300),
        retried: outcome.retried,
      };
    }
    return {
      accountId,
      sentAt,
      answeredAt: outcome.answeredAt,
      status: outcome.status,
      position: BigInt(position),
      version,
      retried: outcome.retried,
    };
  } catch (error) {
    return { accountId, sentAt, status: 0, error: String(error) };
  }
}

/**
 * Open-loop deposits, each as the next of `tellers`: request i is sent at start + i / rate
 * whatever happened to the earlier ones (a slow answer does not slow the arrivals, so
 * queueing shows in the figures instead of being hidden), the accounts taken in turn, for
 * `seconds`. Sockets are capped at `maxSockets`; requests beyond wait in the agent, which also
 * counts as latency.
 */
export async function depositOpenLoop(
  baseUrl: string,
  tellers: Principals,
  accounts: readonly string[],
  ratePerSecond: number,
  seconds: number,
  maxSockets: number,
): Promise<SentDeposit[]> {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const total = Math.round(ratePerSecond * seconds);
  const pending: Promise<SentDeposit>[] = [];
  const started = performance.now();
  try {
    while (pending.length < total) {
      const due = Math.min(
        total,
        Math.floor(((performance.now() - started) * ratePerSecond) / 1000) + 1,
      );
      while (pending.length < due) {
        pending.push(
          deposit(agent, tellers(), baseUrl, accounts[pending.length % accounts.length]),
        );
      }
      // setTimeout's ~1 ms granularity: arrivals come in small bursts at high rates.
      await sleep(1);
    }
    return await Promise.all(pending);
  } finally {
    agent.destroy();
  }
}
