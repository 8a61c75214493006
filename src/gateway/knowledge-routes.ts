// /v1/tenants/:tenantId/{documents,query,graph}: submit documents (202: a job ingests them),
// list, read and delete them, read a cited chunk, ask questions, browse and export the graph, rebuild communities.
// The knowledge context is reached through its face; authorization, request identity and job
// queueing come from the server through `deps`.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { RequestContext } from '../core/context.js';
import { decodeContinue, encodeContinue } from '../core/continue-token.js';
import { errorMessage, ValidationError } from '../core/errors.js';
import {
  EXPORT_FORMATS,
  DEFAULT_QUERY_MODE,
  QUERY_MODES,
  renderGraphMl,
  scheduledBuild,
  SOURCE_STATUSES,
  type DocumentSummary,
  type EnqueueFollowUp,
  type KnowledgeAnswer,
  type KnowledgeService,
  type QueryMode,
} from '../knowledge/index.js';
import { ProblemSchema, TenantIdSchema, TenantParamsSchema, bearer, type ApiTag } from './schemas.js';

export type KnowledgeRouteAction = 'knowledge.query' | 'knowledge.write';

/** A job the routes ask the executor to run; resolves to its id. */
export type EnqueueKnowledgeJob = (
  request: FastifyRequest,
  tenantId: string,
  job: { kind: 'knowledge.ingest' | 'knowledge.graph-build'; payload: Record<string, unknown> },
) => Promise<{ jobId: string; location: string }>;

export interface KnowledgeRoutesDeps {
  readonly knowledge: KnowledgeService;
  /** Throws (401/403/404) unless the request may do `action` on `tenantId`'s knowledge. */
  authorize(request: FastifyRequest, action: KnowledgeRouteAction, tenantId: string): void | Promise<void>;
  context(request: FastifyRequest): RequestContext;
  enqueue: EnqueueKnowledgeJob;
  /** Queues the system's follow-up jobs (the graph build a delete from a large component needs). */
  readonly followUp?: EnqueueFollowUp;
  /** Largest document accepted, in bytes (the route's body limit follows from it). */
  readonly maxDocumentBytes: number;
  /**
   * Told of every answered query (rollout: a copy may be re-run with a live release's candidate
   * configuration, off the request path). Must not throw or block.
   */
  readonly onAnswered?: (
    request: FastifyRequest,
    tenantId: string,
    query: { question: string; mode: QueryMode; limit?: number | undefined },
    answer: KnowledgeAnswer,
    elapsedMs: number,
  ) => void;
}

const DOCUMENT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}$';
const DocumentParams = Type.Object(
  {
    tenantId: TenantIdSchema,
    documentId: Type.String({ pattern: DOCUMENT_ID_PATTERN, description: 'URL-encode slashes (%2F).' }),
  },
  { additionalProperties: false },
);

