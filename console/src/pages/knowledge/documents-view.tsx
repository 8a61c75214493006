// A tenant's documents: the list with each one's ingest status, an upload area (drag and drop,
// or a file input for the keyboard) that shows each file's upload progress and then its ingest
// until ready or failed, and delete. Upload and delete show only when the role has knowledge.write.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, call, type ApiError, type paths } from '../../api/client';
import { can, useSession } from '../../session';
import { useAction, useLoad } from '../../ui/load';
import { ErrorNotice, Link, Loading, When } from '../../ui/parts';
import { uploadDocument } from './upload';

type DocumentList = paths['/v1/tenants/{tenantId}/documents']['get']['responses']['200']['content']['application/json'];
type Doc = DocumentList['items'][number];

const STATUS_CLASS: Readonly<Record<Doc['status'], string>> = {
  pending: 'warn',
  ingesting: 'warn',
  ready: 'ok',
  failed: 'bad',
};

export function StatusBadge(props: { status: Doc['status'] }) {
  return <span class={`badge ${STATUS_CLASS[props.status]}`}>{props.status}</span>;
}

const size = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;

const documentPath = (tenantId: string, documentId: string) => ({
  params: { path: { tenantId, documentId } },
});

export function DocumentsView(props: { tenantId: string }) {
  const { tenantId } = props;
  const session = useSession();
  const writer = can(session, 'knowledge.write');
  const [cursor, setCursor] = useState<string[]>([]);
  const after = cursor[cursor.length - 1];
  const [busy, setBusy] = useState(false);
  const [arriving, setArriving] = useState(false);
  const list = useLoad(
    () =>
      call(
        api.GET('/v1/tenants/{tenantId}/documents', {
          params: { path: { tenantId }, query: { limit: 50, ...(after ? { continue: after } : {}) } },
        }),
      ),
    [tenantId, after],
    // Documents on their way in (this page's uploads, or anyone's) are followed until they land.
    busy || arriving ? 2000 : undefined,
  );
  useEffect(() => {
    setArriving(list.data?.items.some((d) => d.status === 'pending' || d.status === 'ingesting') ?? false);
  }, [list.data]);

  return (
    <div>
      {writer && <UploadArea tenantId={tenantId} onChange={list.reload} onBusy={setBusy} />}
      <h2>Documents</h2>
      <ErrorNotice error={list.error} retry={list.reload} />
      {list.loading && list.data === undefined && <Loading what="documents" />}
      {list.data !== undefined && list.data.items.length === 0 && after === undefined && (
        <p class="muted">
          No documents yet. {writer ? 'Upload one above.' : 'Your role may read documents but not add them.'}
        </p>
      )}
      {list.data !== undefined && list.data.items.length > 0 && (
        <DocumentTable tenantId={tenantId} items={list.data.items} writer={writer} onChange={list.reload} />
      )}
      {(cursor.length > 0 || list.data?.continue !== undefined) && (
        <div class="pager">
          <button
            type="button"
            class="secondary"
            disabled={cursor.length === 0}
            onClick={() => setCursor((c) => c.slice(0, -1))}
          >
            Previous page
          </button>
          <button
            type="button"
            class="secondary"
            disabled={list.data?.continue === undefined}
            onClick={() => list.data?.continue && setCursor((c) => [...c, list.data?.continue as string])}
          >
            Next page
          </button>
        </div>
      )}
    </div>
  );
}

