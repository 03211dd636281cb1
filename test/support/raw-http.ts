import { connect, Socket } from 'node:net';
import { once } from 'node:events';

/** One HTTP/1.1 response as read off the wire. */
export interface RawResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A request without a body. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * One TCP connection speaking HTTP/1.1 by hand, so a test can pipeline requests (write the
 * next before the previous is answered) and see exactly when the server closes the
 * connection, which Node's own client hides.
 */
export class RawHttpConnection {
  private buffer = Buffer.alloc(0);
  private readonly parsed: RawResponse[] = [];
  private waiting?: () => void;
  private ended = false;
  /** Resolves when the server has closed its side (or the connection broke). */
  readonly closed: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly host: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        this.waiting?.();
        resolve();
      }),
    );
  }

  static async open(baseUrl: string): Promise<RawHttpConnection> {
    const url = new URL(baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    await once(socket, 'connect');
    return new RawHttpConnection(socket, url.host);
  }

  /**
   * Writes requests (several at once: pipelined in one write, so the server reads them
   * together); resolves once they are handed to the operating system.
   */
  send(...requests: RawRequest[]): Promise<void> {
    const text = requests
      .map(({ method, path, headers = {} }) => {
        const lines = [`${method} ${path} HTTP/1.1`, `Host: ${this.host}`];
        for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
        return `${lines.join('\r\n')}\r\n\r\n`;
      })
      .join('');
    return new Promise((resolve, reject) =>
      this.socket.write(text, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** The next response in order; rejects if the connection closes before it is complete. */
  async nextResponse(): Promise<RawResponse> {
    while (this.parsed.length === 0) {
      if (this.ended) throw new Error('the connection closed before a complete response');
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
    return this.parsed.shift()!;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) break;
      const [statusLine, ...headerLines] = this.buffer
        .subarray(0, headerEnd)
        .toString()
        .split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = this.readBody(headers, headerEnd + 4);
      if (!body) break;
      this.buffer = this.buffer.subarray(body.end);
      this.parsed.push({ status: Number(statusLine.split(' ')[1]), headers, body: body.text });
      this.waiting?.();
    }
  }

  /** The body starting at `start`, if all of it has arrived. */
  private readBody(
    headers: Record<string, string>,
    start: number,
  ): { text: string; end: number } | undefined {
    if (headers['transfer-encoding'] === 'chunked') {
      const chunks: Buffer[] = [];
      let at = start;
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return undefined;
        const size = parseInt(this.buffer.subarray(at, lineEnd).toString(), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return undefined;
        if (size === 0) return { text: Buffer.concat(chunks).toString(), end: lineEnd + 4 };
        chunks.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
    }
    const length = Number(headers['content-length'] ?? '0');
    if (this.buffer.length < start + length) return undefined;
    return { text: this.buffer.subarray(start, start + length).toString(), end: start + length };
  }
}
