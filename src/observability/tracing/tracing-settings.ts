/** How traces are exported, read from the standard OpenTelemetry variables. */
export interface TracingSettings {
  /** False: no SDK is loaded or started, and every span the app asks for is a no-op. */
  readonly enabled: boolean;
  /** Where spans go (for the start-up line only: the exporter reads the variables itself). */
  readonly endpoint?: string;
  /**
   * `service.name` to set, or undefined when the environment names the service
   * (`OTEL_SERVICE_NAME`, or `service.name` in `OTEL_RESOURCE_ATTRIBUTES`): the SDK's
   * environment detector then applies it with the precedence the specification gives.
   */
  readonly serviceName?: string;
  /**
   * A span per database query inside a traced request or job (the pg instrumentation):
   * `TRACE_DATABASE_QUERIES=on`. Off by default: they cost a deposit about 8 % of its CPU,
   * more than the rest of tracing together.
   */
  readonly databaseQueries?: boolean;
}

export const DEFAULT_SERVICE_NAME = 'ledgerline';

const set = (value: string | undefined): value is string =>
  value !== undefined && value.trim() !== '';

/**
 * Tracing is on when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`, or the
 * traces-only `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and not switched off with
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. Off by default: nothing to send to.
 */
export function tracingSettings(env: NodeJS.ProcessEnv): TracingSettings {
  const endpoint = set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
    ? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    : env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const disabled =
    env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' ||
    env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none';
  if (!set(endpoint) || disabled) return { enabled: false };
  const named =
    set(env.OTEL_SERVICE_NAME) ||
    (env.OTEL_RESOURCE_ATTRIBUTES ?? '')
      .split(',')
      .some((pair) => pair.split('=')[0].trim() === 'service.name');
  return {
    enabled: true,
    endpoint: endpoint.trim(),
    serviceName: named ? undefined : DEFAULT_SERVICE_NAME,
    databaseQueries: env.TRACE_DATABASE_QUERIES?.trim().toLowerCase() === 'on',
  };
}
