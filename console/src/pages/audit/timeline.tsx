// The ledger as a timeline, newest first. Agent and run are filtered by the API over the whole
// log; actor and action are filtered here, over the events loaded (the API has no such filter),
// and the page says which events those are.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import { ErrorNotice, Link, Loading, When } from '../../ui/parts';
import { eventPage, logHead, proofOf, type EventItem } from './log-download';
import { verifyProofBundle } from './log-verify';
import { verificationKey } from './verify-panel';

const PAGE = 200;

interface Loaded {
  readonly items: EventItem[];
  readonly size: number;
  /** Unfiltered: the first seq loaded, when older events remain. */
  readonly older?: number;
  /** Filtered by the API: where the next page starts, when the last was full. */
  readonly more?: number;
}

interface ServerFilter {
  readonly agent: string;
  readonly run: string;
}

async function firstPage(log: string, f: ServerFilter): Promise<Loaded> {
  if (f.agent !== '' || f.run !== '') {
    const page = await eventPage(log, 0, PAGE, f);
    const last = page.items.at(-1);
    return {
      items: page.items,
      size: page.size,
      ...(page.items.length === PAGE && last ? { more: last.seq + 1 } : {}),
    };
  }
  const { size } = await logHead(log);
  const from = Math.max(0, size - PAGE);
  const page = await eventPage(log, from, PAGE);
  return { items: page.items, size, ...(from > 0 ? { older: from } : {}) };
}

async function nextPage(log: string, f: ServerFilter, loaded: Loaded): Promise<Loaded> {
  if (loaded.more !== undefined) {
    const page = await eventPage(log, loaded.more, PAGE, f);
    const last = page.items.at(-1);
    return {
      items: [...loaded.items, ...page.items],
      size: page.size,
      ...(page.items.length === PAGE && last ? { more: last.seq + 1 } : {}),
    };
  }
  const to = loaded.older ?? 0;
  const from = Math.max(0, to - PAGE);
  const page = await eventPage(log, from, to - from);
  return { items: [...page.items, ...loaded.items], size: loaded.size, ...(from > 0 ? { older: from } : {}) };
}

const asError = (err: unknown): ApiError =>
  err instanceof ApiError ? err : new ApiError(0, err instanceof Error ? err.message : String(err));

function matches(item: EventItem, actor: string, action: string): boolean {
  const e = item.event;
  const who = [e.actor?.keyId, e.actor?.role, e.actor?.tenantId, e.actor?.agent?.name].join(' ').toLowerCase();
  return (
    (actor === '' || who.includes(actor.toLowerCase())) &&
    (action === '' || String(e.action).toLowerCase().includes(action.toLowerCase()))
  );
}

