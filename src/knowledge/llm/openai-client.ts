// One chat completion against an OpenAI-compatible endpoint, with every way it can go wrong
// classified: whether another attempt at the same provider may help, and whether the failure
// is the provider's (counted by its circuit breaker) or the request's.
import { IrisError } from '../../core/errors.js';
import type { LlmProviderConfig } from './provider-config.js';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface ChatRequest {
  readonly messages: readonly ChatMessage[];
  /** Default 1024. */
  readonly maxTokens?: number;
  /** Default 0. */
  readonly temperature?: number;
}

export interface ChatReply {
  readonly text: string;
  /** 0 when the provider reported no usage. */
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** As reported (`stop`, `length`, ...); `length` means the reply was cut off. */
  readonly finishReason: string | undefined;
}

export type FetchFn = typeof fetch;

export const LLM_CALL_FAILURES = ['http', 'network', 'timeout', 'malformed'] as const;
export type LlmCallFailure = (typeof LLM_CALL_FAILURES)[number];

/**
 * A failed call to one provider. `retryable`: the same provider may answer if asked again
 * (429, 408, 5xx, network, timeout). `providerFault`: the provider, not the request, is to
 * blame, so its breaker counts it (everything but a 400/413/422-style refusal of the request).
 * The message names the provider and status, never the API key or the response body.
 */
export class LlmCallError extends IrisError {
  readonly provider: string;
  readonly failure: LlmCallFailure;
  readonly httpStatus: number | undefined;
  readonly providerFault: boolean;
  /** What went wrong, without the provider's name ("answered HTTP 503"). */
  readonly detail: string;

  constructor(
    provider: string,
    failure: LlmCallFailure,
    detail: string,
    options: { retryable: boolean; providerFault: boolean; httpStatus?: number; cause?: unknown },
  ) {
    super('llm_call_failed', 502, `LLM provider '${provider}' ${detail}.`, {
      retryable: options.retryable,
      cause: options.cause,
      extensions: {
        provider,
        failure,
        ...(options.httpStatus === undefined ? {} : { httpStatus: options.httpStatus }),
      },
    });
    this.provider = provider;
    this.failure = failure;
    this.httpStatus = options.httpStatus;
    this.providerFault = options.providerFault;
    this.detail = detail;
  }
}

/** Responses larger than this are refused unread (an LLM reply is far smaller). */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Statuses that say the request itself was refused: another provider may take it, but this one is not broken. */
const REQUEST_FAULTS = new Set([400, 413, 422]);

export interface ChatCallOptions {
  readonly fetch?: FetchFn;
  /** Aborts the call. A `TimeoutError` reason (AbortSignal.timeout) is a timeout; any other reason is rethrown as is. */
  readonly signal?: AbortSignal;
  readonly maxResponseBytes?: number;
  /** W3C traceparent of the call's span, sent so the provider's side can join the trace. */
  readonly traceparent?: string;
}

/** Sends one chat completion request to `provider` and returns the reply text and token usage. */
export async function chatCompletion(
  provider: LlmProviderConfig,
  request: ChatRequest,
  options: ChatCallOptions = {},
): Promise<ChatReply> {
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (provider.apiKey !== undefined) headers.authorization = `Bearer ${provider.apiKey}`;
  if (options.traceparent !== undefined) headers.traceparent = options.traceparent;
  const body = JSON.stringify({
    model: provider.model,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    temperature: request.temperature ?? 0,
    max_tokens: request.maxTokens ?? 1024,
  });

  let text: string | undefined;
  let response: Response;
  try {
    response = await doFetch(`${provider.baseUrl}/chat/completions`, {
      method: 'POST',
      headers,
      body,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (!response.ok) {
      // NOTE: the body is discarded unread: it may quote the key, and it frees the connection.
      await response.body?.cancel().catch(() => undefined);
      throw httpFailure(provider.name, response.status);
    }
    text = await readLimited(response, options.maxResponseBytes ?? MAX_RESPONSE_BYTES);
  } catch (err) {
    if (err instanceof LlmCallError) throw err;
    throw transportFailure(provider.name, err, options.signal);
  }
  if (text === undefined)
    return malformed(provider.name, `the response exceeded ${options.maxResponseBytes ?? MAX_RESPONSE_BYTES} bytes`);
  return readReply(provider.name, text);
}

function httpFailure(provider: string, status: number): LlmCallError {
  const retryable = status === 429 || status === 408 || status >= 500;
  return new LlmCallError(provider, 'http', `answered HTTP ${status}`, {
    retryable,
    providerFault: !REQUEST_FAULTS.has(status),
    httpStatus: status,
  });
}

function transportFailure(provider: string, err: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted === true) {
    const reason: unknown = signal.reason;
    if (reason instanceof DOMException && reason.name === 'TimeoutError') {
      return new LlmCallError(provider, 'timeout', 'did not answer in time', {
        retryable: true,
        providerFault: true,
        cause: reason,
      });
    }
    // Cancelled by the caller: not the provider's failure, so not classified.
    return reason ?? err;
  }
  return new LlmCallError(provider, 'network', `could not be reached (${networkCode(err)})`, {
    retryable: true,
    providerFault: true,
    cause: err,
  });
}

/** The undici cause code (ECONNREFUSED, UND_ERR_SOCKET, ...) without the address it names. */
function networkCode(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : err instanceof Error ? err.name : 'unknown error';
}

function malformed(provider: string, why: string): never {
  throw new LlmCallError(provider, 'malformed', `sent an unusable response: ${why}`, {
    retryable: false,
    providerFault: true,
  });
}

function readReply(provider: string, text: string): ChatReply {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return malformed(provider, 'the body is not JSON');
  }
  const choice = isRecord(json) && Array.isArray(json.choices) ? (json.choices[0] as unknown) : undefined;
  const message = isRecord(choice) ? choice.message : undefined;
  const content = isRecord(message) ? message.content : undefined;
  if (typeof content !== 'string') return malformed(provider, 'choices[0].message.content is not a string');
  const usage = isRecord(json) && isRecord(json.usage) ? json.usage : {};
  const finish = isRecord(choice) && typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined;
  return {
    text: content,
    promptTokens: tokens(usage.prompt_tokens),
    completionTokens: tokens(usage.completion_tokens),
    finishReason: finish,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const tokens = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);

/** The body as text, or undefined when it is longer than `limit` bytes. */
async function readLimited(response: Response, limit: number): Promise<string | undefined> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    parts.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(parts));
}
