import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/** How a drain ended. */
export interface DrainOutcome {
  /** Requests running when the drain began. */
  readonly inFlight: number;
  /** Requests still running when the grace period ran out, whose connections were cut. */
  readonly cutOff: number;
  readonly ms: number;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Stops an HTTP server gracefully: no new connections, the requests already running finish
 * (for at most the grace period), and no connection outlives its last response.
 *
 * Node's `server.close()` alone stops the listener and closes the connections idle at that
 * moment, but a keep-alive connection busy with a request stays open after its response and
 * keeps taking requests until its keep-alive timeout. So while draining every response ends
 * its connection (`Connection: close`), and the client knows not to send another request on
 * it; a connection whose response had started before the drain is ended after it.
 */
export class HttpDrain {
  /** The responses each connection owes, oldest first (more than one when pipelined). */
  private readonly owed = new Map<Socket, ServerResponse[]>();
  private draining?: Promise<DrainOutcome>;

  constructor(private readonly server: Server) {
    // Before the app's own listener, which may answer at once, so every request is counted.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) =>
      this.track(request.socket, response),
    );
  }

  /** Requests received and not yet answered (or abandoned by their client). */
  get inFlight(): number {
    let count = 0;
    for (const responses of this.owed.values()) count += responses.length;
    return count;
  }

  /**
   * Stops taking connections and resolves once every connection has closed, or once `graceMs`
   * has passed, when the connections still open are cut. A second call returns the first drain.
   */
  drain(graceMs: number): Promise<DrainOutcome> {
    this.draining ??= this.run(graceMs);
    return this.draining;
  }

  private async run(graceMs: number): Promise<DrainOutcome> {
    const startedAt = Date.now();
    const inFlight = this.inFlight;
    for (const socket of this.owed.keys()) this.closeAfterLast(socket);
    // Two turns of the event loop before closing: a request that reached this process just
    // before the signal (also on a connection accepted in the same turn, read one turn later)
    // is parsed and counted as running, instead of being taken for an idle connection and reset.
    await nextTurn();
    await nextTurn();
    // Called back when the last connection has closed (at once, with an error nobody needs,
    // when the server never listened).
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => {
      timer = setTimeout(() => resolve('grace over'), graceMs);
    });
    const ended = await Promise.race([closed.then(() => 'closed' as const), graceOver]);
    clearTimeout(timer);
    let cutOff = 0;
    if (ended === 'grace over') {
      cutOff = this.inFlight;
      this.server.closeAllConnections();
      await closed;
    }
    return { inFlight, cutOff, ms: Date.now() - startedAt };
  }

  private track(socket: Socket, response: ServerResponse): void {
    let responses = this.owed.get(socket);
    if (!responses) {
      responses = [];
      this.owed.set(socket, responses);
    }
    const owed = responses;
    owed.push(response);
    // 'close' follows 'finish', and also comes when the client goes away first.
    response.once('close', () => {
      owed.splice(owed.indexOf(response), 1);
      if (owed.length === 0) this.owed.delete(socket);
      // A response whose headers went out before the drain said keep-alive: once nothing more
      // is owed on its connection, end it (after the response is flushed), or it would stay
      // open for the keep-alive timeout. A turn later, so a request pipelined behind is seen.
      if (this.draining && owed.length === 0)
        setImmediate(() => this.owed.has(socket) || socket.end());
    });
    if (this.draining) this.closeAfterLast(socket);
  }

  /**
   * The connection ends with its last owed response. Earlier pipelined responses must keep it
   * open, or the requests queued behind them would be dropped unanswered. A request pipelined
   * after that last response has gone out is dropped all the same, as HTTP/1.1 allows; a
   * client that pipelines must be ready to send it again.
   */
  private closeAfterLast(socket: Socket): void {
    const responses = this.owed.get(socket) ?? [];
    responses.forEach((response, index) => {
      if (response.headersSent) return;
      if (index === responses.length - 1) response.setHeader('Connection', 'close');
      else response.removeHeader('Connection');
    });
  }
}
