// A release's history as a timeline, oldest first: each transition with its event, the phases
// it moved between, who did it (an operator's key, or iris:guard / iris:analysis / iris:driver)
// and why.
import { When } from '../../ui/parts';
import type { HistoryEntry } from './release-api';

export function ReleaseHistory(props: { items: readonly HistoryEntry[] }) {
  if (props.items.length === 0) return <p class="muted">Nothing has happened to this release yet.</p>;
  return (
    <ol class="timeline">
      {props.items.map((e) => (
        <li key={e.seq}>
          <div class="timeline-head">
            <When at={e.at} /> <strong>{e.event.replaceAll('_', ' ')}</strong>{' '}
            <span class="muted">
              {e.from === e.to ? e.to : `${e.from} → ${e.to}`} · by <span class="mono">{e.actor}</span>
            </span>
          </div>
          {e.reason && <div class="timeline-reason">{e.reason}</div>}
        </li>
      ))}
    </ol>
  );
}
