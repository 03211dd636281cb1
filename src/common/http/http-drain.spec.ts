import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { eventually } from '../../../test/support/eventually';
import { RawHttpConnection } from '../../../test/support/raw-http';
import { HttpDrain } from './http-drain';

/**
 * A server whose `/hold` and `/started` requests wait until the test releases them; every other
 * path answers at once with its own path.
 */
async function serve(): Promise<{
  server: Server;
  drain: HttpDrain;
  baseUrl: string;
  held: ServerResponse[];
  /** Resolves once `n` requests of /hold have arrived. */
  holding(n: number): Promise<void>;
}> {
  const held: ServerResponse[] = [];
  let onHold = (): void => undefined;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/hold' || request.url === '/started') {
      // /started sends its headers (keep-alive) at once, before any drain can change them.
      if (request.url === '/started') response.writeHead(200).write('begun ');
      held.push(response);
      onHold();
      return;
    }
    response.end(request.url);
  });
  // Long enough that a connection left open by keep-alive would hold any drain below.
  server.keepAliveTimeout = 60_000;
  const drain = new HttpDrain(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    drain,
    baseUrl: `http://127.0.0.1:${port}`,
    held,
    holding: (n) =>
      new Promise((resolve) => {
        onHold = () => held.length >= n && resolve();
        onHold();
      }),
  };
}

const refused = (baseUrl: string): Promise<string> =>
  new Promise((resolve) => {
    const url = new URL(baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });

describe('HttpDrain', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.closeAllConnections();
  });

  async function start() {
    const served = await serve();
    servers.push(served.server);
    return served;
  }

  it('lets a running request finish, ends its connection with it, and refuses new connections', async () => {
    const { server, drain, baseUrl, held, holding } = await start();
    const connection = await RawHttpConnection.open(baseUrl);
    await connection.send({ method: 'GET', path: '/hold' });
    await holding(1);
    expect(drain.inFlight).toBe(1);

    const drained = drain.drain(60_000);
    await eventually(() => expect(server.listening).toBe(false));
    expect(await refused(baseUrl)).toBe('ECONNREFUSED');
    held[0].end('finished');

    const response = await connection.nextResponse();
    expect(response).toMatchObject({ status: 200, body: 'finished' });
    expect(response.headers.connection).toBe('close');
    await connection.closed;
    const outcome = await drained;
    expect(outcome).toMatchObject({ inFlight: 1, cutOff: 0 });
    // A generous bound: an open connection would have held the drain for the whole minute.
    expect(outcome.ms).toBeLessThan(10_000);
  });

  it('closes idle keep-alive connections at once, so they do not hold the drain', async () => {
    const { drain, baseUrl } = await start();
    const connection = await RawHttpConnection.open(baseUrl);
    await connection.send({ method: 'GET', path: '/quick' });
    expect(await connection.nextResponse()).toMatchObject({ status: 200, body: '/quick' });

    const outcome = await drain.drain(60_000);
    await connection.closed;
    expect(outcome).toMatchObject({ inFlight: 0, cutOff: 0 });
    expect(outcome.ms).toBeLessThan(10_000);
  });

  it('answers a request that arrives on an open connection during the drain, and closes that connection after it', async () => {
    const { drain, baseUrl, held, holding } = await start();
    const connection = await RawHttpConnection.open(baseUrl);
    await connection.send({ method: 'GET', path: '/hold' });
    await holding(1);
    const drained = drain.drain(60_000);
    // Pipelined behind the running request: read and answered, in order, before the close.
    await connection.send({ method: 'GET', path: '/late' });
    await eventually(() => expect(drain.inFlight).toBe(2));
    held[0].end('first');

    const first = await connection.nextResponse();
    expect(first).toMatchObject({ status: 200, body: 'first' });
    expect(first.headers.connection).not.toBe('close');
    const second = await connection.nextResponse();
    expect(second).toMatchObject({ status: 200, body: '/late' });
    expect(second.headers.connection).toBe('close');
    await connection.closed;
    expect(await drained).toMatchObject({ inFlight: 1, cutOff: 0 });
  });

  it('ends a connection whose response had begun before the drain once that response is done', async () => {
    const { server, drain, baseUrl, held, holding } = await start();
    const connection = await RawHttpConnection.open(baseUrl);
    await connection.send({ method: 'GET', path: '/started' });
    await holding(1);
    const drained = drain.drain(60_000);
    // Past the close of the listener, which closes only the connections idle at that moment.
    await eventually(() => expect(server.listening).toBe(false));
    held[0].end('ended');

    const response = await connection.nextResponse();
    expect(response).toMatchObject({ status: 200, body: 'begun ended' });
    expect(response.headers.connection).toBe('keep-alive');
    await connection.closed;
    const outcome = await drained;
    expect(outcome).toMatchObject({ inFlight: 1, cutOff: 0 });
    expect(outcome.ms).toBeLessThan(10_000);
  });

  it('cuts the connections of requests still running when the grace period ends', async () => {
    const { drain, baseUrl, holding } = await start();
    const connection = await RawHttpConnection.open(baseUrl);
    await connection.send({ method: 'GET', path: '/hold' });
    await holding(1);

    const outcome = await drain.drain(200);
    expect(outcome).toMatchObject({ inFlight: 1, cutOff: 1 });
    await connection.closed;
    await expect(connection.nextResponse()).rejects.toThrow(/closed before a complete response/);
  });

  it('returns the same drain when called twice, and drains a server that never listened', async () => {
    const server = createServer((_request, response) => response.end());
    const drain = new HttpDrain(server);
    const first = drain.drain(1_000);
    expect(drain.drain(1_000)).toBe(first);
    expect(await first).toMatchObject({ inFlight: 0, cutOff: 0 });
  });
});