const ChunkParams = Type.Object(
  {
    tenantId: TenantIdSchema,
    documentId: DocumentParams.properties.documentId,
    chunkIndex: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);
const ChunkSchema = Type.Object({
  documentId: Type.String(),
  documentName: Type.String(),
  chunkIndex: Type.Integer(),
  start: Type.Integer({ description: "Offset of the chunk's first character in the document's text." }),
  end: Type.Integer(),
  text: Type.String(),
});

const SubmitBody = Type.Object(
  {
    documentId: Type.Optional(
      Type.String({
        pattern: DOCUMENT_ID_PATTERN,
        description: 'Default: the name. Submitting an id again replaces that document.',
      }),
    ),
    name: Type.String({
      minLength: 1,
      maxLength: 255,
      description:
        'File name; its extension picks the parser (.md, .html, .txt, .csv, .tsv, .json, .yaml, .pdf, .docx).',
    }),
    content: Type.Optional(Type.String({ description: 'The document as UTF-8 text.' })),
    contentBase64: Type.Optional(Type.String({ description: 'The document as base64 (binary formats: PDF, DOCX).' })),
  },
  { additionalProperties: false },
);

const DocumentSchema = Type.Object({
  documentId: Type.String(),
  name: Type.String(),
  status: Type.Union(SOURCE_STATUSES.map((s) => Type.Literal(s))),
  error: Type.Union([Type.String(), Type.Null()]),
  sizeBytes: Type.Integer(),
  sha256: Type.String(),
  format: Type.Union([Type.String(), Type.Null()]),
  chunks: Type.Integer(),
  jobId: Type.Union([Type.String(), Type.Null()]),
  submittedAt: Type.String(),
  ingestedAt: Type.Union([Type.String(), Type.Null()]),
});
const SubmitReply = Type.Object({
  document: DocumentSchema,
  job: Type.Union([Type.Object({ jobId: Type.String(), location: Type.String() }), Type.Null()]),
});

const pageQuery = <T extends Record<string, ReturnType<typeof Type.Optional>>>(extra: T) =>
  Type.Object(
    {
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
      continue: Type.Optional(Type.String({ maxLength: 600 })),
      ...extra,
    },
    { additionalProperties: false },
  );
const DocumentsQuery = pageQuery({ status: Type.Optional(Type.Union(SOURCE_STATUSES.map((s) => Type.Literal(s)))) });
const GraphQuery = pageQuery({
  type: Type.Optional(Type.String({ maxLength: 100, description: 'Only this entity (or relation) type.' })),
  match: Type.Optional(
    Type.String({ maxLength: 200, description: 'Case-insensitive substring of the name (or of either end).' }),
  ),
});
const CommunitiesQuery = pageQuery({});
const ExportQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union(
        EXPORT_FORMATS.map((f) => Type.Literal(f)),
        { default: 'json' },
      ),
    ),
  },
  { additionalProperties: false },
);

const QueryBody = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: 2000 }),
    mode: Type.Optional(
      Type.Union(
        QUERY_MODES.map((m) => Type.Literal(m)),
        {
          default: DEFAULT_QUERY_MODE,
          description:
            'hybrid (default): BM25 over chunks fused with the graph (entities named, their relations) and a second hop; local: entities named and their neighbourhood; global: community reports; naive: chunks only.',
        },
      ),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5 })),
    llm: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('off')], { default: 'auto' })),
  },
  { additionalProperties: false },
);
const AnswerSchema = Type.Object({
  question: Type.String(),
  mode: Type.String(),
  answer: Type.String(),
  citations: Type.Array(
    Type.Object({
      documentId: Type.String(),
      documentName: Type.String(),
      chunkIndex: Type.Integer(),
      start: Type.Integer(),
      end: Type.Integer(),
      snippet: Type.String(),
    }),
  ),
  entities: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  relations: Type.Array(Type.Object({ source: Type.String(), type: Type.String(), target: Type.String() })),
  llmUsed: Type.Boolean(),
  provider: Type.Union([Type.String(), Type.Null()]),
  cache: Type.Union([Type.Literal('hit'), Type.Literal('miss')]),
  graphVersion: Type.Integer(),
  extractionVersion: Type.String({
    description:
      'The extraction version of the graph that answered (the primary graph, or a candidate being rolled out).',
  }),
  notices: Type.Array(Type.String()),
});
const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema };
const tags: ApiTag[] = ['knowledge'];

/** Continuation tokens (core/continue-token.ts): the last id of the page, opaque to callers. */
const decodeCursor = (token: string | undefined): string | undefined =>
  token === undefined ? undefined : decodeContinue(token);
function page<T>(
  items: readonly T[],
  limit: number,
  idOf: (t: T) => string,
): { items: readonly T[]; continue?: string } {
  const last = items[items.length - 1];
  return items.length === limit && last !== undefined ? { items, continue: encodeContinue(idOf(last)) } : { items };
}

const documentPath = (tenantId: string, documentId: string): string =>
  `/v1/tenants/${tenantId}/documents/${encodeURIComponent(documentId)}`;

function contentOf(body: Static<typeof SubmitBody>, max: number): Uint8Array {
  if ((body.content === undefined) === (body.contentBase64 === undefined))
    throw new ValidationError('send exactly one of content (text) or contentBase64', { field: 'content' });
  if (body.content !== undefined) return new TextEncoder().encode(body.content);
  const b64 = body.contentBase64 ?? '';
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(b64))
    throw new ValidationError('contentBase64 is not base64', { field: 'contentBase64' });
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.byteLength > max)
    throw new ValidationError(`document is ${bytes.byteLength} bytes; the limit is ${max}`, { field: 'contentBase64' });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The knowledge routes as a Fastify plugin: `app.register(knowledgeRoutes(deps))`. */
