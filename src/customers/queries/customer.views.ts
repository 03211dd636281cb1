/** GET /customers/{id}: folded from the customer's stream, never stale. */
export type CustomerView = {
  id: string;
  /** Null once the customer's personal data is erased (status ERASED). */
  name: string | null;
  email: string | null;
  documentNumber: string | null;
  status: 'ACTIVE' | 'UNREGISTERED' | 'ERASED';
  openAccounts: number;
  version: number;
};

/** One row of GET /customers, from the customer-summaries read model. */
export type CustomerListItem = CustomerView & { registeredAt: string };

export type CustomerPage = { items: CustomerListItem[]; nextCursor: string | null };
