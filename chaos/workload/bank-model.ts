import { Random } from '../support/random';

export interface KnownCustomer {
  readonly id: string;
  /** The base (normalised) document number it registered with. */
  readonly document: string;
  active: boolean;
  openAccounts: number;
}

export interface KnownAccount {
  readonly id: string;
  readonly customerId: string;
  /** Last balance an answer told us, and at which version: a hint, never checked against. */
  balance: number;
  version: number;
  open: boolean;
}

const DOCUMENTS = 24;
export const HOT_ACCOUNTS = 4;

/**
 * What the clients know from their own acknowledged answers: which customers and accounts
 * exist and roughly what they hold. It only steers the choice of the next request (so most
 * are plausible and some are refused); the checks never trust it.
 */
export class BankModel {
  readonly customers: KnownCustomer[] = [];
  readonly accounts: KnownAccount[] = [];
  /** A small pool of document numbers, so registrations collide in different spellings. */
  readonly documents: readonly string[];

  constructor(random: Random) {
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
    this.documents = Array.from(
      { length: DOCUMENTS },
      () => 'D' + Array.from({ length: 7 }, () => random.pick([...alphabet])).join(''),
    );
  }

  activeCustomers(): KnownCustomer[] {
    return this.customers.filter((customer) => customer.active);
  }

  openAccounts(): KnownAccount[] {
    return this.accounts.filter((account) => account.open);
  }

  customer(id: string): KnownCustomer | undefined {
    return this.customers.find((customer) => customer.id === id);
  }

  /**
   * An open account, often one of the first few (hot accounts: the two instances then write
   * the same streams concurrently, which is where a broken optimistic lock shows).
   */
  pickAccount(random: Random): KnownAccount | undefined {
    const open = this.openAccounts();
    if (open.length === 0) return undefined;
    if (random.chance(0.4)) return random.pick(open.slice(0, HOT_ACCOUNTS));
    return random.pick(open);
  }

  learnBalance(account: KnownAccount, body: unknown): void {
    if (typeof body !== 'object' || body === null) return;
    const { version, balance } = body as { version?: unknown; balance?: unknown };
    if (typeof version !== 'number' || typeof balance !== 'number') return;
    if (version < account.version) return;
    account.version = version;
    account.balance = balance;
  }
}

/**
 * The same document number as a person might type it: random case, spaces and dashes
 * between characters, sometimes padded. The app normalises all of them to one number.
 */
export function spellDocument(document: string, random: Random): string {
  let spelled = random.chance(0.2) ? ' ' : '';
  for (const [index, character] of [...document].entries()) {
    spelled += random.chance(0.3) ? character.toLowerCase() : character;
    if (index < document.length - 1 && random.chance(0.15)) spelled += random.pick([' ', '-']);
  }
  return spelled + (random.chance(0.2) ? ' ' : '');
}
