import { httpApi } from '../../test/support/api';
import { eventually } from '../../test/support/eventually';
import { useTestApp } from '../../test/support/test-app';

/** The gift cards API end to end: a running app on a database of its own. */
const context = useTestApp('gift_cards');
const api = () => httpApi(context.app.baseUrl);

describe('gift cards', () => {
  it('creates a gift card: 201 with its Location, readable from its stream with its ETag', async () => {
    const created = await api().post('/gift-cards').send({ title: 'Birthday' }).expect(201);
    const { id, version } = created.body as { id: string; version: number };
    expect(version).toBe(1);
    expect(created.headers.location).toBe(`/gift-cards/${id}`);

    const read = await api().get(`/gift-cards/${id}`).expect(200);
    expect(read.body).toEqual({ id, title: 'Birthday', version: 1 });
    expect(read.headers.etag).toBe('"1"');
  });

  it('lists it from the read model once the projection has applied it', async () => {
    const created = await api().post('/gift-cards').send({ title: 'Wedding' }).expect(201);
    const { id } = created.body as { id: string };
    await eventually(async () => {
      const list = await api().get('/gift-cards').query({ limit: 200 }).expect(200);
      const items = (list.body as { items: { id: string; title: string }[] }).items;
      expect(items).toContainEqual(expect.objectContaining({ id, title: 'Wedding' }));
    });
  });

  it('publishes it through the outbox, in the same transaction as its event', async () => {
    const created = await api().post('/gift-cards').send({ title: 'Outbox' }).expect(201);
    const { id } = created.body as { id: string };
    const rows: { type: string }[] = await context.database.dataSource.query(
      'SELECT type FROM es_outbox WHERE stream_id = $1',
      [`gift-card-${id}`],
    );
    expect(rows.map((row) => row.type)).toEqual(['gift-cards.gift-card-created']);
  });

  it('answers 404 NOT_FOUND for a gift card that does not exist', async () => {
    const response = await api()
      .get('/gift-cards/5f0c2b8e-1d4a-4c3b-9e2f-7a6b5c4d3e21')
      .expect(404);
    expect(response.body).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses an invalid body with 400 VALIDATION_FAILED and creates nothing', async () => {
    const response = await api().post('/gift-cards').send({ title: '' }).expect(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
