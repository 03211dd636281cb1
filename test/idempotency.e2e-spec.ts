import { staffToken, storedIdempotencyKey } from './support/api';
import { randomUUID } from 'node:crypto';
import { DEFAULT_RETRY_POLICY } from '@ledgerline/event-sourcing';
import { IdempotencyStore } from '../src/common/idempotency/idempotency.store';
import { accountsApi } from './support/accounts-api';
import { useTestApp } from './support/test-app';
import { describeOnServer } from './support/test-database';

const context = useTestApp('idempotency');
const api = accountsApi(() => context.app.baseUrl);

/** A POST as raw bytes: what the client receives, before any JSON parsing. */
async function rawPost(
  path: string,
  idempotencyKey: string,
  body: string,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(`${context.app.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${staffToken()}`,
      'Content-Type': 'application/json',
      'Idempotency-Key': idempotencyKey,
    },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

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

  it('a PUT with a key replays its first answer, 200, and applies once; a different body is 422', async () => {
    const id = await api.open();
    const put = (limit: number) =>
      api
        .http()
        .put(`/accounts/${id}/overdraft-limit`)
        .set('Idempotency-Key', `overdraft-${id}`)
        .send({ limit, reason: 'idempotency test' });
    const first = await put(700).expect(200);
    const again = await put(700).expect(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await put(800).expect(422);
    expect(other.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await api.eventTypes(id)).toEqual(['AccountOpened', 'OverdraftLimitSet']);
  });

  it('a replay is the first response byte for byte: status, body bytes and the headers that matter', async () => {
    const id = await api.open();
    const key = randomUUID();
    const send = () => rawPost(`/accounts/${id}/deposits`, key, '{"amount":250}');
    const first = await send();
    const again = await send();
    expect(first.status).toBe(201);
    expect(again.status).toBe(first.status);
    expect(again.body.equals(first.body)).toBe(true);
    for (const header of ['content-type', 'content-length', 'location', 'cache-control'])
      expect([header, again.headers.get(header)]).toEqual([header, first.headers.get(header)]);
    expect(first.headers.get('location')).toBe(`/accounts/${id}/events/2`);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    // A stored refusal too: it goes through the problem filter on both answers.
    const refusalKey = randomUUID();
    const refuse = () => rawPost(`/accounts/${id}/withdrawals`, refusalKey, '{"amount":999}');
    const refused = await refuse();
    const refusedAgain = await refuse();
    expect([refused.status, refusedAgain.status]).toEqual([422, 422]);
    expect(refusedAgain.body.equals(refused.body)).toBe(true);
    expect(refusedAgain.headers.get('content-type')).toBe(refused.headers.get('content-type'));
    expect(refusedAgain.headers.get('idempotent-replayed')).toBe('true');
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
    const body = { customerId: await api.customer(), currency: 'JPY' };
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
      [storedIdempotencyKey(key['Idempotency-Key'])],
    );
    const again = await api.deposit(id, 40, key).expect(201);
    expect(again.body).toEqual(first.body);
    expect(await api.account(id)).toMatchObject({ balance: 40, version: 2 });
  });
});

