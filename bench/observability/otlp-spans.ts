/**
 * Counts the spans of an OTLP ExportTraceServiceRequest in protobuf, by name, walking the
 * wire format directly: the benchmark's receiver needs the count and the names only, and the
 * exporter's own decoder is not public API. The path walked (opentelemetry-proto, trace/v1):
 *   ExportTraceServiceRequest.resource_spans = 1 -> ResourceSpans.scope_spans = 2
 *   -> ScopeSpans.spans = 2 -> Span.name = 5
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

function readVarint(buffer: Buffer, start: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let position = start; position < buffer.length; position++) {
    const byte = buffer[position];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: position + 1 };
    scale *= 128;
    if (scale > 2 ** 63) break;
  }
  throw new Error(`bad varint at byte ${start}`);
}

/** The bodies of every length-delimited field numbered `wanted` in one message. */
function submessages(message: Buffer, wanted: number): Buffer[] {
  const found: Buffer[] = [];
  let position = 0;
  while (position < message.length) {
    const key = readVarint(message, position);
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    position = key.next;
    if (wire === WIRE_VARINT) position = readVarint(message, position).next;
    else if (wire === WIRE_FIXED64) position += 8;
    else if (wire === WIRE_FIXED32) position += 4;
    else if (wire === WIRE_LENGTH_DELIMITED) {
      const length = readVarint(message, position);
      const end = length.next + length.value;
      if (end > message.length) throw new Error(`field ${field} runs past the message`);
      if (field === wanted) found.push(message.subarray(length.next, end));
      position = end;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  if (position !== message.length) throw new Error('message ends inside a field');
  return found;
}

export interface SpanCount {
  readonly total: number;
  readonly byName: ReadonlyMap<string, number>;
}

export function countSpans(request: Buffer): SpanCount {
  const byName = new Map<string, number>();
  let total = 0;
  for (const resourceSpans of submessages(request, 1))
    for (const scopeSpans of submessages(resourceSpans, 2))
      for (const span of submessages(scopeSpans, 2)) {
        total++;
        const name = submessages(span, 5)[0]?.toString('utf8') ?? '(unnamed)';
        byName.set(name, (byName.get(name) ?? 0) + 1);
      }
  return { total, byName };
}
