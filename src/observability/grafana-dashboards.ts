// Grafana dashboards as data: overview, tenant, rings and colours, executor, GraphRAG and
// policy. ops/grafana/dashboards/*.json are these objects, written by the dashboards test
// (IRIS_UPDATE_DASHBOARDS=1) and checked against them on every run, so the JSON never
// drifts from the metric catalogue. Every panel links to the runbook of its alert.
import { MetricNames as M } from './metric-catalogue.js';

/** Datasource uids the provisioning file (ops/grafana/provisioning/datasources) creates. */
export const DATASOURCE_UIDS = { prometheus: 'iris-prometheus', loki: 'iris-loki', tempo: 'iris-tempo' } as const;

export interface Dashboard {
  readonly file: string;
  readonly json: Record<string, unknown>;
}

interface PanelSpec {
  readonly title: string;
  readonly exprs: readonly (readonly [expr: string, legend: string])[];
  /** Alerts whose runbooks the panel links to. */
  readonly runbooks: readonly string[];
  readonly unit?: string;
  /** Show exemplars (trace ids) from histogram queries. */
  readonly exemplars?: boolean;
  readonly kind?: 'timeseries' | 'logs' | 'stat';
  readonly description?: string;
}

const PROM = { type: 'prometheus', uid: DATASOURCE_UIDS.prometheus } as const;
const LOKI = { type: 'loki', uid: DATASOURCE_UIDS.loki } as const;
const H = M.httpDuration;
const V1 = 'route=~"/v1/.*"';
const SEL = `tenant=~"$tenant"`;

function panel(spec: PanelSpec, id: number): Record<string, unknown> {
  const kind = spec.kind ?? 'timeseries';
  const links = [
    ...spec.runbooks.map((a) => ({ title: `Runbook: ${a}`, url: `\${runbook_base}/${a}.md`, targetBlank: true })),
    {
      title: 'Logs of this tenant (Loki)',
      url: `/explore?left=${encodeURIComponent(JSON.stringify({ datasource: DATASOURCE_UIDS.loki, queries: [{ refId: 'A', expr: '{app="iris"} | json | tenant_id=~"$tenant"' }] }))}`,
    },
  ];
  const base = {
    id,
    type: kind,
    title: spec.title,
    description: spec.description ?? '',
    gridPos: {
      h: 8,
      w: kind === 'logs' ? 24 : 12,
      x: kind === 'logs' ? 0 : ((id - 1) % 2) * 12,
      y: Math.floor((id - 1) / 2) * 8,
    },
    links,
  };
  if (kind === 'logs') {
    return {
      ...base,
      datasource: LOKI,
      targets: spec.exprs.map(([expr], i) => ({ refId: String.fromCharCode(65 + i), datasource: LOKI, expr })),
      options: { showTime: true, wrapLogMessage: true },
    };
  }
  return {
    ...base,
    datasource: PROM,
    fieldConfig: { defaults: { unit: spec.unit ?? 'short' }, overrides: [] },
    targets: spec.exprs.map(([expr, legend], i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: PROM,
      expr,
      legendFormat: legend,
      exemplar: spec.exemplars === true,
    })),
  };
}

function dashboard(
  uid: string,
  title: string,
  panels: readonly PanelSpec[],
  extraVars: readonly Record<string, unknown>[] = [],
): Dashboard {
  return {
    file: `${uid}.json`,
    json: {
      uid,
      title,
      tags: ['iris'],
      timezone: 'utc',
      schemaVersion: 39,
      version: 1,
      refresh: '30s',
      time: { from: 'now-3h', to: 'now' },
      links: [{ title: 'Iris dashboards', type: 'dashboards', tags: ['iris'], asDropdown: true }],
      templating: {
        list: [
          {
            name: 'tenant',
            label: 'Tenant',
            type: 'query',
            datasource: PROM,
            query: { query: `label_values(${H}_count, tenant)`, refId: 'tenant' },
            definition: `label_values(${H}_count, tenant)`,
            includeAll: true,
            multi: true,
            allValue: '.*',
            current: { text: 'All', value: '$__all' },
            refresh: 2,
          },
          ...extraVars,
          {
            name: 'runbook_base',
            label: 'Runbooks',
            type: 'constant',
            query: 'https://git.example.com/iris/blob/main/ops/runbooks',
            hide: 2,
          },
        ],
      },
      panels: panels.map((p, i) => panel(p, i + 1)),
    },
  };
}

