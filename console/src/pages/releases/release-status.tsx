// One release as it moves: phase and step, the split of each ring in promotion order with the
// tenants on the candidate, the bake's time left, the last fast guard per ring, the last bake's
// verdicts with their numbers, the shadow figures, and the history. `iris release status
// --watch` in a page; the parent refreshes it every 2 s.
import { When } from '../../ui/parts';
import { Colour, SplitBar } from './colour-parts';
import { LIVE_PHASES, type GuardCheck, type ReleaseStatus, type Verdict } from './release-api';
import { PhaseBadge, stepText } from './release-list';

const num = (n: number | null | undefined, digits = 3): string =>
  n === null || n === undefined ? '—' : Number.isInteger(n) ? String(n) : n.toFixed(digits);
const pct = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : `${(n * 100).toFixed(n === 0 || n === 1 ? 0 : 1)}%`;

const VERDICT_BADGE: Record<Verdict, string> = { Pass: 'ok', High: 'bad', Low: 'bad', NoData: 'warn' };

export function ReleaseStatusView(props: { status: ReleaseStatus }) {
  const { release: r, plan } = props.status;
  const live = LIVE_PHASES.includes(r.phase);
  return (
    <>
      <dl class="facts release-facts">
        <dt>Phase</dt>
        <dd>
          <PhaseBadge phase={r.phase} />
          {r.reason && <span> {r.reason}</span>}
        </dd>
        <dt>Colours</dt>
        <dd>
          <Colour name={r.colour} suffix=" (candidate)" /> against{' '}
          {r.control === null ? 'the control (fixed when it starts)' : <Colour name={r.control} suffix=" (control)" />}
        </dd>
        <dt>Step</dt>
        <dd>{stepText(r)}</dd>
        <dt>Bake left</dt>
        <dd>
          {r.bakeSecondsLeft === null
            ? r.phase === 'paused'
              ? 'stopped while paused'
              : '—'
            : `${r.bakeSecondsLeft} s (until ${new Date(r.bakeUntil ?? '').toLocaleTimeString()})`}
        </dd>
        <dt>Guard</dt>
        <dd>
          every {r.spec.plan.guardIntervalSeconds} s; {r.spec.plan.minSamples} samples per colour to judge a bake
        </dd>
        <dt>Created</dt>
        <dd>
          <When at={r.createdAt} /> by <span class="mono">{r.createdBy}</span>
        </dd>
        <dt>Updated</dt>
        <dd>
          <When at={r.updatedAt} />
        </dd>
        {r.spec.description && (
          <>
            <dt>Description</dt>
            <dd>{r.spec.description}</dd>
          </>
        )}
      </dl>
      {plan.conflicts.map((c) => (
        <p class="notice error" key={c.ring}>
          Ring {c.ring} is also claimed by {c.releaseIds.filter((id) => id !== r.id).join(', ')}: only one live release
          may hold a ring.
        </p>
      ))}

      <h3>Rings, in promotion order</h3>
      <table class="ring-split">
        <caption class="sr-only">The candidate's weight in each ring of the plan</caption>
        <thead>
          <tr>
            <th scope="col">Ring</th>
            <th scope="col">Split</th>
            <th scope="col" class="num">
              Tenants on candidate
            </th>
            <th scope="col">Steps (weight / bake)</th>
            <th scope="col">Last fast guard</th>
          </tr>
        </thead>
        <tbody>
          {plan.rings.map((p, ringIndex) => {
            const here = r.position?.ringIndex === ringIndex && live;
            const guard = r.lastGuard?.rings[p.ring];
            return (
              <tr key={p.ring} class={here ? 'current' : undefined}>
                <th scope="row">
                  {p.ring}
                  {here && <span class="badge live">current</span>}
                </th>
                <td class="split-cell">
                  <SplitBar ring={p.ring} weight={p.weight} candidate={r.colour} control={r.control} />
                  <span class="split-figures">
                    {p.weight}% {r.colour} · {100 - p.weight}% {r.control ?? 'control'}
                  </span>
                </td>
                <td class="num">
                  {p.onCandidate} of {p.tenants}
                </td>
                <td>
                  <ol class="steps">
                    {p.steps.map((s, stepIndex) => {
                      const now = here && r.position?.stepIndex === stepIndex;
                      return (
                        <li key={stepIndex} class={now ? 'now' : undefined} aria-current={now ? 'step' : undefined}>
                          {s.weight}% / {s.bakeSeconds} s
                          {now && r.bakeSecondsLeft !== null && (
                            <span class="muted"> · {r.bakeSecondsLeft} s left</span>
                          )}
                        </li>
                      );
                    })}
                  </ol>
                </td>
                <td>
                  {guard === undefined ? (
                    <span class="muted">—</span>
                  ) : (
                    <>
                      <span class={`badge ${guard.action === 'abort' ? 'bad' : 'ok'}`}>{guard.action}</span>{' '}
                      {guard.reason}
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>

      {r.lastGuard !== null && Object.keys(r.lastGuard.rings).length > 0 && (
        <GuardChecks at={r.lastGuard.at} rings={r.lastGuard.rings} />
      )}
      <Verdicts status={props.status} />
      <Shadow status={props.status} />
    </>
  );
}

function GuardChecks(props: { at: string; rings: Readonly<Record<string, { checks: readonly GuardCheck[] }>> }) {
  return (
    <>
      <h3>
        Last fast guard, <When at={props.at} />
      </h3>
      <table>
        <caption class="sr-only">Each check of the last fast guard, per ring</caption>
        <thead>
          <tr>
            <th scope="col">Ring</th>
            <th scope="col">Check</th>
            <th scope="col">Outcome</th>
            <th scope="col" class="num">
              Candidate
            </th>
            <th scope="col" class="num">
              Control
            </th>
            <th scope="col" class="num">
              z
            </th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(props.rings).flatMap(([ring, d]) =>
            d.checks.map((c) => (
              <tr key={`${ring}/${c.check}`}>
                <td>{ring}</td>
                <td>{c.check === 'error_ratio' ? 'error ratio' : 'slow share'}</td>
                <td>
                  <span class={`badge ${c.outcome === 'regression' ? 'bad' : c.outcome === 'ok' ? 'ok' : 'warn'}`}>
                    {c.outcome}
                  </span>
                </td>
                <td class="num">{pct(c.candidate)}</td>
                <td class="num">{pct(c.control)}</td>
                <td class="num">{num(c.z, 2)}</td>
                <td>{c.reason}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </>
  );
}

function Verdicts(props: { status: ReleaseStatus }) {
  const a = props.status.release.lastAnalysis;
  if (a === null) {
    return (
      <>
        <h3>Last bake analysis</h3>
        <p class="muted">No bake has ended yet: each bake ends with a Mann-Whitney verdict per metric.</p>
      </>
    );
  }
  const ring = props.status.release.spec.plan.rings[a.step.ringIndex]?.ring ?? '?';
  return (
    <>
      <h3>
        Last bake analysis: {ring} step {a.step.stepIndex + 1},{' '}
        {a.event === 'analysis_passed' ? 'passed' : a.event === 'analysis_failed' ? 'failed' : 'no data'}
      </h3>
      {a.reason && <p>{a.reason}</p>}
      <table>
        <caption class="sr-only">Verdict per metric of the last bake</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Verdict</th>
            <th scope="col" class="num">
              Samples (candidate / control)
            </th>
            <th scope="col" class="num">
              p
            </th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {a.verdicts.map((v) => (
            <tr key={v.explanation.metric}>
              <td class="mono">{v.explanation.metric}</td>
              <td>
                <span class={`badge ${VERDICT_BADGE[v.verdict]}`}>{v.verdict}</span>
              </td>
              <td class="num">
                {v.explanation.samples.candidate} / {v.explanation.samples.control}
              </td>
              <td class="num">{v.explanation.p === null ? '—' : v.explanation.p.toPrecision(3)}</td>
              <td>{v.explanation.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Shadow(props: { status: ReleaseStatus }) {
  const { shadow, policyShadow } = props.status.release;
  const rings = shadow?.rings ?? [];
  if (rings.length === 0 && policyShadow === null) return null;
  return (
    <>
      <h3>Shadow (this replica)</h3>
      {shadow !== null && rings.length > 0 && (
        <>
          <p class="muted">
            {shadow.selected} control queries re-run with the candidate's configuration; {shadow.dropped} dropped (
            {pct(shadow.coverage)} covered).
          </p>
          <table>
            <caption class="sr-only">Shadow GraphRAG agreement per ring</caption>
            <thead>
              <tr>
                <th scope="col">Ring</th>
                <th scope="col" class="num">
                  Samples
                </th>
                <th scope="col" class="num">
                  Errors
                </th>
                <th scope="col" class="num">
                  Citation overlap
                </th>
                <th scope="col" class="num">
                  Answer similarity
                </th>
                <th scope="col" class="num">
                  Latency delta p50 / p95
                </th>
              </tr>
            </thead>
            <tbody>
              {rings.map((s) => (
                <tr key={s.ring}>
                  <td>{s.ring}</td>
                  <td class="num">{s.samples}</td>
                  <td class="num">{s.errors}</td>
                  <td class="num">{num(s.meanOverlap)}</td>
                  <td class="num">{num(s.meanSimilarity)}</td>
                  <td class="num">
                    {s.latencyDeltaMs === null
                      ? '—'
                      : `${num(s.latencyDeltaMs.p50, 1)} / ${num(s.latencyDeltaMs.p95, 1)} ms`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {policyShadow !== null && (
        <p>
          Policy bundle in shadow: {policyShadow.decisions} decisions, {policyShadow.disagreements} disagreements (the
          candidate would deny {policyShadow.candidateDenies} the active bundle allows, allow{' '}
          {policyShadow.candidateAllows} it denies).
        </p>
      )}
    </>
  );
}
