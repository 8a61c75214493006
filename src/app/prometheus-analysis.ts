// Prometheus's HTTP API as the rollout analysis source (IRIS_ROLLOUT_PROMETHEUS_URL): the client
// (GET /api/v1/query and /api/v1/query_range, one timeout per call) and the OutcomeSource that
// asks it for a colour's counters over a guard window and its per-step series over a bake. The
// PromQL and the reading of answers are the rollout context's pure part (prometheus-source.ts).
// A Prometheus that is down, slow or answers an error is a reading with its reason: NoData.
import { errorMessage } from '../core/errors.js';
import {
  AnalysisSources,
  bucketsQuery,
  countersFromAnswers,
  medianLatencyQuery,
  requestsQuery,
  stepMetrics,
  stepSeriesFromAnswers,
  type OutcomeSource,
  type Reading,
} from '../rollout/index.js';

/** Asks Prometheus one query; the parsed JSON body, or why there is none. */
type PromGet = (
  path: '/api/v1/query' | '/api/v1/query_range',
  params: Record<string, string>,
) => Promise<Reading<unknown>>;

/** A GET against Prometheus's API at `baseUrl` with a timeout; never throws. */
export function makePrometheusApi(baseUrl: string, timeoutMs: number): PromGet {
  const base = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
  return async (path, params) => {
    const url = `${base}${path}?${new URLSearchParams(params).toString()}`;
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: 'application/json' }, signal });
    } catch (err) {
      return {
        ok: false,
        reason: signal.aborted
          ? `no answer from Prometheus in ${timeoutMs} ms`
          : `Prometheus unreachable at ${new URL(base).origin} (${errorMessage(err)})`,
      };
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      return { ok: false, reason: `Prometheus answered ${res.status} without JSON` };
    }
    // NOTE: Prometheus answers 400/422/503 with a JSON error body; the parser reports its errorType and error.
    return { ok: true, value: body };
  };
}

/**
 * The analysis source reading Prometheus: guard counters from instant queries at the window's
 * end, bake series from range queries with `stepSeconds` steps (each step a non-overlapping
 * `increase`; at least about twice the scrape interval).
 */
export function makePrometheusSource(opts: { url: string; stepSeconds: number; timeoutMs?: number }): OutcomeSource {
  const get = makePrometheusApi(opts.url, opts.timeoutMs ?? 5000);
  const step = opts.stepSeconds;
  const instant = (query: string, at: Date): Promise<Reading<unknown>> =>
    get('/api/v1/query', { query, time: String(at.getTime() / 1000) });
  const ranged = (query: string, from: Date, to: Date): Promise<Reading<unknown>> =>
    get('/api/v1/query_range', {
      query,
      // The first step covers (from, from + step]: every step lies inside the bake.
      start: String(from.getTime() / 1000 + step),
      end: String(to.getTime() / 1000),
      step: `${step}s`,
    });
  return {
    name: AnalysisSources.prometheus,
    remote: true,
    async counters(_tx, key, from, to) {
      const seconds = (to.getTime() - from.getTime()) / 1000;
      const [requests, buckets] = await Promise.all([
        instant(requestsQuery(key, seconds), to),
        instant(bucketsQuery(key, seconds), to),
      ]);
      if (!requests.ok) return requests;
      // NOTE: without buckets the guard still has its error check; the latency check then has no say.
      return countersFromAnswers(requests.value, buckets.ok ? buckets.value : undefined);
    },
    async bake(_tx, pair, from, to, minSamples) {
      if (to.getTime() - from.getTime() < step * 1000)
        return { ok: false, reason: `the bake is shorter than one ${step} s step` };
      const series = async (colour: string) => {
        const key = { releaseId: pair.releaseId, ring: pair.ring, colour };
        const [requests, latency] = await Promise.all([
          ranged(requestsQuery(key, step), from, to),
          ranged(medianLatencyQuery(key, step), from, to),
        ]);
        if (!requests.ok) return requests;
        if (!latency.ok) return latency;
        return stepSeriesFromAnswers(requests.value, latency.value);
      };
      const [candidate, control] = await Promise.all([series(pair.candidate), series(pair.control)]);
      if (!candidate.ok) return { ok: false, reason: `candidate: ${candidate.reason}` };
      if (!control.ok) return { ok: false, reason: `control: ${control.reason}` };
      return stepMetrics(candidate.value, control.value, minSamples);
    },
  };
}
