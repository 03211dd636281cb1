import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import {
  activeTraceparent,
  contextOfTraceparent,
  formatTraceparent,
  parseTraceparent,
  withTraceparent,
} from './traceparent';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

describe('traceparent', () => {
  it('formats and parses the W3C header, round trip', () => {
    const header = formatTraceparent({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
    });
    expect(header).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(parseTraceparent(header)).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-00`)?.traceFlags).toBe(TraceFlags.NONE);
  });

  it('has no header for an invalid context, and parses no malformed one', () => {
    expect(
      formatTraceparent(
        trace
          .wrapSpanContext({ traceId: '0'.repeat(32), spanId: SPAN_ID, traceFlags: 1 })
          .spanContext(),
      ),
    ).toBeUndefined();
    for (const bad of [
      undefined,
      '',
      `01-${TRACE_ID}-${SPAN_ID}-01`,
      `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`,
      `00-${'0'.repeat(32)}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `00-${TRACE_ID}-${SPAN_ID}-01-extra`,
    ])
      expect(parseTraceparent(bad)).toBeUndefined();
  });

  it('without an SDK: no active trace context, and a stored one is only carried along', () => {
    expect(activeTraceparent()).toBeUndefined();
    expect(contextOfTraceparent(undefined)).toBe(ROOT_CONTEXT);
    const stored = `00-${TRACE_ID}-${SPAN_ID}-01`;
    expect(trace.getSpanContext(contextOfTraceparent(stored))?.spanId).toBe(SPAN_ID);
    expect(withTraceparent(stored, () => 42)).toBe(42);
  });
});
