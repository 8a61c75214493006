// Runbooks: /runbooks lists every alert with its severity and summary; /runbooks/:alert (also
// /runbooks/:alert.md, so an alert's runbook_url can point here: see runbooks/README) shows
// the alert rule and its runbook, rendered without any raw HTML.
import { ErrorNotice, Link, Loading, PageHeader } from '../ui/parts';
import { useLoad } from '../ui/load';
import { Markdown } from './runbooks/markdown';
import './ops-shared.css';
import './runbooks/runbooks.css';

const load = () => import('./runbooks/catalogue').then((m) => m.catalogue());

export function RunbooksPage(props: Record<string, string>) {
  const books = useLoad(load, []);
  const name = props.alert?.replace(/\.md$/, '');
  if (books.error) return <ErrorNotice error={books.error} retry={books.reload} />;
  if (books.data === undefined) return <Loading what="runbooks" />;
  if (name === undefined)
    return (
      <section>
        <PageHeader title="Runbooks" />
        <p class="muted">
          Every alert of ops/prometheus/rules and the runbook its runbook_url names, as built into this console.
        </p>
        <table>
          <caption class="sr-only">Alerts and their runbooks</caption>
          <thead>
            <tr>
              <th scope="col">Alert</th>
              <th scope="col">Severity</th>
              <th scope="col">Summary</th>
            </tr>
          </thead>
          <tbody>
            {books.data.flatMap((b) =>
              (b.rules.length > 0 ? b.rules : [undefined]).map((r) => (
                <tr key={`${b.name}-${r?.alert ?? ''}`}>
                  <td>
                    <Link to={`/runbooks/${encodeURIComponent(b.name)}`}>{r?.alert ?? b.name}</Link>
                  </td>
                  <td>
                    {r ? (
                      <span class={`badge ${r.severity === 'page' ? 'bad' : 'warn'}`}>{r.severity}</span>
                    ) : (
                      'no rule'
                    )}
                  </td>
                  <td>{r?.summary ?? ''}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </section>
    );
  const book = books.data.find((b) => b.name === name);
  if (book === undefined)
    return (
      <section>
        <PageHeader title="Runbook not found" />
        <p class="notice error" role="alert">
          No runbook is named {name}. <Link to="/runbooks">See every runbook</Link>.
        </p>
      </section>
    );
  // The runbook's own title line repeats the alert name the page heading already shows.
  const body = book.markdown.replace(/^#\s+.*\n/, '');
  return (
    <section class="runbook">
      <PageHeader title={book.name}>
        <Link to="/runbooks">All runbooks</Link>
      </PageHeader>
      {book.rules.map((r) => (
        <aside key={r.alert} class="panel" aria-label={`Alert rule ${r.alert}`}>
          <h2>Alert rule</h2>
          <dl class="facts">
            <dt>Alert</dt>
            <dd class="mono">{r.alert}</dd>
            <dt>Severity</dt>
            <dd>
              <span class={`badge ${r.severity === 'page' ? 'bad' : 'warn'}`}>{r.severity}</span>
            </dd>
            <dt>Summary</dt>
            <dd>{r.summary}</dd>
            <dt>Description</dt>
            <dd>{r.description}</dd>
            {r.for && (
              <>
                <dt>For</dt>
                <dd class="mono">{r.for}</dd>
              </>
            )}
            <dt>Runbook URL</dt>
            <dd class="mono">{r.runbookUrl}</dd>
          </dl>
          <details>
            <summary>Expression</summary>
            <pre>{r.expr}</pre>
          </details>
        </aside>
      ))}
      <Markdown text={body} />
    </section>
  );
}
