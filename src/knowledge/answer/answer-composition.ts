// Answers as the API gives them: the question is checked (size, prompt injection), counted in
// the question log and looked up in the tenant's answer cache; a miss runs the extractive engine
// and, when an LLM may serve the tenant and its tokens last, an LLM answer over the retrieved
// sources (sentences that read as instructions withheld), falling back to the extractive answer
// with a notice. PII and secrets are redacted last, unless the tenant turned redaction off.
import type { Queryable } from '../../core/db.js';
import { ConflictError, errorMessage, ValidationError } from '../../core/errors.js';
import type { TraceParent } from '../../core/trace-parent.js';
import { selectChunkTexts } from '../graph/document-store.js';
import { selectAnswerGraphs, useCandidateGraph, type AnswerGraphs } from '../graph/slot-store.js';
import { DEFAULT_EXTRACTION_VERSION } from '../extract/extraction-versions.js';
import type { ServiceParts } from '../knowledge-deps.js';
import { synthesizeAnswer } from '../llm/index.js';
import { ANSWER_CACHE_BUDGET_BYTES, normaliseQuestion, type AnswerCache } from './answer-cache.js';
import { assertOwnChunks } from './answer-builder.js';
import { CorpusStatsCache } from './bm25.js';
import { redactPii, PII_KINDS } from './pii.js';
import { answerQuestion, type Answer } from './query-engine.js';
import type { QueryMode } from './query-modes.js';
import type { QuestionLog } from './question-log.js';
import { checkQuestion, withholdInstructions } from './safety.js';

/** An answer as the API returns it. */
export interface KnowledgeAnswer extends Omit<Answer, 'llmUsed'> {
  readonly llmUsed: boolean;
  readonly provider: string | null;
  readonly cache: 'hit' | 'miss';
  readonly graphVersion: number;
  /** The extraction version of the graph that answered (the primary one, or a candidate). */
  readonly extractionVersion: string;
  /** What the caller should know about how the answer was made (fallbacks, withheld passages, redactions). */
  readonly notices: readonly string[];
}

export interface QueryRequest {
  /** Most chunks cited (1..20, default 5). */
  readonly limit?: number;
  /** 'off' answers extractively even when an LLM is configured. */
  readonly llm?: 'auto' | 'off';
  /** The caller's span: store and LLM spans hang below it. */
  readonly trace?: TraceParent;
  /**
   * The release colour serving this tenant (rollout) and what its configuration changes: the
   * number of chunks cited by default. Answers of different colours never share a cache entry.
   */
  readonly serving?: {
    readonly colour: string;
    readonly topK?: number | undefined;
    /**
     * The extraction version the colour serves with: answered from the tenant's candidate graph
     * when it holds that version, is ready and its probe passed; else from the primary graph.
     */
    readonly extractionVersion?: string | undefined;
  };
  /**
   * Forces one graph (the rollout's dual-read probes): 'candidate' throws ConflictError
   * 'graph_not_ready' unless the tenant's candidate graph is ready.
   */
  readonly graph?: 'primary' | 'candidate';
  /** A shadow run (rollout): not counted in the question log, so it never drives cache warm-ups. */
  readonly shadow?: boolean;
}

/** The graph an answer is computed on, with its own version counter. */
interface AnswerGraph {
  readonly graph: 'primary' | 'candidate';
  readonly graphVersion: number;
  readonly extractionVersion: string;
}

/** Which graph answers `request` (answer-composition's rule; see QueryRequest.serving and .graph). */
export function answerGraphOf(request: QueryRequest, g: AnswerGraphs): AnswerGraph {
  const primary: AnswerGraph = { graph: 'primary', graphVersion: g.version, extractionVersion: g.primaryVersion };
  const slot = g.slot;
  const candidate: AnswerGraph | undefined =
    slot?.status === 'ready'
      ? { graph: 'candidate', graphVersion: g.candidateVersion, extractionVersion: slot.extractionVersion }
      : undefined;
  if (request.graph === 'primary') return primary;
  if (request.graph === 'candidate') {
    if (candidate === undefined)
      throw new ConflictError('graph_not_ready', 'The tenant has no ready candidate graph to answer from.');
    return candidate;
  }
  const wanted = request.serving?.extractionVersion;
  if (
    wanted !== undefined &&
    wanted !== g.primaryVersion &&
    candidate !== undefined &&
    candidate.extractionVersion === wanted &&
    slot?.probe?.ok === true
  )
    return candidate;
  return primary;
}

/** Chunks cited: the caller's limit, else the serving colour's topK (at most 20), else 5. */
function limitOf(request: QueryRequest): number {
  return request.limit ?? Math.min(20, request.serving?.topK ?? 5);
}

export interface Answers {
  readonly query: (
    tenantId: string,
    question: string,
    mode: QueryMode,
    request?: QueryRequest,
  ) => Promise<KnowledgeAnswer>;
}

