// SeriesHistogram renders exactly what prom-client's Histogram renders for the same
// observations (OpenMetrics, default labels, exemplars), and drops and revives series.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Histogram, Registry, type OpenMetricsContentType } from 'prom-client';
import { SeriesHistogram } from './series-histogram.js';

const BUCKETS = [0.005, 0.01, 0.05, 0.1, 1];

function registries(): { ours: Registry<OpenMetricsContentType>; theirs: Registry<OpenMetricsContentType> } {
  const make = (): Registry<OpenMetricsContentType> => {
    const r = new Registry<OpenMetricsContentType>();
    r.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    r.setDefaultLabels({ color: 'blue' });
    return r;
  };
  return { ours: make(), theirs: make() };
}

/** The text without exemplar timestamps (they are wall-clock). */
const stable = (text: string): string => text.replace(/( # \{[^}]*\} \S+) \S+$/gm, '$1');

describe('SeriesHistogram', () => {
  test('renders the same OpenMetrics text as prom-client, exemplars included', async () => {
    const { ours, theirs } = registries();
    const mine = new SeriesHistogram({
      name: 'h_seconds',
      help: 'Latency "quoted" \\ help.',
      labelNames: ['route', 'tenant'],
      buckets: BUCKETS,
      exemplars: true,
      registers: [ours],
    });
    const ref = new Histogram({
      name: 'h_seconds',
      help: 'Latency "quoted" \\ help.',
      labelNames: ['route', 'tenant'] as const,
      buckets: BUCKETS,
      enableExemplars: true,
      registers: [theirs],
    });
    const observations: [string, string, number, string | undefined][] = [
      ['/v1/a', 'acme', 0.003, 'a'.repeat(32)],
      ['/v1/a', 'acme', 0.005, undefined],
      ['/v1/a', 'acme', 0.07, 'b'.repeat(32)],
      ['/v1/a', 'acme', 3, 'c'.repeat(32)],
      ['/v1/b "x"', 'tier:free', 0.02, undefined],
      ['/v1/a', 'acme', 0.004, 'd'.repeat(32)],
    ];
    for (const [route, tenant, value, traceId] of observations) {
      mine.observe(mine.series({ route, tenant }), value, traceId);
      ref.observe({
        labels: { route, tenant },
        value,
        exemplarLabels: traceId === undefined ? {} : ({ trace_id: traceId } as never),
      });
    }
    const a = await ours.metrics();
    const b = await theirs.metrics();
    assert.equal(stable(a), stable(b));
    assert.match(
      a,
      /le="0.005",[^}]*route="\/v1\/a"[^}]*\} 3 # \{trace_id="d{32}"\} 0.004 \d/,
      'the newest exemplar of a bucket wins',
    );
    assert.match(
      a,
      /le="\+Inf",[^}]*route="\/v1\/a"[^}]*\} 5 # \{trace_id="c{32}"\} 3 \d/,
      'values above every bound land in +Inf',
    );
    assert.deepEqual(
      (await mine.get()).values.find((v) => v.metricName === 'h_seconds_count' && v.labels.route === '/v1/a')?.value,
      (await ref.get()).values.find((v) => v.metricName === 'h_seconds_count' && v.labels.route === '/v1/a')?.value,
    );
  });

  test('a removed series leaves the output; observing through its old handle starts it again from zero', async () => {
    const { ours } = registries();
    const h = new SeriesHistogram({
      name: 'h',
      help: 'h',
      labelNames: ['tenant'],
      buckets: BUCKETS,
      registers: [ours],
    });
    const acme = h.series({ tenant: 'acme' });
    h.observe(acme, 0.5);
    h.observe(acme, 0.5);
    h.remove({ tenant: 'acme' });
    assert.doesNotMatch(await ours.metrics(), /tenant="acme"/);
    h.observe(acme, 0.5);
    assert.match(await ours.metrics(), /h_count\{color="blue",tenant="acme"\} 1$/m);
    // A new handle after a removal and the old one count into the same series.
    h.remove({ tenant: 'acme' });
    const fresh = h.series({ tenant: 'acme' });
    h.observe(fresh, 0.5);
    h.observe(acme, 0.5);
    assert.match(await ours.metrics(), /h_count\{color="blue",tenant="acme"\} 2$/m);
  });

  test('rejects missing labels and unordered buckets; ignores non-finite values', async () => {
    const { ours } = registries();
    const h = new SeriesHistogram({
      name: 'h',
      help: 'h',
      labelNames: ['tenant', 'route'],
      buckets: BUCKETS,
      registers: [ours],
    });
    assert.throws(() => h.series({ tenant: 'acme' } as never), /label 'route' is missing/);
    assert.throws(() => new SeriesHistogram({ name: 'x', help: 'x', labelNames: [], buckets: [1, 0.5] }), /ascending/);
    const s = h.series({ tenant: 'acme', route: '/' });
    h.observe(s, Number.NaN);
    h.observe(s, 0.01);
    assert.match(await ours.metrics(), /h_sum\{color="blue",tenant="acme",route="\/"\} 0.01$/m);
  });
});