/** Saves a proof bundle as a file, through a blob: URL. */
function saveFile(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function Timeline(props: { log: string }) {
  const { log } = props;
  const [draft, setDraft] = useState<ServerFilter>({ agent: '', run: '' });
  const [server, setServer] = useState<ServerFilter>({ agent: '', run: '' });
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);
  const [proofStatus, setProofStatus] = useState<{ ok: boolean; text: string } | undefined>();

  useEffect(() => {
    let current = true;
    setLoaded(undefined);
    setError(undefined);
    setBusy(true);
    firstPage(log, server).then(
      (l) => current && (setLoaded(l), setBusy(false)),
      (err: unknown) => current && (setError(asError(err)), setBusy(false)),
    );
    return () => {
      current = false;
    };
  }, [log, server, tick]);

  const loadNext = () => {
    if (loaded === undefined) return;
    setBusy(true);
    nextPage(log, server, loaded).then(
      (l) => (setLoaded(l), setBusy(false)),
      (err: unknown) => (setError(asError(err)), setBusy(false)),
    );
  };

  const downloadProof = async (seq: number) => {
    setProofStatus({ ok: true, text: `Getting the proof of event ${seq}…` });
    try {
      const bundle = await proofOf(log, seq);
      const { key, source } = await verificationKey();
      const check = await verifyProofBundle(bundle, key);
      const name = `iris-audit-${log}-${seq}.proof.json`;
      saveFile(name, `${JSON.stringify(bundle, null, 2)}\n`);
      const against = source === 'pinned' ? 'your pinned key' : 'the key fetched from this server (not independent)';
      setProofStatus(
        check.ok
          ? {
              ok: true,
              text: `Saved ${name}: event ${seq} is in the signed log of size ${bundle.treeSize}, checked here against ${against}. Verify offline with: iris audit verify-proof ${name} --vkey <key>`,
            }
          : { ok: false, text: `Saved ${name}, but it does NOT verify against ${against}: ${check.reason}` },
      );
    } catch (err) {
      setProofStatus({ ok: false, text: asError(err).message });
    }
  };

  const items = (loaded?.items ?? []).filter((i) => matches(i, actor, action)).sort((a, b) => b.seq - a.seq);
  const first = loaded?.items[0]?.seq;
  const last = loaded?.items.at(-1)?.seq;
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Events</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setServer({ agent: draft.agent.trim(), run: draft.run.trim() });
        }}
      >
        <div class="field">
          <label for="f-agent">Agent</label>
          <input
            id="f-agent"
            value={draft.agent}
            onInput={(e) => setDraft({ ...draft, agent: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="f-run">Agent run</label>
          <input id="f-run" value={draft.run} onInput={(e) => setDraft({ ...draft, run: e.currentTarget.value })} />
        </div>
        <button type="submit" class="secondary">
          Search the log
        </button>
        <div class="field">
          <label for="f-actor">Actor</label>
          <input
            id="f-actor"
            placeholder="key id, role or agent"
            value={actor}
            onInput={(e) => setActor(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="f-action">Action</label>
          <input
            id="f-action"
            placeholder="e.g. job."
            value={action}
            onInput={(e) => setAction(e.currentTarget.value)}
          />
        </div>
      </form>
      <p class="muted">
        Agent and run are searched by the server over the whole log. Actor and action filter the events loaded below
        {loaded && first !== undefined && last !== undefined ? ` (seq ${first} to ${last} of ${loaded.size})` : ''};
        load more to filter further.
      </p>
      <ErrorNotice error={error} retry={() => setTick((t) => t + 1)} />
      {proofStatus && (
        <p class={`notice ${proofStatus.ok ? 'ok' : 'error'}`} role="status">
          {proofStatus.text}
        </p>
      )}
      {busy && loaded === undefined && <Loading what="events" />}
      {loaded && items.length === 0 && (
        <p class="notice">
          {loaded.items.length === 0
            ? `No events in the log of ${log}${server.agent || server.run ? ' for this agent or run' : ''}.`
            : 'No loaded event matches the filters.'}
        </p>
      )}
      <ol class="timeline">
        {items.map((i) => (
          <EventEntry key={i.seq} item={i} log={log} onProof={() => void downloadProof(i.seq)} />
        ))}
      </ol>
      {(loaded?.older !== undefined || loaded?.more !== undefined) && (
        <div class="pager">
          <button type="button" class="secondary" onClick={loadNext} disabled={busy}>
            {loaded.older !== undefined ? 'Load older events' : 'Load more events'}
          </button>
        </div>
      )}
    </section>
  );
}

function EventEntry(props: { item: EventItem; log: string; onProof: () => void }) {
  const { event: e, seq } = props.item;
  const agent = e.actor?.agent;
  return (
    <li class="event">
      <div class="event-head">
        <span class="seq mono">#{seq}</span>
        <When at={e.time} />
        <span class="badge action">{e.action}</span>
        <span>
          {e.resource?.kind}/<span class="mono">{e.resource?.id}</span>
        </span>
      </div>
      <div class="event-meta muted">
        by {e.actor?.role} <span class="mono">{e.actor?.keyId}</span>
        {agent && (
          <>
            {' '}
            (agent {agent.name ?? '-'}
            {agent.run ? `, run ${agent.run}` : ''})
          </>
        )}{' '}
        · request{' '}
        <Link
          to={`/policy/${encodeURIComponent(e.actor?.tenantId ?? props.log)}?request=${encodeURIComponent(e.requestId)}`}
        >
          <span class="mono">{e.requestId}</span>
        </Link>
        {e.traceId && (
          <>
            {' '}
            · trace <span class="mono">{e.traceId}</span>
          </>
        )}
      </div>
      <details>
        <summary>Event #{seq} in full</summary>
        <pre>{JSON.stringify(e, null, 2)}</pre>
        <button type="button" class="secondary" onClick={props.onProof}>
          Download inclusion proof of event {seq}
        </button>
      </details>
    </li>
  );
}
