// Configuration: OTLP export settings, and clear errors for bad values.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

describe('configuration: OTLP trace export', () => {
  test('the base endpoint gets /v1/traces; the traces endpoint is taken as is; protobuf by default', () => {
    const base = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    assert.equal(base.otlpTracesEndpoint, 'http://collector:4318/v1/traces');
    assert.equal(base.otlpProtocol, 'http/protobuf');
    const specific = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/traces',
    });
    assert.equal(specific.otlpTracesEndpoint, 'https://b/traces');
    assert.equal(loadConfig({}).otlpTracesEndpoint, undefined);
  });

  test('the protocol: the traces variable wins; JSON is allowed; gRPC and bad URLs are refused with a clear error', () => {
    assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).otlpProtocol, 'http/json');
    assert.equal(
      loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' })
        .otlpProtocol,
      'http/protobuf',
    );
    assert.throws(
      () => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
      (e: Error) => e instanceof ConfigError && /http\/protobuf or http\/json/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }),
      (e: Error) => e instanceof ConfigError && /http\(s\) URL/.test(e.message),
    );
  });

  test('traces: at most 100 new ones a second by default; 0 lifts the limit; bad values are refused', () => {
    assert.equal(loadConfig({}).traceMaxPerSecond, 100);
    assert.equal(loadConfig({ IRIS_TRACE_MAX_PER_SECOND: '0' }).traceMaxPerSecond, 0);
    assert.throws(() => loadConfig({ IRIS_TRACE_MAX_PER_SECOND: '-1' }), ConfigError);
    assert.throws(() => loadConfig({ IRIS_TRACE_MAX_PER_SECOND: 'many' }), ConfigError);
  });
});
