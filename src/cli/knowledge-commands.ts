// `iris ingest`, `iris documents list|get|delete`, `iris query` and `iris graph
// entities|relations|communities|export|build`: a tenant's knowledge graph from the command line.
import type { Command } from 'commander';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { DEFAULT_QUERY_MODE, INGESTIBLE_EXTENSIONS, QUERY_MODES } from '../knowledge/constants.js';
import type { DocumentSummary } from '../knowledge/index.js';
import type { ApiClient } from './api-client.js';
import { TERMINAL_JOB_STATES } from '../jobs/constants.js';
import type { CliEnvironment } from './cli-config.js';
import { ApiProblemError, UsageError } from './cli-errors.js';
import { commandContext } from './command-context.js';
import { progressBar } from './job-commands.js';
import { renderFields, renderTable, shortTime, type Output } from './output.js';
import { wholeNumber } from './option-parsers.js';

type DocumentView = DocumentSummary;
interface JobView {
  readonly jobId: string;
  readonly state: string;
  readonly progress: { readonly percent: number | null; readonly message: string | null };
  readonly lastError: { readonly code: string; readonly message: string } | null;
  readonly result?: unknown;
}
interface AnswerView {
  readonly question: string;
  readonly mode: string;
  readonly answer: string;
  readonly citations: readonly {
    documentId: string;
    documentName: string;
    chunkIndex: number;
    start: number;
    end: number;
    snippet: string;
  }[];
  readonly entities: readonly { name: string; type: string }[];
  readonly relations: readonly { source: string; type: string; target: string }[];
  readonly llmUsed: boolean;
  readonly provider: string | null;
  readonly cache: string;
  readonly graphVersion: number;
  readonly notices: readonly string[];
}

const FINAL: ReadonlySet<string> = new Set(TERMINAL_JOB_STATES);
const base = (tenant: string): string => `/v1/tenants/${encodeURIComponent(tenant)}`;
const docPath = (tenant: string, id: string): string => `${base(tenant)}/documents/${encodeURIComponent(id)}`;
const EXTENSIONS = new Set(INGESTIBLE_EXTENSIONS);
const DOCUMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}$/;

/** Files to ingest: each file argument, and every readable file under each folder (hidden ones skipped). */
export async function collectFiles(paths: readonly string[]): Promise<{ path: string; id: string }[]> {
  const out: { path: string; id: string }[] = [];
  const walk = async (dir: string, root: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) await walk(full, root);
      else if (e.isFile() && EXTENSIONS.has(extname(e.name).slice(1).toLowerCase()))
        out.push({ path: full, id: documentIdFor(relative(root, full)) });
    }
  };
  for (const p of paths) {
    let s;
    try {
      s = await stat(p);
    } catch {
      throw new UsageError(`'${p}' does not exist.`);
    }
    if (s.isDirectory()) await walk(p, join(p, '..'));
    else
      out.push({
        path: p,
        id: documentIdFor(
          relative(process.cwd(), p).startsWith('..') ? (p.split(sep).pop() ?? p) : relative(process.cwd(), p),
        ),
      });
  }
  return out;
}