export function knowledgeRoutes(deps: KnowledgeRoutesDeps): FastifyPluginAsync {
  const knowledge = deps.knowledge;
  // base64 is 4/3 of the bytes; JSON framing and a name need a little more.
  const bodyLimit = Math.ceil((deps.maxDocumentBytes * 4) / 3) + 64 * 1024;
  return async (app) => {
    app.post<{ Params: Static<typeof TenantParamsSchema>; Body: Static<typeof SubmitBody> }>(
      '/v1/tenants/:tenantId/documents',
      {
        bodyLimit,
        schema: {
          tags,
          summary: 'Submit a document for ingest (202 + ingest job)',
          description:
            'Keeps the document and queues a `knowledge.ingest` job that parses it, extracts entities and relations, and updates the graph and its communities. Submitting the same id again replaces the document once the job runs; the same bytes under the same name answer 200 with no new job. Binary data, an unlisted extension, or content that does not match its extension (a PDF or DOCX that is not one) answer 415 `unsupported_document` with the reason.',
          security: bearer,
          params: TenantParamsSchema,
          body: SubmitBody,
          response: {
            200: SubmitReply,
            202: SubmitReply,
            ...errors,
            413: ProblemSchema,
            415: ProblemSchema,
            429: ProblemSchema,
          },
        },
      },
      async (req, reply) => {
        const { tenantId } = req.params;
        await deps.authorize(req, 'knowledge.write', tenantId);
        const bytes = contentOf(req.body, deps.maxDocumentBytes);
        const documentId = req.body.documentId ?? req.body.name;
        const { document, changed } = await knowledge.submit(
          tenantId,
          { documentId, name: req.body.name, bytes },
          deps.context(req),
        );
        void reply.header('location', documentPath(tenantId, documentId));
        if (!changed) return reply.code(200).send({ document, job: null });
        let job: { jobId: string; location: string };
        try {
          job = await deps.enqueue(req, tenantId, {
            kind: 'knowledge.ingest',
            payload: { documentId, sha256: document.sha256 },
          });
        } catch (err) {
          await knowledge.failSubmission(
            tenantId,
            documentId,
            document.sha256,
            `not queued: ${errorMessage(err)}`,
            deps.context(req).trace,
          );
          throw err;
        }
        await knowledge.attachJob(tenantId, documentId, job.jobId, deps.context(req).trace);
        return reply.code(202).send({ document: { ...document, jobId: job.jobId }, job });
      },
    );

    app.get<{ Params: Static<typeof TenantParamsSchema>; Querystring: Static<typeof DocumentsQuery> }>(
      '/v1/tenants/:tenantId/documents',
      {
        schema: {
          tags,
          summary: "List a tenant's documents with their ingest status",
          security: bearer,
          params: TenantParamsSchema,
          querystring: DocumentsQuery,
          response: {
            200: Type.Object({ items: Type.Array(DocumentSchema), continue: Type.Optional(Type.String()) }),
            ...errors,
          },
        },
      },
      async (req) => {
        const { tenantId } = req.params;
        await deps.authorize(req, 'knowledge.query', tenantId);
        const limit = req.query.limit ?? 100;
        const items = await knowledge.documents(
          tenantId,
          { limit, after: decodeCursor(req.query.continue), status: req.query.status },
          deps.context(req).trace,
        );
        return page(items, limit, (d: DocumentSummary) => d.documentId);
      },
    );

    app.get<{ Params: Static<typeof DocumentParams> }>(
      '/v1/tenants/:tenantId/documents/:documentId',
      {
        schema: {
          tags,
          summary: 'Read a document: status, format, size, chunks, its ingest job',
          security: bearer,
          params: DocumentParams,
          response: { 200: DocumentSchema, ...errors },
        },
      },
      async (req) => {
        const { tenantId, documentId } = req.params;
        await deps.authorize(req, 'knowledge.query', tenantId);
        return knowledge.document(tenantId, documentId, deps.context(req).trace);
      },
    );

    app.get<{ Params: Static<typeof ChunkParams> }>(
      '/v1/tenants/:tenantId/documents/:documentId/chunks/:chunkIndex',
      {
        schema: {
          tags,
          summary: "Read one chunk of a document: the text an answer's citation points at",
          description:
            "A citation names its document and chunk; this is that chunk's text with its offsets in the document's text, redacted as answers are.",
          security: bearer,
          params: ChunkParams,
          response: { 200: ChunkSchema, ...errors },
        },
      },
      async (req) => {
        const { tenantId, documentId, chunkIndex } = req.params;
        await deps.authorize(req, 'knowledge.query', tenantId);
        return knowledge.chunk(tenantId, documentId, chunkIndex, deps.context(req).trace);
      },
    );

    app.delete<{ Params: Static<typeof DocumentParams> }>(
      '/v1/tenants/:tenantId/documents/:documentId',
      {
        schema: {
          tags,
          summary: 'Delete a document and exactly its contributions to the graph',
          security: bearer,
          params: DocumentParams,
          response: {
            200: Type.Object({
              documentId: Type.String(),
              deleted: Type.Boolean(),
              communities: Type.Object({
                nodes: Type.Integer(),
                removed: Type.Integer(),
                added: Type.Integer(),
                bounded: Type.Boolean({
                  description:
                    'Only the finest communities around the change were recomputed; a graph build for the rest is scheduled.',
                }),
              }),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        const { tenantId, documentId } = req.params;
        await deps.authorize(req, 'knowledge.write', tenantId);
        const result = await knowledge.remove(tenantId, documentId, deps.context(req));
        if (!result.deleted) await knowledge.document(tenantId, documentId, deps.context(req).trace); // throws the 404
        if (result.communities.bounded) await deps.followUp?.(tenantId, scheduledBuild(new Date()));
        return { documentId, ...result };
      },
    );

    app.post<{ Params: Static<typeof TenantParamsSchema>; Body: Static<typeof QueryBody> }>(
      '/v1/tenants/:tenantId/query',
      {
        schema: {
          tags,
          summary: "Ask a question of the tenant's knowledge graph",
          description:
            'Answers with the citations (document, chunk, offsets) it rests on, the entities and relations used, the mode, whether an LLM wrote it (and which provider), and whether it came from the cache. Questions that read as prompt injection answer 422.',
          security: bearer,
          params: TenantParamsSchema,
          body: QueryBody,
          response: { 200: AnswerSchema, ...errors, 422: ProblemSchema, 429: ProblemSchema },
        },
      },
      async (req) => {
        const { tenantId } = req.params;
        await deps.authorize(req, 'knowledge.query', tenantId);
        const started = performance.now();
        const mode = req.body.mode ?? DEFAULT_QUERY_MODE;
        const answer = await knowledge.query(tenantId, req.body.question, mode, {
          limit: req.body.limit,
          llm: req.body.llm,
          trace: deps.context(req).trace,
          ...(req.placement === undefined
            ? {}
            : {
                serving: {
                  colour: req.placement.colour,
                  topK: req.placement.spec?.graphrag.retrieval.topK,
                  extractionVersion: req.placement.spec?.graphrag.extractionVersion,
                },
              }),
        });
        deps.onAnswered?.(
          req,
          tenantId,
          { question: req.body.question, mode, limit: req.body.limit },
          answer,
          performance.now() - started,
        );
        return answer;
      },
    );

    const Provenance = { mentions: Type.Integer(), documents: Type.Array(Type.String()) };
    const EntitySchema = Type.Object({
      id: Type.String(),
      name: Type.String(),
      type: Type.String(),
      description: Type.Union([Type.String(), Type.Null()]),
      aliases: Type.Array(Type.String()),
      ...Provenance,
    });
    const RelationSchema = Type.Object({
      id: Type.String(),
      source: Type.String(),
      type: Type.String(),
      target: Type.String(),
      weight: Type.Number(),
      description: Type.Union([Type.String(), Type.Null()]),
      ...Provenance,
    });
    const CommunitySchema = Type.Object({
      id: Type.String(),
      level: Type.Integer(),
      parentId: Type.Union([Type.String(), Type.Null()]),
      title: Type.String(),
      report: Type.String(),
      rank: Type.Number(),
      members: Type.Array(Type.String()),
    });

    app.get<{ Params: Static<typeof TenantParamsSchema>; Querystring: Static<typeof GraphQuery> }>(
      '/v1/tenants/:tenantId/graph/entities',
      {
        schema: {
          tags,
          summary: 'Entities of the graph with their provenance',
          security: bearer,
          params: TenantParamsSchema,
          querystring: GraphQuery,
          response: {
            200: Type.Object({ items: Type.Array(EntitySchema), continue: Type.Optional(Type.String()) }),
            ...errors,
          },
        },
      },
      async (req) => {
        const { tenantId } = req.params;
        await deps.authorize(req, 'knowledge.query', tenantId);
        const limit = req.query.limit ?? 100;
        return page(
          await knowledge.entities(
            tenantId,
            { limit, after: decodeCursor(req.query.continue), type: req.query.type, match: req.query.match },
            deps.context(req).trace,
          ),
          limit,
          (e) => e.id,
        );
      },
    );

    app.get<{ Params: Static<typeof TenantParamsSchema>; Querystring: Static<typeof GraphQuery> }>(
      '/v1/tenants/:tenantId/graph/relations',
      {
        schema: {
          tags,
          summary: 'Relations of the graph with their provenance',
          security: bearer,
          params: TenantParamsSchema,
          querystring: GraphQuery,
          response: {
            200: Type.Object({ items: Type.Array(RelationSchema), continue: Type.Optional(Type.String()) }),
            ...errors,
          },
        },
      },
      async (req) => {
        const { tenantId } = req.params;
        await deps.authorize(req, 'knowledge.query', tenantId);
        const limit = req.query.limit ?? 100;
        return page(
          await knowledge.relations(
            tenantId,
            { limit, after: decodeCursor(req.query.continue), type: req.query.type, match: req.query.match },
            deps.context(req).trace,
          ),
          limit,
          (r) => r.id,
        );
      },
    );

    app.get<{ Params: Static<typeof TenantParamsSchema>; Querystring: Static<typeof CommunitiesQuery> }>(
      '/v1/tenants/:tenantId/graph/communities',
      {
        schema: {
          tags,
          summary: 'Communities (Louvain, per level) with their reports',
          security: bearer,
          params: TenantParamsSchema,
          querystring: CommunitiesQuery,
          response: {
            200: Type.Object({ items: Type.Array(CommunitySchema), continue: Type.Optional(Type.String()) }),
            ...errors,
          },
        },
      },
      async (req) => {
        const { tenantId } = req.params;
        await deps.authorize(req, 'knowledge.query', tenantId);
        const limit = req.query.limit ?? 100;
        return page(
          await knowledge.communities(
            tenantId,
            { limit, after: decodeCursor(req.query.continue) },
            deps.context(req).trace,
          ),
          limit,
          (c) => c.id,
        );
      },
    );

    app.get<{ Params: Static<typeof TenantParamsSchema>; Querystring: Static<typeof ExportQuery> }>(
      '/v1/tenants/:tenantId/graph/export',
      {
        schema: {
          tags,
          summary: 'The whole graph as JSON or GraphML',
          security: bearer,
          params: TenantParamsSchema,
          querystring: ExportQuery,
          response: errors,
        },
      },
      async (req, reply) => {
        const { tenantId } = req.params;
        await deps.authorize(req, 'knowledge.query', tenantId);
        const graph = await knowledge.exportGraph(tenantId, deps.context(req).trace);
        if (req.query.format === 'graphml')
          return reply.type('application/graphml+xml; charset=utf-8').send(renderGraphMl(graph));
        return reply.type('application/json; charset=utf-8').send(JSON.stringify(graph));
      },
    );

    app.post<{ Params: Static<typeof TenantParamsSchema> }>(
      '/v1/tenants/:tenantId/graph/build',
      {
        schema: {
          tags,
          summary: 'Rebuild every community of the graph (202 + job); the cache is warmed after',
          security: bearer,
          params: TenantParamsSchema,
          body: Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]),
          response: {
            202: Type.Object({ jobId: Type.String(), location: Type.String() }),
            ...errors,
            429: ProblemSchema,
          },
        },
      },
      async (req, reply) => {
        const { tenantId } = req.params;
        await deps.authorize(req, 'knowledge.write', tenantId);
        const job = await deps.enqueue(req, tenantId, { kind: 'knowledge.graph-build', payload: {} });
        return reply.code(202).header('location', job.location).send(job);
      },
    );
  };
}
