// Releases over rings, live: /releases lists the releases and shows the live one (else the
// newest), /releases/:releaseId one release; both refresh every 2 s, so a release is seen moving
// over the rings (weights, bake, guard, verdicts, history) as `iris release status --watch`
// shows it. Actions for a role that may operate releases. Releases are platform objects: any
// other role is told it needs platform-admin, and still sees the rings of its tenants.
import { useEffect, useState } from 'preact/hooks';
import { can, useSession } from '../session';
import { useLoad } from '../ui/load';
import { ErrorNotice, Link, Loading, PageHeader } from '../ui/parts';
import { LIVE_PHASES, releasesList, releaseStatus, type Phase } from './releases/release-api';
import { ReleaseActions } from './releases/release-actions';
import { ReleaseHistory } from './releases/release-history';
import { ReleaseList } from './releases/release-list';
import { ReleaseStatusView } from './releases/release-status';
import { RolloutRings, TenantRings } from './releases/rings-overview';
import { Colour } from './releases/colour-parts';
import './ops-shared.css';
import './releases/releases.css';

const REFRESH_MS = 2000;
const SETTLED_REFRESH_MS = 10_000;
const FINISHED: readonly Phase[] = ['promoted', 'aborted', 'rolled_back'];

export function ReleasesPage(props: Record<string, string>) {
  const session = useSession();
  if (session.scope !== 'platform' || !can(session, 'release.read'))
    return (
      <section>
        <PageHeader title="Releases" />
        <div class="notice warn-note" role="status">
          Releases need platform-admin: they are platform objects (rings, colours, weights over every tenant), and your
          role ({session.role}) may not read them. Ask a platform administrator, or sign in with a platform-admin key.
        </div>
        <TenantRings session={session} />
      </section>
    );
  return <Releases selected={props.releaseId} />;
}

function Releases(props: { selected: string | undefined }) {
  const list = useLoad(releasesList, [], REFRESH_MS);
  const releases = list.data;
  // With no release named, the live one (else the newest) is shown.
  const shown = props.selected ?? (releases?.find((r) => LIVE_PHASES.includes(r.phase)) ?? releases?.[0])?.id;
  return (
    <section>
      <PageHeader title="Releases">
        <span class="muted">Updating every 2 s</span>
      </PageHeader>
      <ErrorNotice error={list.error} retry={list.reload} />
      {releases === undefined && list.loading && <Loading what="releases" />}
      {releases?.length === 0 && (
        <p class="notice">
          No releases yet. Create one from a release document: <code>iris release create -f release.yaml</code>
        </p>
      )}
      {releases !== undefined && releases.length > 0 && <ReleaseList releases={releases} selected={shown} />}
      {shown !== undefined && <ReleasePanel key={shown} releaseId={shown} onChange={list.reload} />}
      <RolloutRings releases={releases} />
    </section>
  );
}

function ReleasePanel(props: { releaseId: string; onChange: () => void }) {
  const { releaseId, onChange } = props;
  const [every, setEvery] = useState(REFRESH_MS);
  const status = useLoad(() => releaseStatus(releaseId), [releaseId], every);
  const s = status.data;
  // A finished release changes only by a rollback after promotion: it is read less often.
  const settled = s !== undefined && FINISHED.includes(s.release.phase);
  useEffect(() => setEvery(settled ? SETTLED_REFRESH_MS : REFRESH_MS), [settled]);
  return (
    <section class="panel release-panel" aria-labelledby="release-title">
      <h2 id="release-title">
        Release <span class="mono">{releaseId}</span> {s && <Colour name={s.release.colour} />}
      </h2>
      {s && (
        <ReleaseActions
          release={s.release}
          onDone={() => {
            status.reload();
            onChange();
          }}
        />
      )}
      <ErrorNotice error={status.error} retry={status.reload} />
      {s === undefined && status.loading && <Loading what={`release ${releaseId}`} />}
      {s === undefined && status.error?.status === 404 && <Link to="/releases">All releases</Link>}
      {s && (
        <>
          <ReleaseStatusView status={s} />
          <h3>History</h3>
          <ReleaseHistory items={s.history} />
        </>
      )}
    </section>
  );
}