/** A document id from a relative path: `/` separators, other characters outside the id alphabet become `-`. */
export function documentIdFor(path: string): string {
  const id = path
    .split(sep)
    .join('/')
    .replace(/^(\.\.?\/)+/, '')
    .replace(/[^A-Za-z0-9._:/-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 255);
  if (!DOCUMENT_ID.test(id)) throw new UsageError(`cannot make a document id from '${path}'; pass --id.`);
  return id;
}

function documentTable(items: readonly DocumentView[]): string {
  return renderTable(
    ['DOCUMENT', 'STATUS', 'FORMAT', 'SIZE', 'CHUNKS', 'SUBMITTED', 'ERROR'],
    items.map((d) => [
      d.documentId,
      d.status,
      d.format ?? '',
      d.sizeBytes,
      d.chunks,
      shortTime(d.submittedAt),
      d.error?.slice(0, 60) ?? '',
    ]),
    'No documents.',
  );
}

function documentDetail(d: DocumentView): string {
  return renderFields([
    ['document', d.documentId],
    ['name', d.name],
    ['status', d.status],
    ['format', d.format],
    ['size', `${d.sizeBytes} bytes`],
    ['sha256', d.sha256],
    ['chunks', d.chunks],
    ['job', d.jobId],
    ['submitted', shortTime(d.submittedAt)],
    ['ingested', shortTime(d.ingestedAt)],
    ['error', d.error],
  ]);
}

export function answerText(a: AnswerView): string {
  const lines = [a.answer.trim(), ''];
  if (a.citations.length > 0) {
    lines.push('Sources:');
    a.citations.forEach((c, i) =>
      lines.push(`  [${i + 1}] ${c.documentId} chunk ${c.chunkIndex} (chars ${c.start}-${c.end})`),
    );
  }
  if (a.entities.length > 0)
    lines.push(
      `Entities: ${a.entities
        .slice(0, 12)
        .map((e) => `${e.name} (${e.type})`)
        .join(', ')}${a.entities.length > 12 ? ', …' : ''}`,
    );
  for (const n of a.notices) lines.push(`Note: ${n}`);
  lines.push(
    `mode ${a.mode} · ${a.llmUsed ? `LLM ${a.provider ?? ''}`.trim() : 'extractive (no LLM)'} · cache ${a.cache} · graph v${a.graphVersion}`,
  );
  return lines.join('\n');
}

async function waitForJobs(
  api: ApiClient,
  tenant: string,
  jobs: readonly { documentId: string; jobId: string }[],
  out: Output,
  intervalMs: number,
): Promise<Map<string, JobView>> {
  const done = new Map<string, JobView>();
  const tty = process.stderr.isTTY;
  let lastNote = '';
  while (done.size < jobs.length) {
    let current: JobView | undefined;
    for (const j of jobs) {
      if (done.has(j.jobId)) continue;
      const view = await api.request<JobView>('GET', `${base(tenant)}/jobs/${encodeURIComponent(j.jobId)}`);
      if (FINAL.has(view.state)) done.set(j.jobId, view);
      else current ??= view;
    }
    const pct = Math.round((done.size / Math.max(1, jobs.length)) * 100);
    const bar = progressBar({
      state: `${done.size}/${jobs.length} documents`,
      progress: { percent: pct, message: current?.progress.message ?? null },
    });
    if (tty) process.stderr.write(`\r${bar}\x1b[K`);
    else if (bar !== lastNote) out.note(bar);
    lastNote = bar;
    if (done.size < jobs.length) await new Promise((r) => setTimeout(r, intervalMs));
  }
  if (tty) process.stderr.write('\n');
  return done;
}

export function registerKnowledgeCommands(program: Command, env: CliEnvironment): void {
  program
    .command('ingest')
    .summary("add documents to a tenant's knowledge graph")
    .description(
      "Submits files (and every Markdown, HTML, text, CSV/TSV, JSON, YAML, PDF and DOCX file under folders) to a tenant's knowledge graph. Each becomes a document whose id is its path; submitting the same path again replaces it. An ingest job per document parses it, extracts entities and relations, and updates the graph.",
    )
    .argument('<paths...>', 'files or folders')
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--id <documentId>', 'document id (one file only; default: the path)')
    .option('--wait', 'wait for the ingest jobs, with a progress bar; exit 1 if any failed')
    .option('--interval <ms>', 'poll interval while waiting', wholeNumber(100), 500)
    .addHelpText(
      'after',
      '\nExamples:\n  iris ingest --tenant acme docs/ --wait\n  iris ingest --tenant acme catalog-info.yaml --id catalog/payments\n  iris documents list --tenant acme',
    )
    .action(
      async (paths: string[], o: { tenant: string; id?: string; wait?: boolean; interval: number }, cmd: Command) => {
        const { out, client } = commandContext(cmd, env);
        const files = await collectFiles(paths);
        if (files.length === 0)
          throw new UsageError(
            `no ingestible files under ${paths.join(', ')} (extensions: ${INGESTIBLE_EXTENSIONS.join(', ')}).`,
          );
        if (o.id !== undefined) {
          if (files.length !== 1) throw new UsageError('--id names one document; pass exactly one file.');
          files[0] = { path: files[0]?.path ?? '', id: o.id };
        }
        const api = client();
        const submitted: { documentId: string; status: string; jobId: string | null; error?: string }[] = [];
        for (const [i, f] of files.entries()) {
          const bytes = await readFile(f.path);
          try {
            const r = await api.request<{ document: DocumentView; job: { jobId: string } | null }>(
              'POST',
              `${base(o.tenant)}/documents`,
              {
                body: {
                  documentId: f.id,
                  name: f.path.split(sep).pop() ?? f.path,
                  contentBase64: bytes.toString('base64'),
                },
              },
            );
            submitted.push({
              documentId: f.id,
              status: r.job === null ? `unchanged (${r.document.status})` : 'queued',
              jobId: r.job?.jobId ?? null,
            });
          } catch (err) {
            // One bad file does not stop the rest; it is reported and the exit code says so.
            if (
              !(err instanceof ApiProblemError) ||
              err.status >= 500 ||
              err.status === 401 ||
              err.status === 403 ||
              err.status === 404
            )
              throw err;
            submitted.push({ documentId: f.id, status: 'rejected', jobId: null, error: err.message });
            process.exitCode = 1;
          }
          if (files.length > 1 && process.stderr.isTTY)
            process.stderr.write(`\rsubmitted ${i + 1}/${files.length}\x1b[K`);
        }
        if (files.length > 1 && process.stderr.isTTY) process.stderr.write('\n');
        if (o.wait === true) {
          const jobs = submitted.filter((s): s is typeof s & { jobId: string } => s.jobId !== null);
          const results = await waitForJobs(api, o.tenant, jobs, out, o.interval);
          for (const s of submitted) {
            const j = s.jobId === null ? undefined : results.get(s.jobId);
            if (j === undefined) continue;
            s.status = j.state === 'succeeded' ? 'ingested' : j.state;
            if (j.state !== 'succeeded') {
              s.error = j.lastError?.message ?? j.state;
              process.exitCode = 1;
            }
          }
        }
        out.result({ tenant: o.tenant, documents: submitted }, () =>
          renderTable(
            ['DOCUMENT', 'STATUS', 'JOB', 'ERROR'],
            submitted.map((s) => [s.documentId, s.status, s.jobId ?? '', s.error?.slice(0, 80) ?? '']),
            'Nothing submitted.',
          ),
        );
        if (o.wait !== true && submitted.some((s) => s.jobId !== null))
          out.note(`Follow with: iris documents list --tenant ${o.tenant}  (or pass --wait)`);
      },
    );

  const documents = program
    .command('documents')
    .description(
      "A tenant's documents: ingest status, format, size, chunks; delete removes exactly a document's contributions to the graph",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  iris documents list --tenant acme --status failed\n  iris documents get docs/overview.md --tenant acme\n  iris documents delete docs/old.md --tenant acme',
    );
  documents
    .command('list')
    .summary('list documents with their ingest status')
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--status <status>', 'only pending, ingesting, ready or failed documents')
    .option('--limit <n>', 'at most this many', wholeNumber(1), 100)
    .action(async (o: { tenant: string; status?: string; limit: number }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const page = await client().request<{ items: DocumentView[]; continue?: string }>(
        'GET',
        `${base(o.tenant)}/documents`,
        { query: { limit: o.limit, status: o.status } },
      );
      out.result(page, () => documentTable(page.items) + (page.continue ? '\n(more: raise --limit)' : ''));
    });
  documents
    .command('get')
    .summary('show one document')
    .argument('<documentId>', 'the document id (its path at ingest)')
    .requiredOption('--tenant <id>', 'the tenant')
    .action(async (id: string, o: { tenant: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const d = await client().request<DocumentView>('GET', docPath(o.tenant, id));
      out.result(d, () => documentDetail(d));
    });
  documents
    .command('delete')
    .summary('delete a document and its contributions to the graph')
    .argument('<documentId>', 'the document id')
    .requiredOption('--tenant <id>', 'the tenant')
    .action(async (id: string, o: { tenant: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const r = await client().request<{ documentId: string; communities: { removed: number; added: number } }>(
        'DELETE',
        docPath(o.tenant, id),
      );
      out.result(
        r,
        () =>
          `Deleted ${r.documentId} (communities: ${r.communities.removed} removed, ${r.communities.added} recomputed).`,
      );
    });

  program
    .command('query')
    .summary("ask a question of a tenant's knowledge graph")
    .description(
      "Answers from the tenant's documents with the sources it rests on. Modes: hybrid (the default: text search fused with the graph's entities and relations, and a second hop), local (the entities the question names and their neighbourhood), global (community reports: themes across documents), naive (text search over chunks). With an LLM provider configured the answer is written by it from the sources; otherwise (or with --no-llm) it is extractive.",
    )
    .argument('<question>', 'the question, quoted')
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--mode <mode>', `one of ${QUERY_MODES.join(', ')}`, DEFAULT_QUERY_MODE)
    .option('--limit <n>', 'most sources cited (1-20)', wholeNumber(1), 5)
    .option('--no-llm', 'answer extractively even when an LLM is configured')
    .addHelpText(
      'after',
      '\nExamples:\n  iris query --tenant acme "Who owns the Payments Gateway?"\n  iris query --tenant acme "What are the main systems?" --mode global --output json',
    )
    .action(
      async (question: string, o: { tenant: string; mode: string; limit: number; llm: boolean }, cmd: Command) => {
        const { out, client } = commandContext(cmd, env);
        if (!(QUERY_MODES as readonly string[]).includes(o.mode))
          throw new UsageError(`--mode must be one of ${QUERY_MODES.join(', ')}.`);
        const a = await client().request<AnswerView>('POST', `${base(o.tenant)}/query`, {
          body: { question, mode: o.mode, limit: o.limit, llm: o.llm ? 'auto' : 'off' },
        });
        out.result(a, () => answerText(a));
      },
    );

  const graph = program
    .command('graph')
    .description("Browse and export a tenant's knowledge graph: entities, relations, communities")
    .addHelpText(
      'after',
      '\nExamples:\n  iris graph entities --tenant acme --type service\n  iris graph relations --tenant acme --match payments\n  iris graph export --tenant acme --format graphml --file acme.graphml\n  iris graph build --tenant acme --wait',
    );
  for (const [what, head, row] of [
    [
      'entities',
      ['NAME', 'TYPE', 'MENTIONS', 'DOCUMENTS'],
      (e: Record<string, unknown>) => [e.name, e.type, e.mentions, (e.documents as string[]).join(', ').slice(0, 60)],
    ],
    [
      'relations',
      ['SOURCE', 'RELATION', 'TARGET', 'WEIGHT', 'DOCUMENTS'],
      (r: Record<string, unknown>) => [
        r.source,
        r.type,
        r.target,
        r.weight,
        (r.documents as string[]).join(', ').slice(0, 50),
      ],
    ],
  ] as const) {
    graph
      .command(what)
      .summary(`list ${what} with where they were read`)
      .requiredOption('--tenant <id>', 'the tenant')
      .option(
        '--type <type>',
        what === 'entities'
          ? 'only this entity type (service, person, team, …)'
          : 'only this relation type (depends_on, owned_by, …)',
      )
      .option('--match <text>', 'only names containing this text (case-insensitive)')
      .option('--limit <n>', 'at most this many', wholeNumber(1), 100)
      .action(async (o: { tenant: string; type?: string; match?: string; limit: number }, cmd: Command) => {
        const { out, client } = commandContext(cmd, env);
        const page = await client().request<{ items: Record<string, unknown>[] }>(
          'GET',
          `${base(o.tenant)}/graph/${what}`,
          { query: { limit: o.limit, type: o.type, match: o.match } },
        );
        out.result(page, () =>
          renderTable(
            head,
            page.items.map((i) => row(i) as (string | number)[]),
            `No ${what}.`,
          ),
        );
      });
  }
  graph
    .command('communities')
    .summary('list communities with their reports')
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--limit <n>', 'at most this many', wholeNumber(1), 100)
    .action(async (o: { tenant: string; limit: number }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const page = await client().request<{
        items: { id: string; level: number; title: string; members: string[]; rank: number }[];
      }>('GET', `${base(o.tenant)}/graph/communities`, { query: { limit: o.limit } });
      out.result(page, () =>
        renderTable(
          ['COMMUNITY', 'LEVEL', 'MEMBERS', 'TITLE'],
          page.items.map((c) => [c.id, c.level, c.members.length, c.title.slice(0, 70)]),
          'No communities.',
        ),
      );
    });
  graph
    .command('export')
    .summary('the whole graph as JSON or GraphML')
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--format <format>', 'json or graphml', 'json')
    .option('--file <path>', 'write to this file instead of stdout')
    .action(async (o: { tenant: string; format: string; file?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      if (o.format !== 'json' && o.format !== 'graphml') throw new UsageError('--format must be json or graphml.');
      const text = await client().request<string>('GET', `${base(o.tenant)}/graph/export`, {
        query: { format: o.format },
        raw: true,
      });
      if (o.file === undefined) {
        process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
        return;
      }
      await writeFile(o.file, text);
      out.note(`Wrote ${text.length} characters of ${o.format} to ${o.file}.`);
    });
  graph
    .command('build')
    .summary('recompute every community (a job); the answer cache is warmed after')
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--wait', 'wait for the job with a progress bar')
    .action(async (o: { tenant: string; wait?: boolean }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const api = client();
      const job = await api.request<{ jobId: string }>('POST', `${base(o.tenant)}/graph/build`, { body: {} });
      if (o.wait !== true) {
        out.result(job, () => `Queued ${job.jobId}. Follow with: iris jobs watch ${job.jobId} --tenant ${o.tenant}`);
        return;
      }
      const done = await waitForJobs(api, o.tenant, [{ documentId: '', jobId: job.jobId }], out, 500);
      const j = done.get(job.jobId);
      if (j?.state !== 'succeeded') process.exitCode = 1;
      out.result(
        j,
        () => `Graph build ${job.jobId}: ${j?.state ?? 'unknown'}${j?.lastError ? ` (${j.lastError.message})` : ''}`,
      );
    });
}