/** Answers through `cache`, counting every question in `questions`; `release` is part of every cache key. */
export function makeAnswers(
  parts: ServiceParts,
  cache: AnswerCache<KnowledgeAnswer>,
  questions: QuestionLog,
  release: string,
): Answers {
  const { deps, settingsOf, inTenant, tokens } = parts;
  // BM25 corpus statistics per tenant and graph version (one cache per database, one per
  // graph: the primary and candidate graphs count their versions apart).
  const statsCaches = { primary: new CorpusStatsCache(), candidate: new CorpusStatsCache() };
  /** A tenant transaction on the answering graph. */
  const onGraph = <T>(tenantId: string, g: AnswerGraph, fn: (tx: Queryable) => Promise<T>, request: QueryRequest) =>
    inTenant(
      tenantId,
      async (tx) => {
        if (g.graph === 'candidate') await useCandidateGraph(tx);
        return fn(tx);
      },
      request.trace,
    );

  async function computeAnswer(
    tenantId: string,
    q: string,
    mode: QueryMode,
    request: QueryRequest,
    g: AnswerGraph,
  ): Promise<KnowledgeAnswer> {
    const settings = settingsOf(tenantId);
    const statsCache = statsCaches[g.graph];
    const base = await onGraph(
      tenantId,
      g,
      (tx) => answerQuestion(tx, tenantId, q, mode, { limit: limitOf(request), statsCache }),
      request,
    );
    const notices: string[] = [];
    let text = base.answer;
    let llmUsed = false;
    let provider: string | null = null;
    const llm = deps.llm;
    if (
      llm !== undefined &&
      llm.configured &&
      request.llm !== 'off' &&
      base.citations.length > 0 &&
      !tokens.left(tenantId)
    ) {
      notices.push("The tenant's LLM tokens for today are used up; this answer is extractive.");
      deps.signal?.({ kind: 'llm_fallback', tenantId, reason: 'quota' });
    } else if (llm !== undefined && llm.configured && request.llm !== 'off' && base.citations.length > 0) {
      const rows = await onGraph(tenantId, g, (tx) => selectChunkTexts(tx, tenantId, base.citations), request);
      assertOwnChunks(tenantId, rows);
      const texts = new Map(rows.map((r) => [`${r.documentId}#${r.chunkIndex}`, r.text]));
      const sources = base.citations.map((c, i) => ({
        n: i + 1,
        text: texts.get(`${c.documentId}#${c.chunkIndex}`) ?? c.snippet,
        documentName: c.documentName,
      }));
      // Retrieved text is data: sentences that read as instructions to a model never reach it.
      const { kept, withheld } = withholdInstructions(sources);
      if (withheld > 0) {
        notices.push(
          `${withheld} retrieved sentence(s) read like instructions to a model; they were withheld from the LLM and are cited as data only.`,
        );
        deps.signal?.({ kind: 'withheld', tenantId, passages: withheld });
      }
      try {
        if (kept.length === 0) throw new Error('no passage left to give the model');
        const facts = base.answer
          .split('\n')
          .filter((l) => l.startsWith('- '))
          .map((l) => l.slice(2));
        const r = await synthesizeAnswer(
          llm,
          { tenantId, regionAllowed: (region) => settings.regionAllowed(region), trace: request.trace },
          q,
          kept,
          facts,
        );
        text = r.text;
        provider = r.completion.provider;
        tokens.spend(tenantId, r.completion.promptTokens + r.completion.completionTokens);
        llmUsed = true;
      } catch (err) {
        const reason = errorMessage(err);
        notices.push(`No LLM answer (${reason}); this answer is extractive.`);
        deps.signal?.({ kind: 'llm_fallback', tenantId, reason: err instanceof Error ? err.name : 'error' });
      }
    }
    let citations = base.citations;
    if (settings.redactPii) {
      const counts: Record<string, number> = {};
      const redact = (s: string): string => {
        const r = redactPii(s, PII_KINDS);
        for (const [k, n] of Object.entries(r.counts)) if (n > 0) counts[k] = (counts[k] ?? 0) + n;
        return r.text;
      };
      text = redact(text);
      citations = citations.map((c) => ({ ...c, snippet: redact(c.snippet) }));
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      if (total > 0) {
        notices.push(
          `${total} item(s) of personal data or secrets were redacted (${Object.entries(counts)
            .map(([k, n]) => `${k}: ${n}`)
            .join(', ')}).`,
        );
        deps.signal?.({ kind: 'redacted', tenantId, counts });
      }
    }
    return {
      ...base,
      answer: text,
      citations,
      llmUsed,
      provider,
      cache: 'miss',
      graphVersion: g.graphVersion,
      extractionVersion: g.extractionVersion,
      notices,
    };
  }

  async function query(
    tenantId: string,
    question: string,
    mode: QueryMode,
    request: QueryRequest = {},
  ): Promise<KnowledgeAnswer> {
    let q: string;
    try {
      q = checkQuestion(question);
    } catch (err) {
      deps.signal?.({
        kind: 'blocked',
        tenantId,
        reason: err instanceof ValidationError ? 'size' : 'prompt_injection',
      });
      throw err;
    }
    const settings = settingsOf(tenantId);
    // NOTE: one read either way; the slot is joined only when the request may want the candidate.
    const withSlot = request.graph !== undefined || request.serving?.extractionVersion !== undefined;
    const g = answerGraphOf(
      request,
      await inTenant(
        tenantId,
        (tx) => selectAnswerGraphs(tx, tenantId, withSlot, DEFAULT_EXTRACTION_VERSION),
        request.trace,
      ),
    );
    const normalised = normaliseQuestion(q);
    if (request.shadow !== true) questions.note(tenantId, normalised, mode);
    const variant = [
      release,
      request.serving?.colour ?? '',
      limitOf(request),
      request.llm ?? 'auto',
      settings.redactPii ? 'redact' : 'plain',
      // The two graphs count their versions apart: their answers never share an entry.
      `${g.graph}:${g.extractionVersion}`,
    ].join('|');
    const got = await cache.getOrCompute(
      { tenantId, question: normalised, mode, graphVersion: g.graphVersion, release: variant },
      ANSWER_CACHE_BUDGET_BYTES[settings.tier],
      () => computeAnswer(tenantId, q, mode, request, g),
    );
    return { ...got.value, question: q, cache: got.hit ? 'hit' : 'miss' };
  }

  return { query };
}
