import { httpApi } from './api';
import { randomBytes } from 'node:crypto';
import request from 'supertest';

/** A fresh document number per call: registrations in one database never collide. */
export const uniqueDocumentNumber = (): string =>
  `T${randomBytes(8).toString('hex').toUpperCase()}`;

/** Registers a customer through the API and returns its id. */
export async function registerCustomer(
  http: () => request.Agent | ReturnType<typeof request>,
  documentNumber = uniqueDocumentNumber(),
): Promise<string> {
  const response = await http()
    .post('/customers')
    .send({ name: 'Test Customer', email: 'test@example.com', documentNumber })
    .expect(201);
  return (response.body as { id: string }).id;
}

/** Thin helpers over the accounts routes, so tests read as banking steps. */
export function accountsApi(baseUrl: string | (() => string)) {
  // A function defers reading the URL until the app has started (see useTestApp).
  const http = () => httpApi(typeof baseUrl === 'string' ? baseUrl : baseUrl());
  let customer: Promise<string> | undefined;
  return {
    http,
    /** One registered customer per helper, registered on first use. */
    customer(): Promise<string> {
      customer ??= registerCustomer(http);
      return customer;
    },
    async open(currency = 'EUR', customerId?: string): Promise<string> {
      const response = await http()
        .post('/accounts')
        .send({ customerId: customerId ?? (await this.customer()), currency })
        .expect(201);
      return (response.body as { id: string }).id;
    },
    deposit: (id: string, amount: number, headers: Record<string, string> = {}) =>
      http().post(`/accounts/${id}/deposits`).set(headers).send({ amount }),
    withdraw: (id: string, amount: number, headers: Record<string, string> = {}) =>
      http().post(`/accounts/${id}/withdrawals`).set(headers).send({ amount }),
    setOverdraftLimit: (id: string, limit: number, reason = 'test') =>
      http().put(`/accounts/${id}/overdraft-limit`).send({ limit, reason }),
    placeHold: (
      id: string,
      body: { amount: number; reason?: string; expiresAt?: string; id?: string },
    ) =>
      http()
        .post(`/accounts/${id}/holds`)
        .send({ reason: 'TEST SHOP', ...body }),
    captureHold: (id: string, holdId: string, amount?: number) =>
      http()
        .post(`/accounts/${id}/holds/${holdId}/capture`)
        .send(amount === undefined ? {} : { amount }),
    releaseHold: (id: string, holdId: string) =>
      http().post(`/accounts/${id}/holds/${holdId}/release`),
    async account(id: string): Promise<{ balance: number; version: number; status: string }> {
      const response = await http().get(`/accounts/${id}`).expect(200);
      return response.body as { balance: number; version: number; status: string };
    },
    async eventTypes(id: string): Promise<string[]> {
      const response = await http().get(`/accounts/${id}/events?limit=500`).expect(200);
      return (response.body as { items: { type: string }[] }).items.map((e) => e.type);
    },
  };
}
