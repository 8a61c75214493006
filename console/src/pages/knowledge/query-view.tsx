// The query playground: a question, a mode (every mode the query API offers), whether an LLM may
// write the answer, how many chunks to cite. The answer shows its citation numbers as links;
// each citation shows its chunk's text (read through the chunk API) with the quoted units
// marked, and the sources are listed by document.
import { useState } from 'preact/hooks';
import { api, call, type paths } from '../../api/client';
import { useAction, useLoad } from '../../ui/load';
import { ErrorNotice, Loading } from '../../ui/parts';
import { markPieces, quotesByCitation, spanOf } from './citation-marks';

type QueryBody = NonNullable<
  paths['/v1/tenants/{tenantId}/query']['post']['requestBody']
>['content']['application/json'];
type Answer = paths['/v1/tenants/{tenantId}/query']['post']['responses']['200']['content']['application/json'];
type Citation = Answer['citations'][number];
type Mode = NonNullable<QueryBody['mode']>;

const MODES: readonly { mode: Mode; label: string; hint: string }[] = [
  { mode: 'hybrid', label: 'Hybrid', hint: 'chunks and the graph fused, with a second hop (the default)' },
  { mode: 'local', label: 'Local', hint: 'the entities named and their neighbourhood' },
  { mode: 'global', label: 'Global', hint: 'community reports' },
  { mode: 'naive', label: 'Naive', hint: 'chunks only' },
];

