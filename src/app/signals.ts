// Signal mapping: what the policy, LLM and knowledge contexts report, turned into the
// observability context's metrics and spans. No context knows the metric names.
import type { LlmObserver, KnowledgeSignal } from '../knowledge/index.js';
import type { Telemetry } from '../observability/index.js';
import type { DecisionEvent } from '../policy/index.js';

/** A sampled policy decision: its outcome and whether the decision cache answered it. */
export function decisionSignals(signals: Telemetry['signals']): (e: DecisionEvent) => void {
  return ({ decision }) => {
    signals.policyDecision(
      decision.inputs.principalTenant,
      decision.errors.length > 0 ? 'error' : decision.allowed ? 'allow' : 'deny',
    );
    signals.cacheLookup(decision.inputs.principalTenant, 'policy', decision.cached);
  };
}

/** Upstream LLM calls: outcomes, latency and tokens per provider, breaker state, call spans. */
export function llmSignals(telemetry: Telemetry): LlmObserver {
  const { signals } = telemetry;
  return {
    call: (c) =>
      signals.llmCall({
        provider: c.provider,
        outcome: c.outcome === 'malformed' ? 'error' : c.outcome === 'breaker_open' ? 'rejected' : c.outcome,
        seconds: c.seconds,
        promptTokens: c.promptTokens,
        completionTokens: c.completionTokens,
        span: c.span,
      }),
    breaker: (provider, open) => signals.llmBreaker(provider, open),
    span: telemetry.llmSpan,
  };
}

/** GraphRAG safety: blocked questions, withheld passages, PII redactions, extractive fallbacks. */
export function knowledgeSignals(signals: Telemetry['signals']): (e: KnowledgeSignal) => void {
  return (e) => {
    if (e.kind === 'blocked') signals.knowledgeSafety(e.tenantId, e.kind, e.reason);
    else if (e.kind === 'withheld') signals.knowledgeSafety(e.tenantId, e.kind, 'prompt_injection', e.passages);
    else if (e.kind === 'llm_fallback') signals.knowledgeSafety(e.tenantId, e.kind, e.reason);
    else for (const [pii, n] of Object.entries(e.counts)) signals.knowledgeSafety(e.tenantId, e.kind, pii, n);
  };
}