const RING_VAR = {
  name: 'ring',
  label: 'Ring',
  type: 'query',
  datasource: PROM,
  query: { query: `label_values(${H}_count, ring)`, refId: 'ring' },
  definition: `label_values(${H}_count, ring)`,
  includeAll: true,
  multi: true,
  allValue: '.*',
  current: { text: 'All', value: '$__all' },
  refresh: 2,
};

const latency = (q: string, by: string, sel: string): string =>
  `histogram_quantile(${q}, sum by (${by}le) (rate(${H}_bucket{${V1},${sel}}[5m])))`;

/** Every Iris dashboard. */
export function dashboards(): Dashboard[] {
  return [
    dashboard('iris-overview', 'Iris / Overview', [
      {
        title: 'Requests per second by status class',
        exprs: [[`sum by (status_class) (rate(${H}_count{${SEL}}[5m]))`, '{{status_class}}']],
        runbooks: ['IrisTenantHighErrorRatio'],
        unit: 'reqps',
      },
      {
        title: 'Success ratio by tenant (SLO 99.9%)',
        exprs: [[`tenant:iris_http_success_ratio:rate5m{${SEL}}`, '{{tenant}} ({{tier}})']],
        runbooks: ['IrisTenantErrorBudgetBurn', 'IrisTenantHighErrorRatio'],
        unit: 'percentunit',
      },
      {
        title: 'Latency p50 / p99 (exemplars link to traces)',
        exprs: [
          [latency('0.5', '', SEL), 'p50'],
          [latency('0.99', '', SEL), 'p99'],
        ],
        runbooks: ['IrisTenantLatencyP99High', 'IrisTenantLatencyBudgetBurn'],
        unit: 's',
        exemplars: true,
      },
      {
        title: 'Error budget burn rate (1h) by tenant',
        exprs: [[`tenant:iris_http_error_ratio:rate1h{${SEL}} / 0.001`, '{{tenant}}']],
        runbooks: ['IrisTenantErrorBudgetBurn'],
        description: '1 = spending the budget exactly over 30 days; 14.4 pages.',
      },
      {
        title: 'Event-loop lag p99',
        exprs: [[`max by (instance) (${M.eventLoopLagP99})`, '{{instance}}']],
        runbooks: ['IrisEventLoopLagHigh'],
        unit: 's',
      },
      {
        title: 'Database pool use',
        exprs: [[`sum by (instance) (${M.dbInFlight}) / sum by (instance) (${M.dbPoolMax})`, '{{instance}}']],
        runbooks: ['IrisDbPoolSaturated'],
        unit: 'percentunit',
      },
      {
        title: 'Targets up',
        exprs: [['up{job=~"iris.*"}', '{{instance}}']],
        runbooks: ['IrisTargetDown'],
        kind: 'stat',
      },
      {
        title: 'Ledger verifications',
        exprs: [[`sum by (result) (increase(${M.ledgerVerifications}[1h]))`, '{{result}}']],
        runbooks: ['IrisLedgerVerificationFailed'],
      },
    ]),
    dashboard('iris-tenant', 'Iris / Tenant', [
      {
        title: 'Requests by route',
        exprs: [[`sum by (route) (rate(${H}_count{${V1},${SEL}}[5m]))`, '{{route}}']],
        runbooks: ['IrisTenantHighErrorRatio'],
        unit: 'reqps',
      },
      {
        title: '5xx ratio (5m, 1h)',
        exprs: [
          [`tenant:iris_http_error_ratio:rate5m{${SEL}}`, '5m {{tenant}}'],
          [`tenant:iris_http_error_ratio:rate1h{${SEL}}`, '1h {{tenant}}'],
        ],
        runbooks: ['IrisTenantHighErrorRatio', 'IrisTenantErrorBudgetBurn'],
        unit: 'percentunit',
      },
      {
        title: 'Latency p95 / p99 by route (exemplars)',
        exprs: [
          [latency('0.95', 'route, ', SEL), 'p95 {{route}}'],
          [latency('0.99', 'route, ', SEL), 'p99 {{route}}'],
        ],
        runbooks: ['IrisTenantLatencyP95High', 'IrisTenantLatencyP99High'],
        unit: 's',
        exemplars: true,
      },
      {
        title: 'Requests slower than 500 ms',
        exprs: [[`tenant:iris_http_slow_ratio:rate5m{${SEL}}`, '{{tenant}}']],
        runbooks: ['IrisTenantLatencyBudgetBurn'],
        unit: 'percentunit',
      },
      {
        title: 'Rate-limit rejections',
        exprs: [[`sum by (limit) (rate(${M.rateLimitRejections}{${SEL}}[5m]))`, '{{limit}}']],
        runbooks: ['IrisTenantHighErrorRatio'],
        unit: 'reqps',
      },
      {
        title: 'Queue lag',
        exprs: [[`max(${M.jobsQueueLag}{${SEL}})`, 'oldest ready job']],
        runbooks: ['IrisJobQueueLagHigh'],
        unit: 's',
      },
      {
        title: 'Request logs (click request_id for all its lines)',
        exprs: [['{app="iris"} | json | tenant_id=~"$tenant"', '']],
        runbooks: ['IrisTenantHighErrorRatio'],
        kind: 'logs',
      },
    ]),
    dashboard(
      'iris-rings',
      'Iris / Rings and colours',
      [
        {
          title: '5xx ratio by ring and colour',
          exprs: [
            [
              `sum by (ring, color) (rate(${H}_count{${V1},status_class="5xx",ring=~"$ring"}[5m])) / sum by (ring, color) (rate(${H}_count{${V1},ring=~"$ring"}[5m]))`,
              '{{ring}} / {{color}}',
            ],
          ],
          runbooks: ['IrisRingErrorBudgetBurn'],
          unit: 'percentunit',
        },
        {
          title: 'p99 by ring and colour (exemplars)',
          exprs: [
            [
              `histogram_quantile(0.99, sum by (ring, color, le) (rate(${H}_bucket{${V1},ring=~"$ring"}[5m])))`,
              '{{ring}} / {{color}}',
            ],
          ],
          runbooks: ['IrisRingLatencyBudgetBurn'],
          unit: 's',
          exemplars: true,
        },
        {
          title: 'Error budget burn (1h) by ring',
          exprs: [[`ring:iris_http_error_ratio:rate1h{ring=~"$ring"} / 0.001`, '{{ring}}']],
          runbooks: ['IrisRingErrorBudgetBurn'],
        },
        {
          title: 'Latency budget burn (1h) by ring',
          exprs: [[`ring:iris_http_slow_ratio:rate1h{ring=~"$ring"} / 0.001`, '{{ring}}']],
          runbooks: ['IrisRingLatencyBudgetBurn'],
        },
      ],
      [RING_VAR],
    ),
    dashboard('iris-executor', 'Iris / Executor', [
      {
        title: 'Queue depth by state',
        exprs: [[`sum by (state) (${M.jobsQueueDepth}{${SEL}})`, '{{state}}']],
        runbooks: ['IrisJobBacklogHigh'],
      },
      {
        title: 'Queue lag by tenant',
        exprs: [[`max by (tenant) (${M.jobsQueueLag}{${SEL}})`, '{{tenant}}']],
        runbooks: ['IrisJobQueueLagHigh'],
        unit: 's',
      },
      {
        title: 'Jobs finished by outcome',
        exprs: [[`sum by (outcome) (rate(${M.jobsFinished}{${SEL}}[5m]))`, '{{outcome}}']],
        runbooks: ['IrisJobPoisonGrowth'],
        unit: 'ops',
      },
      {
        title: 'Poisoned jobs (10m)',
        exprs: [[`sum by (tenant) (increase(${M.jobsPoisoned}{${SEL}}[10m]))`, '{{tenant}}']],
        runbooks: ['IrisJobPoisonGrowth'],
      },
      {
        title: 'Worker utilisation',
        exprs: [[`avg by (worker) (${M.workerUtilization})`, '{{worker}}']],
        runbooks: ['IrisJobQueueLagHigh'],
        unit: 'percentunit',
      },
    ]),
    dashboard('iris-graphrag', 'Iris / GraphRAG', [
      {
        title: 'Cache hit ratio',
        exprs: [
          [
            `sum by (tenant) (rate(${M.cacheRequests}{result="hit",${SEL}}[5m])) / sum by (tenant) (rate(${M.cacheRequests}{${SEL}}[5m]))`,
            '{{tenant}}',
          ],
        ],
        runbooks: ['IrisGraphRagCacheMissStorm'],
        unit: 'percentunit',
      },
      {
        title: 'LLM calls by provider and outcome',
        exprs: [[`sum by (provider, outcome) (rate(${M.llmRequests}[5m]))`, '{{provider}} {{outcome}}']],
        runbooks: ['IrisLlmErrorRatioHigh'],
        unit: 'reqps',
      },
      {
        title: 'LLM latency p95 (exemplars)',
        exprs: [
          [`histogram_quantile(0.95, sum by (provider, le) (rate(${M.llmDuration}_bucket[5m])))`, '{{provider}}'],
        ],
        runbooks: ['IrisLlmErrorRatioHigh'],
        unit: 's',
        exemplars: true,
      },
      {
        title: 'LLM tokens per second',
        exprs: [[`sum by (provider, direction) (rate(${M.llmTokens}[5m]))`, '{{provider}} {{direction}}']],
        runbooks: ['IrisGraphRagCacheMissStorm'],
      },
      {
        title: 'Breaker open',
        exprs: [[`max by (provider) (${M.llmBreakerOpen})`, '{{provider}}']],
        runbooks: ['IrisLlmBreakerOpen'],
        kind: 'stat',
      },
    ]),
    dashboard('iris-policy', 'Iris / Policy', [
      {
        title: 'Decisions by outcome',
        exprs: [[`sum by (outcome) (rate(${M.policyDecisions}{${SEL}}[5m]))`, '{{outcome}}']],
        runbooks: ['IrisPolicyDenialSpike'],
        unit: 'ops',
      },
      {
        title: 'Deny ratio by tenant',
        exprs: [
          [
            `sum by (tenant) (rate(${M.policyDecisions}{outcome="deny",${SEL}}[5m])) / sum by (tenant) (rate(${M.policyDecisions}{${SEL}}[5m]))`,
            '{{tenant}}',
          ],
        ],
        runbooks: ['IrisPolicyDenialSpike'],
        unit: 'percentunit',
      },
      {
        title: 'Evaluation errors (fail closed)',
        exprs: [[`sum by (tenant) (rate(${M.policyDecisions}{outcome="error",${SEL}}[5m]))`, '{{tenant}}']],
        runbooks: ['IrisPolicyDenialSpike'],
        unit: 'ops',
      },
      {
        title: 'Rate-limit rejections by limit',
        exprs: [[`sum by (limit) (rate(${M.rateLimitRejections}{${SEL}}[5m]))`, '{{limit}}']],
        runbooks: ['IrisPolicyDenialSpike'],
        unit: 'reqps',
      },
    ]),
  ];
}