function DocumentTable(props: { tenantId: string; items: readonly Doc[]; writer: boolean; onChange: () => void }) {
  const [confirming, setConfirming] = useState<string | undefined>();
  const del = useAction();
  const remove = async (documentId: string) => {
    const done = await del.run(() =>
      call(api.DELETE('/v1/tenants/{tenantId}/documents/{documentId}', documentPath(props.tenantId, documentId))),
    );
    if (done !== undefined) {
      setConfirming(undefined);
      props.onChange();
    }
  };
  return (
    <>
      <ErrorNotice error={del.error} />
      <table>
        <caption class="visually-hidden">Documents of {props.tenantId}</caption>
        <thead>
          <tr>
            <th scope="col">Document</th>
            <th scope="col">Status</th>
            <th scope="col">Format</th>
            <th scope="col" class="num">
              Size
            </th>
            <th scope="col" class="num">
              Chunks
            </th>
            <th scope="col">Submitted</th>
            <th scope="col">Ingest job</th>
            {props.writer && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {props.items.map((d) => (
            <tr key={d.documentId}>
              <td>
                <div>{d.name}</div>
                {d.documentId !== d.name && <div class="muted mono">{d.documentId}</div>}
                {d.error && <div class="doc-error">{d.error}</div>}
              </td>
              <td>
                <StatusBadge status={d.status} />
              </td>
              <td>{d.format ?? <span class="muted">—</span>}</td>
              <td class="num">{size(d.sizeBytes)}</td>
              <td class="num">{d.chunks}</td>
              <td>
                <When at={d.submittedAt} />
              </td>
              <td>
                {d.jobId ? (
                  <Link to={`/jobs/${encodeURIComponent(props.tenantId)}/${encodeURIComponent(d.jobId)}`}>
                    <span class="mono">{d.jobId}</span>
                  </Link>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
              {props.writer && (
                <td>
                  {confirming === d.documentId ? (
                    <div class="row" role="group" aria-label={`Confirm deleting ${d.name}`}>
                      <button
                        type="button"
                        class="danger"
                        disabled={del.pending}
                        onClick={() => void remove(d.documentId)}
                      >
                        Delete {d.name} and its facts
                      </button>
                      <button type="button" class="secondary" onClick={() => setConfirming(undefined)}>
                        Keep
                      </button>
                    </div>
                  ) : (
                    <button
                      type="button"
                      class="secondary"
                      aria-label={`Delete ${d.name}`}
                      onClick={() => {
                        del.clear();
                        setConfirming(d.documentId);
                      }}
                    >
                      Delete
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** One file on its way in: read and sent (progress), then ingested by its job (status). */
interface Upload {
  readonly key: number;
  readonly name: string;
  readonly sent: number;
  readonly phase: 'uploading' | 'ingesting' | 'ready' | 'failed' | 'unchanged' | 'refused';
  readonly documentId?: string;
  readonly jobId?: string;
  readonly status?: Doc['status'];
  readonly chunks?: number;
  readonly message?: string;
  readonly error?: ApiError;
}

function UploadArea(props: { tenantId: string; onChange: () => void; onBusy: (busy: boolean) => void }) {
  const { tenantId } = props;
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [over, setOver] = useState(false);
  const next = useRef(0);
  const live = useRef(true);
  useEffect(
    () => () => {
      live.current = false;
    },
    [],
  );
  const busy = uploads.some((u) => u.phase === 'uploading' || u.phase === 'ingesting');
  useEffect(() => props.onBusy(busy), [busy]);

  const update = (key: number, change: Partial<Upload>) =>
    live.current && setUploads((us) => us.map((u) => (u.key === key ? { ...u, ...change } : u)));

  const follow = async (key: number, documentId: string) => {
    // The ingest job runs on a worker: read the document until it is ready or failed.
    for (let delay = 400; live.current; delay = Math.min(delay * 1.5, 3000)) {
      await new Promise((r) => setTimeout(r, delay));
      try {
        const d = await call(
          api.GET('/v1/tenants/{tenantId}/documents/{documentId}', documentPath(tenantId, documentId)),
        );
        update(key, { status: d.status, chunks: d.chunks });
        if (d.status === 'ready' || d.status === 'failed') {
          update(key, { phase: d.status, message: d.error ?? undefined });
          props.onChange();
          return;
        }
      } catch (err) {
        update(key, { phase: 'failed', error: err as ApiError });
        return;
      }
    }
  };

  const send = async (files: readonly File[]) => {
    for (const file of files) {
      const key = next.current++;
      setUploads((us) => [{ key, name: file.name, sent: 0, phase: 'uploading' as const }, ...us].slice(0, 20));
      try {
        const reply = await uploadDocument(tenantId, file, (sent) => update(key, { sent }));
        const { document, job } = reply;
        if (job === null) {
          update(key, {
            phase: 'unchanged',
            status: document.status,
            chunks: document.chunks,
            documentId: document.documentId,
          });
          continue;
        }
        update(key, { phase: 'ingesting', documentId: document.documentId, jobId: job.jobId, status: document.status });
        props.onChange();
        void follow(key, document.documentId);
      } catch (err) {
        update(key, { phase: 'refused', error: err as ApiError });
      }
    }
  };

  return (
    <section class="panel upload" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload documents</h2>
      <div
        class={over ? 'dropzone over' : 'dropzone'}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const files = [...(e.dataTransfer?.files ?? [])];
          if (files.length > 0) void send(files);
        }}
      >
        <p>Drop files here, or choose them:</p>
        <label for="knowledge-upload">Files to upload</label>
        <input
          id="knowledge-upload"
          type="file"
          multiple
          onChange={(e) => {
            const input = e.currentTarget;
            const files = [...(input.files ?? [])];
            input.value = '';
            if (files.length > 0) void send(files);
          }}
        />
        <p class="muted small">
          Markdown, HTML, text, CSV, TSV, JSON, YAML, PDF or DOCX. Each file becomes a document named after it; a file
          of the same name replaces that document.
        </p>
      </div>
      {uploads.length > 0 && (
        <ul class="uploads" aria-live="polite" aria-label="Uploads">
          {uploads.map((u) => (
            <UploadLine key={u.key} upload={u} tenantId={tenantId} />
          ))}
        </ul>
      )}
    </section>
  );
}

function UploadLine(props: { upload: Upload; tenantId: string }) {
  const u = props.upload;
  const pct = Math.round(u.sent * 100);
  return (
    <li class={`upload-line ${u.phase}`}>
      <span class="upload-name">{u.name}</span>
      {u.phase === 'uploading' && (
        <>
          <progress max={100} value={pct} aria-label={`Uploading ${u.name}`} />
          <span>{pct === 100 ? 'sent, waiting for the server…' : `${pct}% sent`}</span>
        </>
      )}
      {u.phase === 'ingesting' && (
        <span>
          Uploaded; ingesting <StatusBadge status={u.status ?? 'pending'} />
          {u.jobId && (
            <>
              {' '}
              by job{' '}
              <Link to={`/jobs/${encodeURIComponent(props.tenantId)}/${encodeURIComponent(u.jobId)}`}>
                <span class="mono">{u.jobId}</span>
              </Link>
            </>
          )}
          …
        </span>
      )}
      {u.phase === 'ready' && (
        <span>
          <StatusBadge status="ready" /> Ingested: {u.chunks} chunk{u.chunks === 1 ? '' : 's'}.
        </span>
      )}
      {u.phase === 'unchanged' && <span>Already there with the same content: nothing to ingest.</span>}
      {u.phase === 'failed' && (
        <span class="upload-error" role="alert">
          <StatusBadge status="failed" /> Ingest failed: {u.message ?? u.error?.message ?? 'no reason given.'}
        </span>
      )}
      {u.phase === 'refused' && (
        <span class="upload-error" role="alert">
          Not uploaded: {u.error?.message ?? 'the server refused it.'}
        </span>
      )}
    </li>
  );
}