export function QueryView(props: { tenantId: string }) {
  const { tenantId } = props;
  const [question, setQuestion] = useState('');
  const [mode, setMode] = useState<Mode>('hybrid');
  const [llm, setLlm] = useState(true);
  const [limit, setLimit] = useState(5);
  const [answer, setAnswer] = useState<Answer | undefined>();
  const ask = useAction();
  const hint = MODES.find((m) => m.mode === mode)?.hint;

  return (
    <div>
      <form
        class="panel query-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (question.trim() === '') return;
          void ask
            .run(() =>
              call(
                api.POST('/v1/tenants/{tenantId}/query', {
                  params: { path: { tenantId } },
                  body: { question, mode, limit, llm: llm ? 'auto' : 'off' },
                }),
              ),
            )
            .then((a) => a !== undefined && setAnswer(a));
        }}
      >
        <div class="field">
          <label for="kq-question">Question</label>
          <textarea
            id="kq-question"
            rows={3}
            maxLength={2000}
            required
            value={question}
            onInput={(e) => setQuestion(e.currentTarget.value)}
            onKeyDown={(e) => {
              // Ctrl+Enter (or Cmd+Enter) asks, as in most playgrounds.
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) e.currentTarget.form?.requestSubmit();
            }}
          />
        </div>
        <div class="row query-options">
          <div class="field">
            <label for="kq-mode">Mode</label>
            <select
              id="kq-mode"
              aria-describedby="kq-mode-hint"
              value={mode}
              onChange={(e) => setMode(e.currentTarget.value as Mode)}
            >
              {MODES.map((m) => (
                <option key={m.mode} value={m.mode}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="kq-limit">Chunks to cite</label>
            <input
              id="kq-limit"
              type="number"
              min={1}
              max={20}
              value={limit}
              onInput={(e) => setLimit(Math.min(20, Math.max(1, Number(e.currentTarget.value) || 5)))}
            />
          </div>
          <div class="checkbox">
            <input id="kq-llm" type="checkbox" checked={llm} onChange={(e) => setLlm(e.currentTarget.checked)} />
            <label for="kq-llm">Let an LLM write the answer (when the tenant has one)</label>
          </div>
          <button type="submit" disabled={ask.pending || question.trim() === ''}>
            {ask.pending ? 'Asking…' : 'Ask'}
          </button>
        </div>
        <p id="kq-mode-hint" class="muted small">
          {hint}. Ctrl+Enter asks.
        </p>
      </form>
      <ErrorNotice error={ask.error} />
      {answer !== undefined && <AnswerView tenantId={tenantId} answer={answer} />}
    </div>
  );
}

function AnswerView(props: { tenantId: string; answer: Answer }) {
  const a = props.answer;
  const quotes = a.llmUsed ? new Map<number, string[]>() : quotesByCitation(a.answer);
  const sources = [...new Map(a.citations.map((c) => [c.documentId, c.documentName])).entries()];
  return (
    <section class="answer" aria-labelledby="answer-title">
      <h2 id="answer-title">Answer</h2>
      <div class="row">
        <span class="badge">mode {a.mode}</span>
        <span class={a.llmUsed ? 'badge ok' : 'badge'}>{a.llmUsed ? `LLM: ${a.provider ?? 'yes'}` : 'extractive'}</span>
        <span class="badge">cache {a.cache}</span>
        <span class="badge">graph version {a.graphVersion}</span>
      </div>
      {a.notices.map((n) => (
        <p key={n} class="notice">
          {n}
        </p>
      ))}
      <div class="panel answer-text">
        <AnswerText text={a.answer} citations={a.citations.length} />
      </div>
      {sources.length > 0 && (
        <>
          <h3>Sources</h3>
          <ul class="sources">
            {sources.map(([id, name]) => (
              <li key={id}>
                {name}
                {id !== name && <span class="muted mono"> ({id})</span>}:{' '}
                {a.citations
                  .map((c, i) => (c.documentId === id ? `[${i + 1}]` : undefined))
                  .filter(Boolean)
                  .join(' ')}
              </li>
            ))}
          </ul>
          <h3>Citations</h3>
          <ol class="citations">
            {a.citations.map((c, i) => (
              <CitationView
                key={`${c.documentId}#${c.chunkIndex}`}
                tenantId={props.tenantId}
                n={i + 1}
                citation={c}
                quotes={quotes.get(i + 1) ?? []}
                paraphrased={a.llmUsed}
              />
            ))}
          </ol>
        </>
      )}
      {(a.entities.length > 0 || a.relations.length > 0) && (
        <details>
          <summary>
            Graph used: {a.entities.length} entities, {a.relations.length} relations
          </summary>
          <ul>
            {a.entities.map((e) => (
              <li key={`${e.type}:${e.name}`}>
                {e.name} <span class="muted">({e.type})</span>
              </li>
            ))}
          </ul>
          <ul>
            {a.relations.map((r) => (
              <li key={`${r.source}|${r.type}|${r.target}`}>
                {r.source} <span class="muted">{r.type.replace(/_/g, ' ')}</span> {r.target}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

/** The answer's lines, each `[n]` a link to its citation below. */
function AnswerText(props: { text: string; citations: number }) {
  return (
    <>
      {props.text.split('\n').map((line, i) => (
        <p key={i}>
          {line.split(/(\[\d+\])/).map((part, j) => {
            const n = /^\[(\d+)\]$/.exec(part)?.[1];
            return n !== undefined && Number(n) >= 1 && Number(n) <= props.citations ? (
              <a key={j} href={`#citation-${n}`} class="cite-ref" aria-label={`citation ${n}`}>
                [{n}]
              </a>
            ) : (
              part
            );
          })}
        </p>
      ))}
    </>
  );
}

function CitationView(props: {
  tenantId: string;
  n: number;
  citation: Citation;
  quotes: readonly string[];
  paraphrased: boolean;
}) {
  const c = props.citation;
  const chunk = useLoad(
    () =>
      call(
        api.GET('/v1/tenants/{tenantId}/documents/{documentId}/chunks/{chunkIndex}', {
          params: { path: { tenantId: props.tenantId, documentId: c.documentId, chunkIndex: c.chunkIndex } },
        }),
      ),
    [props.tenantId, c.documentId, c.chunkIndex],
  );
  const text = chunk.data?.text;
  const spans = text === undefined ? [] : props.quotes.map((q) => spanOf(text, q)).filter((s) => s !== undefined);
  return (
    <li id={`citation-${props.n}`} class="citation" tabIndex={-1}>
      <div class="citation-head">
        <strong>[{props.n}]</strong> {c.documentName}, chunk {c.chunkIndex}{' '}
        <span class="muted">
          (characters {c.start}–{c.end})
        </span>
      </div>
      <ErrorNotice error={chunk.error} retry={chunk.reload} />
      {chunk.loading && text === undefined && <Loading what="the chunk" />}
      {text !== undefined && (
        <blockquote class="chunk" aria-label={`Chunk ${c.chunkIndex} of ${c.documentName}`}>
          {markPieces(text, spans).map((p, i) => (p.marked ? <mark key={i}>{p.text}</mark> : p.text))}
        </blockquote>
      )}
      {text !== undefined && spans.length === 0 && (
        <p class="muted small">
          {props.paraphrased
            ? 'The LLM answer rests on this chunk in its own words; no span is quoted.'
            : 'The answer draws on this chunk through the graph; it quotes no span of it.'}
        </p>
      )}
    </li>
  );
}
