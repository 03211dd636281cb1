import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { Principals } from '../support/bench-auth';
import { postJson, stringField } from './http-post';

/** Accounts opened per customer: openings of one customer queue on its stream, so spread them. */
const ACCOUNTS_PER_CUSTOMER = 16;

/**
 * Opens `count` fresh EUR accounts through the HTTP API (register customers, open their
 * accounts), the way a client would, each call as the next of `tellers`.
 * @returns the account ids.
 */
export async function seedAccounts(
  baseUrl: string,
  tellers: Principals,
  count: number,
): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  try {
    const customers = Math.ceil(count / ACCOUNTS_PER_CUSTOMER);
    const tag = randomBytes(4).toString('hex').toUpperCase();
    const chains = Array.from({ length: customers }, async (_, customer) => {
      const registered = await postJson(agent, tellers(), `${baseUrl}/customers`, {
        name: `Freshness Bench ${customer}`,
        email: `freshness-${tag}-${customer}@example.com`,
        documentNumber: `FB${tag}${customer}`,
      });
      if (registered.status !== 201) throw new Error(`register: ${JSON.stringify(registered)}`);
      const customerId = stringField(registered, 'id');
      const ids: string[] = [];
      const mine = Math.min(ACCOUNTS_PER_CUSTOMER, count - customer * ACCOUNTS_PER_CUSTOMER);
      for (let index = 0; index < mine; index++) {
        const opened = await postJson(agent, tellers(), `${baseUrl}/accounts`, {
          customerId,
          currency: 'EUR',
        });
        if (opened.status !== 201) throw new Error(`open account: ${JSON.stringify(opened)}`);
        ids.push(stringField(opened, 'id'));
      }
      return ids;
    });
    return (await Promise.all(chains)).flat();
  } finally {
    agent.destroy();
  }
}