describe('Idempotency-Key expiry (keys are kept 24 h)', () => {
  /** Moves a stored key's creation back by `age` (an SQL interval), as if that time had passed. */
  const age = (key: string, interval: string) =>
    context.database.dataSource.query(
      `UPDATE http_idempotency_keys SET created_at = created_at - $2::interval WHERE idempotency_key = $1`,
      [storedIdempotencyKey(key), interval],
    );

  it('just inside 24 h the key still binds its request: another body is 422, the same one replays', async () => {
    const id = await api.open();
    const key = randomUUID();
    const first = await api.deposit(id, 100, { 'Idempotency-Key': key }).expect(201);
    await age(key, '23 hours 59 minutes');

    await api.deposit(id, 250, { 'Idempotency-Key': key }).expect(422);
    const replayed = await api.deposit(id, 100, { 'Idempotency-Key': key }).expect(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(first.body);
    expect(await api.account(id)).toMatchObject({ balance: 100, version: 2 });
  });

  it('after 24 h the key is forgotten: the same key with a new request executes it, and binds again', async () => {
    const id = await api.open();
    const key = randomUUID();
    await api.deposit(id, 100, { 'Idempotency-Key': key }).expect(201);
    await age(key, '24 hours 1 second');

    const fresh = await api.deposit(id, 250, { 'Idempotency-Key': key }).expect(201);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(fresh.body).toMatchObject({ balance: 350, version: 3 });
    // The key now belongs to the new request, for another 24 h.
    const replayed = await api.deposit(id, 250, { 'Idempotency-Key': key }).expect(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(fresh.body);
    await api.deposit(id, 100, { 'Idempotency-Key': key }).expect(422);
    expect(await api.account(id)).toMatchObject({ balance: 350, version: 3 });
  });

  // Money is never moved twice by one request: the HTTP record of a key lives 24 h, but the
  // command id derived from the key and the request is recorded by the event store for ever,
  // so the same request with the same key, however late, answers its first result.
  it('after 24 h the same key with the same body still applies nothing again', async () => {
    const id = await api.open();
    const key = randomUUID();
    const first = await api.deposit(id, 100, { 'Idempotency-Key': key }).expect(201);
    await age(key, '24 hours 1 second');

    const again = await api.deposit(id, 100, { 'Idempotency-Key': key }).expect(201);
    expect(again.body).toEqual(first.body);
    expect(await api.account(id)).toMatchObject({ balance: 100, version: 2 });
  });
});

describe('VERSION_CONFLICT when re-decide retries run out', () => {
  it('a stream whose version keeps moving under every attempt: 409 VERSION_CONFLICT after the last retry, nothing recorded, the key free again', async () => {
    const { dataSource } = context.database;
    const id = await api.open();
    await api.deposit(id, 50).expect(201);
    // Another writer wins every race on this stream: in each append's own transaction, just
    // before the command's event, an event with the same stream version is inserted, so the
    // append fails on the (stream_id, stream_version) unique index exactly as a lost race
    // does. A sequence (not rolled back) counts the attempts.
    await dataSource.query('CREATE SEQUENCE hot_stream_attempts');
    await dataSource.query(`
      CREATE FUNCTION hot_stream() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF pg_trigger_depth() = 1 THEN
          PERFORM nextval('hot_stream_attempts');
          INSERT INTO es_events (event_id, stream_id, stream_version, type, data, metadata, occurred_at)
          VALUES (gen_random_uuid(), NEW.stream_id, NEW.stream_version, NEW.type, NEW.data,
                  NEW.metadata, NEW.occurred_at);
        END IF;
        RETURN NEW;
      END $$`);
    await dataSource.query(`
      CREATE TRIGGER hot_stream BEFORE INSERT ON es_events FOR EACH ROW
      WHEN (NEW.stream_id = 'account-${id}') EXECUTE FUNCTION hot_stream()`);
    const key = { 'Idempotency-Key': randomUUID() };
    try {
      // No If-Match: a conflict is re-decided, so a 409 here can only mean the retries ran out.
      const refused = await api.deposit(id, 10, key).expect(409);
      expect(refused.body).toMatchObject({ code: 'VERSION_CONFLICT' });
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      const [{ attempts }] = await dataSource.query<{ attempts: string }[]>(
        'SELECT last_value::text AS attempts FROM hot_stream_attempts',
      );
      expect(Number(attempts)).toBe(DEFAULT_RETRY_POLICY.maxAttempts);
      // Every attempt rolled back: the stream is as it was.
      expect(await api.account(id)).toMatchObject({ balance: 50, version: 2 });
    } finally {
      await dataSource.query('DROP TRIGGER hot_stream ON es_events');
      await dataSource.query('DROP FUNCTION hot_stream()');
      await dataSource.query('DROP SEQUENCE hot_stream_attempts');
    }
    // A transient conflict is not stored against the key: the client's retry executes.
    const retried = await api.deposit(id, 10, key).expect(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(await api.account(id)).toMatchObject({ balance: 60, version: 3 });
  });
});

describeOnServer('Idempotency-Key under concurrency', () => {
  it('20 concurrent requests with one key apply once and all answer the same', async () => {
    const id = await api.open();
    const key = { 'Idempotency-Key': randomUUID() };
    const responses = await Promise.all(Array.from({ length: 20 }, () => api.deposit(id, 7, key)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    for (const response of responses) expect(response.body).toEqual(responses[0].body);
    // Executed by one request; the others waited for it and replayed its answer.
    const executed = responses.filter((r) => r.headers['idempotent-replayed'] === undefined);
    expect(executed).toHaveLength(1);
    expect(await api.account(id)).toMatchObject({ balance: 7, version: 2 });
  });

  it('the first request whose claim reaches the database last never takes over the live claim of another', async () => {
    const store = context.app.app.get(IdempotencyStore);
    const claim = store.claim.bind(store);
    let anotherHolds = () => {};
    const held = new Promise<void>((resolve) => (anotherHolds = resolve));
    // The first request to arrive claims as the only one here; its statement is held back
    // until a later request's claim has taken the key (or a second passed), so it reaches the
    // database while that other execution runs.
    const delayed = jest
      .spyOn(store, 'claim')
      .mockImplementation(async (key: string, fingerprint: string, alone: boolean) => {
        if (alone) {
          await Promise.race([held, new Promise((resolve) => setTimeout(resolve, 1_000))]);
          return claim(key, fingerprint, alone);
        }
        const token = await claim(key, fingerprint, alone);
        if (token !== undefined) anotherHolds();
        return token;
      });
    try {
      const id = await api.open();
      const key = { 'Idempotency-Key': randomUUID() };
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => api.deposit(id, 9, key)),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
      const executed = responses.filter((r) => r.headers['idempotent-replayed'] === undefined);
      expect(executed).toHaveLength(1);
      expect(await api.account(id)).toMatchObject({ balance: 9, version: 2 });
    } finally {
      delayed.mockRestore();
    }
  });

  it('only the claim that holds the key records its outcome: one taken over cannot overwrite the newer one', async () => {
    const store = context.app.app.get(IdempotencyStore);
    const key = randomUUID();
    const first = await store.claim(key, 'fingerprint', true);
    expect(first).toBeDefined();
    // The first execution's lease runs out (its process hung), and a retry takes the key over.
    await context.database.dataSource.query(
      `UPDATE http_idempotency_keys SET locked_until = now() - interval '1 second' WHERE idempotency_key = $1`,
      [key],
    );
    const second = await store.claim(key, 'fingerprint', true);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    const refused = { status: 422, bodyText: '{"code":"INSUFFICIENT_FUNDS"}', headers: {} };
    await store.complete(key, first ?? '', refused);
    await store.release(key, first ?? '');
    expect(await store.find(key)).toEqual({ state: 'in_flight', fingerprint: 'fingerprint' });
    await store.complete(key, second ?? '', {
      status: 201,
      bodyText: '{"version":2}',
      headers: {},
    });
    await store.complete(key, first ?? '', refused);
    expect(await store.find(key)).toMatchObject({
      state: 'completed',
      status: 201,
      bodyText: '{"version":2}',
    });
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

  it('records past the 24 h retention are purged in batches; recent ones keep replaying', async () => {
    const id = await api.open();
    const key = { 'Idempotency-Key': randomUUID() };
    const first = await api.deposit(id, 3, key).expect(201);
    await context.database.dataSource.query(
      `INSERT INTO http_idempotency_keys (idempotency_key, fingerprint, state, locked_until, created_at)
       SELECT 'expired-' || n, 'f', 'completed', now(), now() - interval '25 hours'
         FROM generate_series(1, 2500) AS n`,
    );
    expect(await context.app.app.get(IdempotencyStore).purgeExpired()).toBe(2_500);
    const [{ expired }] = await context.database.dataSource.query<{ expired: number }[]>(
      `SELECT count(*)::int AS expired FROM http_idempotency_keys WHERE idempotency_key LIKE 'expired-%'`,
    );
    expect(expired).toBe(0);
    const again = await api.deposit(id, 3, key).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
  });
});
