// The releases, newest first: name@version, colour, phase, step and when; each links to its
// status. The selected one is marked for screen readers as the current page.
import { Link, When } from '../../ui/parts';
import { Colour } from './colour-parts';
import type { Phase, Release } from './release-api';

const PHASE_BADGE: Record<Phase, string> = {
  planned: '',
  progressing: 'live',
  analysing: 'live',
  paused: 'warn',
  promoted: 'ok',
  aborted: 'bad',
  rolled_back: 'bad',
};

export function PhaseBadge(props: { phase: Phase }) {
  return <span class={`badge ${PHASE_BADGE[props.phase]}`}>{props.phase.replace('_', ' ')}</span>;
}

/** Where a release is: ring, step of steps, weight. */
export function stepText(r: Release): string {
  if (r.position === null) return '—';
  const ring = r.spec.plan.rings[r.position.ringIndex];
  return `${ring?.ring ?? '?'} step ${r.position.stepIndex + 1}/${ring?.steps.length ?? 0} at ${r.position.weight}%`;
}

export function ReleaseList(props: { releases: readonly Release[]; selected: string | undefined }) {
  return (
    <table class="release-list">
      <caption class="sr-only">Releases, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Release</th>
          <th scope="col">Colour</th>
          <th scope="col">Phase</th>
          <th scope="col">Step</th>
          <th scope="col">Created</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {props.releases.map((r) => {
          const current = r.id === props.selected;
          return (
            <tr key={r.id} class={current ? 'selected' : undefined}>
              <td>
                <Link to={`/releases/${encodeURIComponent(r.id)}`} current={current}>
                  <span class="mono">{r.id}</span>
                </Link>
              </td>
              <td>
                <Colour name={r.colour} />
              </td>
              <td>
                <PhaseBadge phase={r.phase} />
              </td>
              <td>{stepText(r)}</td>
              <td>
                <When at={r.createdAt} />
              </td>
              <td>
                <When at={r.updatedAt} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
