/**
 * The receiving end of the app's telemetry in the observability-cost benchmark, run as a
 * process of its own (spawned with an IPC channel) so that reading and counting what the app
 * sends takes no time from autocannon's event loop in the benchmark, and never holds the app
 * up:
 *   - stdin is the app's stdout: its JSON log lines, counted and discarded as they arrive, so
 *     the pipe never fills and the app's synchronous writes never wait;
 *   - an OTLP/http receiver on 127.0.0.1 (POST /v1/traces, protobuf, gzip understood) counts
 *     the export requests and the spans in them, by span name, and answers each with 200 and
 *     an empty ExportTraceServiceResponse, as a collector that took everything does.
 * Sends `{ type: 'listening', port }` once the receiver listens, then answers each message
 * 'counts' with the totals so far (SinkCounts). Exits when the IPC channel closes.
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { countSpans } from './otlp-spans';

/** What the sink has received so far; every field only grows. */
export interface SinkCounts {
  readonly type: 'counts';
  /** Lines on stdin (the app's log lines). */
  readonly logLines: number;
  /** Of those, the access lines of deposits (their route field). */
  readonly depositAccessLines: number;
  /** Lines of level error or fatal: none is expected. */
  readonly errorLines: number;
  /** The first deposit access line, to show what one looks like. */
  readonly sampleAccessLine?: string;
  /** The first error or fatal line. */
  readonly firstErrorLine?: string;
  /** OTLP export requests received, and those whose body could not be decoded. */
  readonly exports: number;
  readonly malformedExports: number;
  /** Bytes of the export bodies as sent (compressed, if they were). */
  readonly exportBytes: number;
  readonly spans: number;
  readonly spansByName: Readonly<Record<string, number>>;
}

export interface SinkListening {
  readonly type: 'listening';
  readonly port: number;
}

const DEPOSIT_ACCESS = '"route":"/accounts/:id/deposits"';
const ERROR_LEVEL = /"level":"(?:error|fatal)"/;

let logLines = 0;
let depositAccessLines = 0;
let errorLines = 0;
let sampleAccessLine: string | undefined;
let firstErrorLine: string | undefined;
let partial = '';

function readLine(line: string): void {
  logLines++;
  if (line.includes(DEPOSIT_ACCESS)) {
    depositAccessLines++;
    sampleAccessLine ??= line;
  }
  if (ERROR_LEVEL.test(line)) {
    errorLines++;
    firstErrorLine ??= line;
  }
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  const lines = (partial + chunk).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) readLine(line);
});
// The benchmark holds the pipe's write end too, so this comes only if it closes it.
process.stdin.on('end', () => {
  if (partial) readLine(partial);
  partial = '';
});

let exportRequests = 0;
let malformedExports = 0;
let exportBytes = 0;
let spans = 0;
const spansByName = new Map<string, number>();

function receive(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    exportRequests++;
    exportBytes += body.length;
    try {
      const decoded = request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      const counted = countSpans(decoded);
      spans += counted.total;
      for (const [name, count] of counted.byName)
        spansByName.set(name, (spansByName.get(name) ?? 0) + count);
    } catch {
      malformedExports++;
    }
    // An empty protobuf message is a valid ExportTraceServiceResponse: everything accepted.
    response.writeHead(request.method === 'POST' ? 200 : 405, {
      'content-type': 'application/x-protobuf',
      'content-length': '0',
    });
    response.end();
  });
}

const server = createServer(receive);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  const listening: SinkListening = { type: 'listening', port: address.port };
  process.send?.(listening);
});

process.on('message', (message: unknown) => {
  if (message !== 'counts') return;
  const counts: SinkCounts = {
    type: 'counts',
    logLines,
    depositAccessLines,
    errorLines,
    sampleAccessLine,
    firstErrorLine,
    exports: exportRequests,
    malformedExports,
    exportBytes,
    spans,
    spansByName: Object.fromEntries(spansByName),
  };
  process.send?.(counts);
});
process.on('disconnect', () => process.exit(0));
