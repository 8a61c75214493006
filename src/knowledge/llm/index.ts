// The knowledge context's LLM layer: provider configuration, the resilient gateway over
// OpenAI-compatible providers, the tasks Iris asks of it (extract, answer, summarise) and each
// tenant's daily token budget. Exports what the stages, the knowledge face and the LLM tests use.
export {
  LlmUnavailableError,
  makeLlmGateway,
  NoEligibleLlmProviderError,
  type LlmCallOutcome,
  type LlmGateway,
  type LlmGatewayOptions,
  type LlmObserver,
  type LlmRequest,
} from './llm-gateway.js';
export { llmExtract, summarizeCommunity, synthesizeAnswer, UngroundedAnswerError } from './llm-tasks.js';
export { chatCompletion, LlmCallError } from './openai-client.js';
export { LLM_PROVIDER_DEFAULTS, parseLlmProviders, type LlmProviderConfig } from './provider-config.js';
export { makeTokenBudget, type TokenBudget } from './token-budget.js';
