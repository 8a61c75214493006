// The knowledge context's LLM layer: provider configuration, the resilient gateway over
// OpenAI-compatible providers, and the tasks Iris asks of it (extract, answer, summarise).
export {
  LLM_CALL_OUTCOMES,
  LLM_PURPOSES,
  LlmUnavailableError,
  makeLlmGateway,
  NoEligibleLlmProviderError,
  type BreakerState,
  type LlmAttempt,
  type LlmCallOutcome,
  type LlmCompletion,
  type LlmGateway,
  type LlmGatewayOptions,
  type LlmObserver,
  type LlmProviderStatus,
  type LlmPurpose,
  type LlmRequest,
} from './llm-gateway.js';
export {
  checkCitations,
  llmExtract,
  neutralise,
  summarizeCommunity,
  synthesizeAnswer,
  UngroundedAnswerError,
  type AnswerSource,
  type LlmExtractResult,
  type LlmTaskRequest,
  type SynthesizedAnswer,
} from './llm-tasks.js';
export {
  chatCompletion,
  LLM_CALL_FAILURES,
  LlmCallError,
  MAX_RESPONSE_BYTES,
  type ChatCallOptions,
  type ChatMessage,
  type ChatReply,
  type ChatRequest,
  type FetchFn,
  type LlmCallFailure,
} from './openai-client.js';
export { LLM_PROVIDER_DEFAULTS, parseLlmProviders, type LlmProviderConfig } from './provider-config.js';
