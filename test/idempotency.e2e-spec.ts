import { randomUUID } from 'node:crypto';
import { accountsApi } from './support/accounts-api';
import { useTestApp } from './support/test-app';
import { describeOnServer } from './support/test-database';

const context = useTestApp('idempotency');
const api = accountsApi(() => context.app.baseUrl);

describe('Idempotency-Key', () => {
  it('the same key and body replays the first response and applies once', async () => {
    const id = await api.open();
    const key = { 'Idempotency-Key': randomUUID() };
    const first = await api.deposit(id, 250, key).expect(201);
    const again = await api.deposit(id, 250, key).expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await api.account(id)).toMatchObject({ balance: 250, version: 2 });
  });

  it('the same key with a different body or path is 422 IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
    const id = await api.open();
    const other = await api.open();
    const key = { 'Idempotency-Key': randomUUID() };
    await api.deposit(id, 100, key).expect(201);
    expect((await api.deposit(id, 101, key).expect(422)).body).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect((await api.deposit(other, 100, key).expect(422)).body).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(await api.account(id)).toMatchObject({ balance: 100 });
    expect(await api.account(other)).toMatchObject({ balance: 0 });
  });

  it('a domain refusal is stored and replayed, even after the balance would allow it', async () => {
    const id = await api.open();
    const key = { 'Idempotency-Key': randomUUID() };
    const refused = await api.withdraw(id, 10, key).expect(422);
    await api.deposit(id, 100).expect(201);
    const replayed = await api.withdraw(id, 10, key).expect(422);
    expect(replayed.body).toEqual(refused.body);
    expect(await api.account(id)).toMatchObject({ balance: 100 });
  });

  it('a validation failure is not stored: the key can be used again with a corrected body', async () => {
    const id = await api.open();
    const key = { 'Idempotency-Key': randomUUID() };
    await api.http().post(`/accounts/${id}/deposits`).set(key).send({ amount: -1 }).expect(400);
    await api.deposit(id, 5, key).expect(201);
    expect(await api.account(id)).toMatchObject({ balance: 5 });
  });

  it('opening an account with a key replays the same account id', async () => {
    const key = randomUUID();
    const body = { customerId: randomUUID(), currency: 'JPY' };
    const first = await api
      .http()
      .post('/accounts')
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    const again = await api
      .http()
      .post('/accounts')
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    expect(again.body).toEqual(first.body);
  });

  it('a repeat whose HTTP record was lost is still recognised by the command id and not applied twice', async () => {
    const id = await api.open();
    const key = { 'Idempotency-Key': randomUUID() };
    const first = await api.deposit(id, 40, key).expect(201);
    // Simulates a crash after the events committed but before the response was stored.
    await context.database.dataSource.query(
      'DELETE FROM http_idempotency_keys WHERE idempotency_key = $1',
      [key['Idempotency-Key']],
    );
    const again = await api.deposit(id, 40, key).expect(201);
    expect(again.body).toEqual(first.body);
    expect(await api.account(id)).toMatchObject({ balance: 40, version: 2 });
  });
});

describeOnServer('Idempotency-Key under concurrency', () => {
  it('20 concurrent requests with one key apply once and all answer the same', async () => {
    const id = await api.open();
    const key = { 'Idempotency-Key': randomUUID() };
    const responses = await Promise.all(Array.from({ length: 20 }, () => api.deposit(id, 7, key)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    for (const response of responses) expect(response.body).toEqual(responses[0].body);
    expect(await api.account(id)).toMatchObject({ balance: 7, version: 2 });
  });
});

describe('If-Match', () => {
  it('a write with the current version succeeds; a stale one is 409 VERSION_CONFLICT and changes nothing', async () => {
    const id = await api.open();
    const etag = (await api.http().get(`/accounts/${id}`).expect(200)).headers.etag;
    expect(etag).toBe('"1"');
    const ok = await api.deposit(id, 10, { 'If-Match': etag }).expect(201);
    expect(ok.body).toMatchObject({ version: 2 });

    const stale = await api.deposit(id, 10, { 'If-Match': etag }).expect(409);
    expect(stale.body).toMatchObject({ code: 'VERSION_CONFLICT' });
    const staleClose = await api
      .http()
      .post(`/accounts/${id}/close`)
      .set('If-Match', '"1"')
      .expect(409);
    expect(staleClose.body).toMatchObject({ code: 'VERSION_CONFLICT' });
    expect(await api.account(id)).toMatchObject({ balance: 10, version: 2 });
  });

  it('If-Match: * means any version', async () => {
    const id = await api.open();
    await api.deposit(id, 10, { 'If-Match': '*' }).expect(201);
  });
});
