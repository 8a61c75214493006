// Answers as the API gives them: the question is checked (size, prompt injection), counted in
// the question log and looked up in the tenant's answer cache; a miss runs the extractive engine
// and, when an LLM may serve the tenant and its tokens last, an LLM answer over the retrieved
// sources (sentences that read as instructions withheld), falling back to the extractive answer
// with a notice. PII and secrets are redacted last, unless the tenant turned redaction off.
import { errorMessage, ValidationError } from '../../core/errors.js';
import type { TraceParent } from '../../core/trace-parent.js';
import { selectChunkTexts, selectGraphVersion } from '../graph/document-store.js';
import type { ServiceParts } from '../knowledge-deps.js';
import { synthesizeAnswer } from '../llm/index.js';
import { ANSWER_CACHE_BUDGET_BYTES, normaliseQuestion, type AnswerCache } from './answer-cache.js';
import { assertOwnChunks } from './answer-builder.js';
import { CorpusStatsCache } from './bm25.js';
import { redactPii, PII_KINDS } from './pii.js';
import { answerQuestion, type Answer, type QueryMode } from './query-engine.js';
import type { QuestionLog } from './question-log.js';
import { checkQuestion, withholdInstructions } from './safety.js';

/** An answer as the API returns it. */
export interface KnowledgeAnswer extends Omit<Answer, 'llmUsed'> {
  readonly llmUsed: boolean;
  readonly provider: string | null;
  readonly cache: 'hit' | 'miss';
  readonly graphVersion: number;
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
  readonly serving?: { readonly colour: string; readonly topK?: number | undefined };
  /** A shadow run (rollout): not counted in the question log, so it never drives cache warm-ups. */
  readonly shadow?: boolean;
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
  // BM25 corpus statistics per tenant and graph version (one cache per database).
  const statsCache = new CorpusStatsCache();

  async function computeAnswer(
    tenantId: string,
    q: string,
    mode: QueryMode,
    request: QueryRequest,
    graphVersion: number,
  ): Promise<KnowledgeAnswer> {
    const settings = settingsOf(tenantId);
    const base = await inTenant(
      tenantId,
      (tx) => answerQuestion(tx, tenantId, q, mode, { limit: limitOf(request), statsCache }),
      request.trace,
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
      const rows = await inTenant(tenantId, (tx) => selectChunkTexts(tx, tenantId, base.citations), request.trace);
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
    return { ...base, answer: text, citations, llmUsed, provider, cache: 'miss', graphVersion, notices };
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
    const graphVersion = await inTenant(tenantId, (tx) => selectGraphVersion(tx, tenantId), request.trace);
    const normalised = normaliseQuestion(q);
    if (request.shadow !== true) questions.note(tenantId, normalised, mode);
    const variant = [
      release,
      request.serving?.colour ?? '',
      limitOf(request),
      request.llm ?? 'auto',
      settings.redactPii ? 'redact' : 'plain',
    ].join('|');
    const got = await cache.getOrCompute(
      { tenantId, question: normalised, mode, graphVersion, release: variant },
      ANSWER_CACHE_BUDGET_BYTES[settings.tier],
      () => computeAnswer(tenantId, q, mode, request, graphVersion),
    );
    return { ...got.value, question: q, cache: got.hit ? 'hit' : 'miss' };
  }

  return { query };
}
