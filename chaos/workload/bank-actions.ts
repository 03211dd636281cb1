import { Random } from '../support/random';
import { BankModel, HOT_ACCOUNTS, KnownAccount, spellDocument } from './bank-model';
import { OperationRecord } from './history';
import { problemCode, RetryingClient } from './retrying-client';

/** What one client works with. */
export interface ClientContext {
  readonly client: RetryingClient;
  readonly model: BankModel;
  readonly random: Random;
}

const idOf = (operation: OperationRecord): string | undefined => {
  const body = operation.answer?.body;
  if (operation.outcome !== 'acknowledged' || typeof body !== 'object' || body === null)
    return undefined;
  const id: unknown = (body as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
};

const refusedWith = (operation: OperationRecord, code: string): boolean =>
  operation.outcome === 'refused' && problemCode(operation.answer?.body) === code;

/** Mostly affordable, sometimes the whole balance, sometimes more than it (refused). */
function amountFor(account: KnownAccount, random: Random): number {
  const roll = random.next();
  if (roll < 0.6 || account.balance <= 0) return random.int(1, Math.max(1, account.balance));
  if (roll < 0.8) return account.balance;
  return account.balance + random.int(1, 50_000);
}

export async function registerCustomer({ client, model, random }: ClientContext): Promise<void> {
  const document = random.pick(model.documents);
  const n = random.int(1, 1_000_000);
  const operation = await client.write(
    random,
    'register',
    '/customers',
    {
      name: `Customer ${n}`,
      email: `c${n}@example.com`,
      documentNumber: spellDocument(document, random),
    },
    null,
  );
  const id = idOf(operation);
  if (id) model.customers.push({ id, document, active: true, openAccounts: 0 });
}

export async function openAccount({ client, model, random }: ClientContext): Promise<void> {
  const active = model.activeCustomers();
  // Now and then a customer we believe unregistered: the app must refuse it.
  const pool = active.length && random.chance(0.95) ? active : model.customers;
  if (pool.length === 0) return;
  const customer = random.pick(pool);
  const operation = await client.write(
    random,
    'open',
    '/accounts',
    { customerId: customer.id, currency: 'EUR' },
    customer.id,
  );
  const id = idOf(operation);
  if (id) {
    model.accounts.push({ id, customerId: customer.id, balance: 0, version: 1, open: true });
    customer.openAccounts++;
  } else if (refusedWith(operation, 'CUSTOMER_NOT_FOUND')) customer.active = false;
}

async function moveMoney(
  { client, model, random }: ClientContext,
  kind: 'deposit' | 'withdraw',
  account: KnownAccount,
  amount: number,
): Promise<OperationRecord> {
  const path = `/accounts/${account.id}/${kind === 'deposit' ? 'deposits' : 'withdrawals'}`;
  const operation = await client.write(random, kind, path, { amount }, account.id);
  if (operation.outcome === 'acknowledged') model.learnBalance(account, operation.answer?.body);
  if (refusedWith(operation, 'ACCOUNT_CLOSED')) account.open = false;
  return operation;
}

/** Mostly open accounts; sometimes a closed one (refused with ACCOUNT_CLOSED). */
function depositTarget(model: BankModel, random: Random): KnownAccount | undefined {
  if (model.accounts.length && random.chance(0.03)) return random.pick(model.accounts);
  return model.pickAccount(random);
}

export async function deposit(context: ClientContext): Promise<void> {
  const account = depositTarget(context.model, context.random);
  if (account) await moveMoney(context, 'deposit', account, context.random.int(1, 50_000));
}

export async function withdraw(context: ClientContext): Promise<void> {
  const account = context.model.pickAccount(context.random);
  if (account) await moveMoney(context, 'withdraw', account, amountFor(account, context.random));
}

export async function transfer({ client, model, random }: ClientContext): Promise<void> {
  const from = model.pickAccount(random);
  // The destination is sometimes closed: the credit is refused and the transfer compensated.
  const to =
    random.chance(0.05) && model.accounts.length
      ? random.pick(model.accounts)
      : model.pickAccount(random);
  if (!from || !to || from.id === to.id) return;
  await client.write(
    random,
    'transfer',
    '/transfers',
    { fromAccountId: from.id, toAccountId: to.id, amount: amountFor(from, random) },
    from.id,
  );
}

/** Closes an account, often emptying it first (else BALANCE_NOT_ZERO). */
export async function closeAccount(context: ClientContext): Promise<void> {
  const { client, model, random } = context;
  const open = model.openAccounts();
  // Never the hot accounts: they carry the contention the checks need.
  const candidates = open.slice(HOT_ACCOUNTS);
  if (candidates.length < HOT_ACCOUNTS) return;
  const account = random.pick(candidates);
  if (random.chance(0.6)) {
    const current = await client.read(random, `/accounts/${account.id}`);
    model.learnBalance(account, current);
    if (account.balance > 0) await moveMoney(context, 'withdraw', account, account.balance);
  }
  const operation = await client.write(
    random,
    'close',
    `/accounts/${account.id}/close`,
    null,
    account.id,
  );
  if (operation.outcome === 'acknowledged' || refusedWith(operation, 'ACCOUNT_CLOSED')) {
    if (account.open) {
      const customer = model.customer(account.customerId);
      if (customer) customer.openAccounts--;
    }
    account.open = false;
  }
}

/** Unregisters a customer; one with no open account succeeds, others are refused. */
export async function unregisterCustomer({ client, model, random }: ClientContext): Promise<void> {
  const active = model.activeCustomers();
  if (active.length < 6) return;
  const idle = active.filter((customer) => customer.openAccounts === 0);
  const customer = idle.length && random.chance(0.6) ? random.pick(idle) : random.pick(active);
  const operation = await client.write(
    random,
    'unregister',
    `/customers/${customer.id}/unregister`,
    null,
    customer.id,
  );
  if (operation.outcome === 'acknowledged' || refusedWith(operation, 'CUSTOMER_NOT_FOUND'))
    customer.active = false;
}

/** Reads an account to refresh what the client believes it holds. */
export async function readAccount({ client, model, random }: ClientContext): Promise<void> {
  const account = model.pickAccount(random);
  if (account) model.learnBalance(account, await client.read(random, `/accounts/${account.id}`));
}
