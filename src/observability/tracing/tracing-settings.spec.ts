import { tracingSettings } from './tracing-settings';

describe('tracingSettings', () => {
  it('is off without an OTLP endpoint, whatever else is set', () => {
    expect(tracingSettings({})).toEqual({ enabled: false });
    expect(tracingSettings({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toEqual({
      enabled: false,
    });
  });

  it('is on with an endpoint (either variable), named ledgerline by default', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      enabled: true,
      endpoint: 'http://collector:4318',
      serviceName: 'ledgerline',
      databaseQueries: false,
    });
    expect(
      tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }),
    ).toMatchObject({ enabled: true, endpoint: 'http://collector:4318/v1/traces' });
  });

  it('leaves the name to the environment when it gives one', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingSettings({ ...endpoint, OTEL_SERVICE_NAME: 'ledgerline-eu' }).serviceName).toBe(
      undefined,
    );
    expect(
      tracingSettings({
        ...endpoint,
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod, service.name=ll',
      }).serviceName,
    ).toBe(undefined);
    expect(
      tracingSettings({ ...endpoint, OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=bank' })
        .serviceName,
    ).toBe('ledgerline');
  });

  it('stays off when the standard switches say so', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(tracingSettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
  });

  it('traces database queries only with TRACE_DATABASE_QUERIES=on', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingSettings(endpoint).databaseQueries).toBe(false);
    expect(tracingSettings({ ...endpoint, TRACE_DATABASE_QUERIES: ' ON ' }).databaseQueries).toBe(
      true,
    );
    expect(tracingSettings({ ...endpoint, TRACE_DATABASE_QUERIES: 'yes' }).databaseQueries).toBe(
      false,
    );
  });
});
