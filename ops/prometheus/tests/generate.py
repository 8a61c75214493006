#!/usr/bin/env python3
"""Writes the promtool unit tests of ops/prometheus/rules from fault scenarios, and measures
each alert's detection time with promtool itself.

Each scenario runs 65 minutes of healthy traffic (so 1h windows are full), then a fault that
starts at 65m (the onset). For every alert a scenario expects, this script asks promtool at
each 15 s evaluation from the onset on whether the alert fires, takes the first time it does
(the detection time, which must be at most 5 minutes), and writes a test asserting the alert
is silent 15 s before that time and firing at it. Every scenario also asserts that all other
alerts stay silent, and a "healthy" scenario asserts silence for every alert, including for a
low-traffic tenant's single error. Run: python3 ops/prometheus/tests/generate.py
(needs promtool and PyYAML; rewrites *.test.yml and detection-times.md here).
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, '..', 'rules', 'iris.rules.yml')
STEP = 15            # seconds per sample and per evaluation
ONSET = 65 * 60      # the fault starts here
END = 75 * 60
N = END // STEP + 1  # samples per series
K = ONSET // STEP    # index of the first faulty sample
BASE = {'job': 'iris', 'instance': '127.0.0.1:8080', 'color': 'blue'}
H = 'iris_http_request_duration_seconds'
BUCKETS = ['0.1', '0.25', '0.5', '1', '2.5', '5', '+Inf']


def fmt(v):
    return str(int(v)) if float(v).is_integer() else f'{v:.6g}'


def counter(before, after, appear_at_onset=False):
    """Cumulative values: `before` per step until the onset, `after` per step from it."""
    vals, v = [], 0.0
    for i in range(N):
        v += before if i < K else after
        vals.append(None if appear_at_onset and i < K else v)
    return vals


def gauge(before, after):
    return [before if i < K else after(i - K) for i in range(N)]


def encode(vals):
    """Compact promtool notation: runs of missing values and arithmetic runs."""
    out, i = [], 0
    while i < len(vals):
        if vals[i] is None:
            j = i
            while j < len(vals) and vals[j] is None:
                j += 1
            out.append(f'_x{j - i}')
            i = j
            continue
        j = i + 1
        if j < len(vals) and vals[j] is not None:
            d = vals[j] - vals[i]
            while j + 1 < len(vals) and vals[j + 1] is not None and abs(vals[j + 1] - vals[j] - d) < 1e-9:
                j += 1
            out.append(f'{fmt(vals[i])}+{fmt(d)}x{j - i}' if d >= 0 else f'{fmt(vals[i])}-{fmt(-d)}x{j - i}')
            i = j + 1
        else:
            out.append(fmt(vals[i]))
            i += 1
    return ' '.join(out)


def series(name, labels, vals):
    lab = ','.join(f'{k}="{v}"' for k, v in {**BASE, **labels}.items())
    return {'series': f'{name}{{{lab}}}', 'values': encode(vals)}


def http(tenant, tier, ring, rps, err=(0, 0), slow=(0, 0), slow_at=2.0, route='/v1/tenants/:tenantId', error_series_early=False):
    """Histogram series of one tenant: rps (before, after) per second; err and slow: fractions
    (before, after) of requests that are 5xx or take `slow_at` seconds (the rest take 20 ms)."""
    out = []
    for cls in ['2xx', '5xx']:
        share = [(1 - err[0]), (1 - err[1])] if cls == '2xx' else [err[0], err[1]]
        if cls == '5xx' and share == [0, 0]:
            continue
        lab = {'route': route, 'method': 'GET', 'status_class': cls, 'tenant': tenant, 'tier': tier, 'ring': ring}
        per = [rps[0] * STEP * share[0], rps[1] * STEP * share[1]]
        lazy = cls == '5xx' and err[0] == 0 and not error_series_early
        for le in BUCKETS:
            frac = [1.0, 1.0] if float(le.replace('+Inf', 'inf')) >= slow_at else [1 - slow[0], 1 - slow[1]]
            out.append(series(f'{H}_bucket', {**lab, 'le': le}, counter(per[0] * frac[0], per[1] * frac[1], lazy)))
        out.append(series(f'{H}_count', lab, counter(per[0], per[1], lazy)))
    return out


def single_error_tenant():
    """A low-traffic tenant (4 requests a minute) whose one request fails at the onset."""
    lab = {'route': '/v1/tenants/:tenantId', 'method': 'GET', 'tenant': 'tiny', 'tier': 'free', 'ring': 'canary'}
    ok = counter(1, 1)
    bad = [0 if i < K else 1 for i in range(N)]
    out = []
    for le in BUCKETS:
        out.append(series(f'{H}_bucket', {**lab, 'status_class': '2xx', 'le': le}, ok))
        out.append(series(f'{H}_bucket', {**lab, 'status_class': '5xx', 'le': le}, bad))
    out.append(series(f'{H}_count', {**lab, 'status_class': '2xx'}, ok))
    out.append(series(f'{H}_count', {**lab, 'status_class': '5xx'}, bad))
    return out


ACME = ('acme', 'premium', 'general')
OTHER = ('other', 'standard', 'general')
T = {'tenant': 'acme', 'tier': 'premium', 'ring': 'general'}
INST = {'job': 'iris', 'instance': '127.0.0.1:8080'}


def healthy_http():
    return http(*ACME, rps=(10, 10), err=(0.0005, 0.0005), slow=(0.001, 0.001), error_series_early=True) + http(*OTHER, rps=(5, 5))


# name -> (series, {alert: expected labels}, description)
SCENARIOS = {
    'healthy': (healthy_http() + single_error_tenant() + [
        series('iris_jobs_queue_lag_seconds', T, gauge(3, lambda j: 3 + (j % 4))),
        series('iris_jobs_queue_depth', {**T, 'state': 'ready'}, gauge(20, lambda j: 20 + (j % 7))),
        series('iris_jobs_poisoned_total', T, [0 if i < K else 1 for i in range(N)]),
        series('iris_policy_decisions_total', {**T, 'outcome': 'allow'}, counter(300, 300)),
        series('iris_policy_decisions_total', {**T, 'outcome': 'deny'}, counter(3, 4)),
        series('iris_graphrag_cache_requests_total', {**T, 'cache': 'answers', 'result': 'hit'}, counter(600, 600)),
        series('iris_graphrag_cache_requests_total', {**T, 'cache': 'answers', 'result': 'miss'}, counter(60, 70)),
        series('iris_llm_requests_total', {'provider': 'fake', 'outcome': 'ok'}, counter(30, 30)),
        series('iris_llm_requests_total', {'provider': 'fake', 'outcome': 'error'}, counter(0, 1)),
        series('iris_llm_breaker_open', {'provider': 'fake'}, gauge(0, lambda j: 0)),
        series('iris_ledger_verifications_total', {'result': 'ok'}, counter(1, 1)),
        series('iris_ledger_verifications_total', {'result': 'failed'}, gauge(0, lambda j: 0)),
        series('up', {}, gauge(1, lambda j: 1)),
        series('iris_nodejs_eventloop_lag_p99_seconds', {}, gauge(0.012, lambda j: 0.015)),
        series('iris_db_transactions_in_flight', {}, gauge(2, lambda j: 3)),
        series('iris_db_pool_max', {}, gauge(10, lambda j: 10)),
        series('iris_backup_schedule_seconds', {}, gauge(3600, lambda j: 3600)),
        series('iris_backup_last_verified_age_seconds', {}, gauge(1800, lambda j: (1800 + STEP * j) % 3600)),
        series('iris_release_rollbacks_total', {'trigger': 'guard'}, gauge(0, lambda j: 0)),
    ], {}, 'healthy traffic, a low-traffic tenant\'s single error, one poisoned job, a few LLM errors'),
    'outage-50pct-errors': (http(*ACME, rps=(10, 10), err=(0, 0.5)) + http(*OTHER, rps=(5, 5)) + single_error_tenant(), {
        'IrisTenantErrorBudgetBurn': {**T, 'severity': 'page', 'slo': 'availability'},
        'IrisRingErrorBudgetBurn': {'ring': 'general', 'severity': 'page', 'slo': 'availability'},
        'IrisTenantHighErrorRatio': {**T, 'severity': 'page'},
    }, 'half of one tenant\'s requests fail (5xx) from the onset'),
    'small-fault-5pct-errors': (http(*ACME, rps=(10, 10), err=(0, 0.05)) + http(*OTHER, rps=(5, 5)), {
        'IrisTenantHighErrorRatio': {**T, 'severity': 'page'},
    }, '5% errors: too few for burn rate within 5 minutes; the symptom alert pages'),
    'slow-requests': (http(*ACME, rps=(10, 10), slow=(0, 0.5)) + http(*OTHER, rps=(5, 5)), {
        'IrisTenantLatencyBudgetBurn': {**T, 'severity': 'page', 'slo': 'latency'},
        'IrisRingLatencyBudgetBurn': {'ring': 'general', 'severity': 'page', 'slo': 'latency'},
        'IrisTenantLatencyP99High': {**T, 'severity': 'page'},
        'IrisTenantLatencyP95High': {**T, 'severity': 'page'},
    }, 'half of one tenant\'s requests take 2 s'),
    'stalled-worker': (healthy_http() + [
        series('iris_jobs_queue_lag_seconds', T, gauge(2, lambda j: 2 + STEP * (j + 1))),
        series('iris_jobs_queue_depth', {**T, 'state': 'ready'}, gauge(20, lambda j: 20 + 100 * (j + 1))),
    ], {
        'IrisJobQueueLagHigh': {**T, 'severity': 'page'},
        'IrisJobBacklogHigh': {**T, 'severity': 'ticket'},
    }, 'workers stop claiming: lag grows with the clock, 400 jobs a minute pile up'),
    'poison-growth': (healthy_http() + [series('iris_jobs_poisoned_total', T, [0 if i < K else (i - K + 1) for i in range(N)])], {
        'IrisJobPoisonGrowth': {**T, 'severity': 'ticket'},
    }, 'a job kind breaks: 4 jobs a minute exhaust their retries'),
    'policy-denials': (healthy_http() + [
        series('iris_policy_decisions_total', {**T, 'outcome': 'allow'}, counter(300, 150)),
        series('iris_policy_decisions_total', {**T, 'outcome': 'deny'}, counter(3, 150)),
    ], {'IrisPolicyDenialSpike': {**T, 'severity': 'page'}}, 'half of all decisions deny from the onset'),
    'cache-miss-storm': (healthy_http() + [
        series('iris_graphrag_cache_requests_total', {**T, 'cache': 'answers', 'result': 'hit'}, counter(600, 60)),
        series('iris_graphrag_cache_requests_total', {**T, 'cache': 'answers', 'result': 'miss'}, counter(60, 600)),
    ], {'IrisGraphRagCacheMissStorm': {**T, 'severity': 'ticket'}}, 'the cache is flushed: 90% misses'),
    'llm-upstream-errors': (healthy_http() + [
        series('iris_llm_requests_total', {'provider': 'fake', 'outcome': 'ok'}, counter(30, 0)),
        series('iris_llm_requests_total', {'provider': 'fake', 'outcome': 'error'}, counter(0, 30)),
        series('iris_llm_breaker_open', {'provider': 'fake'}, gauge(0, lambda j: 0 if j < 2 else 1)),
    ], {
        'IrisLlmErrorRatioHigh': {'provider': 'fake', 'severity': 'page'},
        'IrisLlmBreakerOpen': {'provider': 'fake', 'severity': 'page'},
    }, 'the upstream LLM answers 500; the breaker opens 30 s later'),
    'ledger-tampered': (healthy_http() + [
        series('iris_ledger_verifications_total', {'result': 'failed'}, gauge(0, lambda j: 1)),
    ], {'IrisLedgerVerificationFailed': {**INST, 'severity': 'page'}}, 'a verification finds an edited row'),
    'backup-stale': (healthy_http() + [
        series('iris_backup_schedule_seconds', {}, gauge(3600, lambda j: 3600)),
        series('iris_backup_last_verified_age_seconds', {}, gauge(1800, lambda j: 7200 + STEP * (j + 1))),
    ], {'IrisBackupStale': {'job': 'iris', 'severity': 'ticket'}}, 'scheduled backups stopped two intervals ago'),
    'release-rolled-back': (healthy_http() + [
        series('iris_release_rollbacks_total', {'trigger': 'guard'}, gauge(0, lambda j: 1)),
    ], {'IrisReleaseRolledBack': {'job': 'iris', 'trigger': 'guard', 'severity': 'ticket'}},
        'the fast guard rolls a release back'),
    'target-down': (healthy_http() + [series('up', {}, gauge(1, lambda j: 0))], {
        'IrisTargetDown': {**INST, 'color': 'blue', 'severity': 'page'},
    }, 'the scrape fails from the onset'),
    'event-loop-blocked': (healthy_http() + [series('iris_nodejs_eventloop_lag_p99_seconds', {}, gauge(0.012, lambda j: 0.5))], {
        'IrisEventLoopLagHigh': {**INST, 'severity': 'page'},
    }, 'CPU-bound work blocks the loop for 500 ms'),
    'db-pool-saturated': (healthy_http() + [
        series('iris_db_transactions_in_flight', {}, gauge(2, lambda j: 10)),
        series('iris_db_pool_max', {}, gauge(10, lambda j: 10)),
    ], {'IrisDbPoolSaturated': {**INST, 'severity': 'page'}}, 'every connection is busy'),
}


def load_alerts():
    with open(RULES) as f:
        rules = yaml.safe_load(f)['groups'][0]['rules']
    return {r['alert']: r for r in rules if 'alert' in r}


def annotations(rule, labels):
    def render(t):
        return re.sub(r'\{\{ \$labels\.(\w+) \}\}', lambda m: labels.get(m.group(1), ''), t)
    return {k: render(v) for k, v in rule.get('annotations', {}).items()}


def hms(sec):
    """A duration as Prometheus prints it (1h5m, 1h5m15s, 59m)."""
    h, m, s = sec // 3600, sec % 3600 // 60, sec % 60
    return ''.join(f'{v}{u}' for v, u in ((h, 'h'), (m, 'm'), (s, 's')) if v) or '0s'


def expected(rule, name, labels):
    return [{'exp_labels': labels, 'exp_annotations': annotations(rule, {**labels, 'alertname': name})}]


def run_promtool(doc):
    with tempfile.NamedTemporaryFile('w', suffix='.yml', dir=HERE, delete=False) as f:
        yaml.safe_dump(doc, f, sort_keys=False, width=400)
        path = f.name
    try:
        p = subprocess.run(['promtool', 'test', 'rules', path], capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr
    finally:
        os.unlink(path)


def detection(alerts, inputs, name, labels):
    """The first evaluation from the onset at which promtool sees `name` firing."""
    times = list(range(ONSET, ONSET + 6 * 60 + 1, STEP))
    tests = [{'eval_time': hms(t), 'alertname': name, 'exp_alerts': expected(alerts[name], name, labels)} for t in times]
    doc = {'rule_files': [os.path.relpath(RULES, HERE)], 'evaluation_interval': f'{STEP}s',
           'tests': [{'interval': f'{STEP}s', 'input_series': inputs, 'alert_rule_test': tests}]}
    _, out = run_promtool(doc)
    failed = {m for m in re.findall(r'alertname: ' + name + r', time: (\S+?),', out)}
    for t in times:
        if hms(t) not in failed:
            return t
    sys.exit(f'{name} did not fire within 6 minutes:\n{out[:3000]}')


def main():
    alerts = load_alerts()
    rows, docs = [], {}
    covered = set()
    for scen, (inputs, expect, what) in SCENARIOS.items():
        tests = []
        silent_at = [ONSET - 60] if expect else [ONSET - 60, ONSET + 60, ONSET + 150, ONSET + 300, END - 30]
        for t in silent_at:
            for name in alerts:
                if name not in expect:
                    tests.append({'eval_time': hms(t), 'alertname': name, 'exp_alerts': []})
        for name, labels in expect.items():
            d = detection(alerts, inputs, name, labels)
            assert d - ONSET <= 300, f'{name} takes {d - ONSET}s'
            covered.add(name)
            rows.append((name, scen, d - ONSET, what))
            tests.append({'eval_time': hms(d - STEP), 'alertname': name, 'exp_alerts': []})
            tests.append({'eval_time': hms(d), 'alertname': name, 'exp_alerts': expected(alerts[name], name, labels)})
            tests.append({'eval_time': hms(ONSET + 300), 'alertname': name, 'exp_alerts': expected(alerts[name], name, labels)})
            # Every other alert stays silent through the same fault.
            for other in alerts:
                if other not in expect:
                    tests.append({'eval_time': hms(d), 'alertname': other, 'exp_alerts': []})
        docs[scen] = {'rule_files': [os.path.relpath(RULES, HERE)], 'evaluation_interval': f'{STEP}s',
                      'tests': [{'name': f'{scen}: {what}', 'interval': f'{STEP}s', 'input_series': inputs, 'alert_rule_test': tests}]}
    missing = set(alerts) - covered
    if missing:
        sys.exit(f'alerts without a fault scenario: {sorted(missing)}')
    for scen, doc in docs.items():
        with open(os.path.join(HERE, f'{scen}.test.yml'), 'w') as f:
            f.write(f'# Generated by generate.py (scenario "{scen}"); the fault starts at 65m. Edit the scenario, not this file.\n')
            yaml.safe_dump(doc, f, sort_keys=False, width=400)
    with open(os.path.join(HERE, 'detection-times.md'), 'w') as f:
        f.write('# Alert detection times (promtool, 15 s samples and evaluations)\n\n')
        f.write('Time from the fault\'s onset to the first evaluation at which the alert fires, measured by\n')
        f.write('`generate.py` with promtool; the tests assert silence one evaluation earlier. In production\n')
        f.write('add up to one scrape interval for the sample and the Alertmanager group_wait.\n\n')
        f.write('| alert | scenario | detection | fault |\n| --- | --- | --- | --- |\n')
        for name, scen, d, what in sorted(rows, key=lambda r: r[0]):
            f.write(f'| {name} | {scen} | {d // 60}m{d % 60:02d}s | {what} |\n')
    for name, scen, d, _ in sorted(rows):
        print(f'{name:32} {scen:24} {d // 60}m{d % 60:02d}s')


if __name__ == '__main__':
    main()
