import { Environment } from './environment';

const idIn = (body: unknown): string | undefined => {
  if (typeof body !== 'object' || body === null) return undefined;
  const id: unknown = (body as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
};

/** A customer and account of the outage prober's own (its deposits never touch the workload's). */
export async function openProbeAccount(env: Environment): Promise<string> {
  const random = env.random.fork(2_000);
  const customer = await env.client.write(
    random,
    'register',
    '/customers',
    {
      name: 'Outage probe',
      email: 'probe@example.com',
      documentNumber: `PROBE${env.runId}`.slice(0, 32),
    },
    null,
    { source: 'probe' },
  );
  const customerId = idIn(customer.answer?.body);
  if (!customerId)
    throw new Error(`could not register the probe customer: ${JSON.stringify(customer.answer)}`);
  const account = await env.client.write(
    random,
    'open',
    '/accounts',
    { customerId, currency: 'EUR' },
    customerId,
    { source: 'probe' },
  );
  const accountId = idIn(account.answer?.body);
  if (!accountId)
    throw new Error(`could not open the probe account: ${JSON.stringify(account.answer)}`);
  return accountId;
}
