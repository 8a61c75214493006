// A fake OpenAI-compatible LLM over real HTTP on 127.0.0.1: POST /v1/chat/completions answers
// as its behaviour says (ok, fail, hang, slow, malformed) or from a queue of scripted replies,
// and records every request. The upstream LLM is a true external boundary, so tests fake it here.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeChatMessage {
  readonly role: string;
  readonly content: string;
}

export interface FakeChatBody {
  readonly model: string;
  readonly messages: readonly FakeChatMessage[];
  readonly temperature?: number;
  readonly max_tokens?: number;
}

export interface RecordedRequest {
  readonly body: FakeChatBody;
  readonly authorization: string | undefined;
  readonly traceparent: string | undefined;
}

export type FakeReply = string | ((messages: readonly FakeChatMessage[]) => string);

export type FakeBehaviour =
  | {
      readonly kind: 'ok';
      readonly reply?: FakeReply;
      readonly usage?: { readonly prompt: number; readonly completion: number };
    }
  | { readonly kind: 'fail'; readonly status: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'slow'; readonly ms: number; readonly reply?: FakeReply }
  | { readonly kind: 'malformed'; readonly shape?: 'not-json' | 'no-choices' | 'null-content' };

/** The default reply: a small, valid extraction. */
export const DEFAULT_REPLY =
  '{"entities":[{"name":"Payments Gateway","type":"service","description":"Takes payments."}],"relations":[]}';
export const DEFAULT_USAGE = { prompt: 120, completion: 30 } as const;

export interface FakeOpenAi {
  /** `http://127.0.0.1:PORT/v1` */
  readonly baseUrl: string;
  readonly requests: readonly RecordedRequest[];
  readonly count: number;
  /** What every request gets once the script is used up. */
  behave(behaviour: FakeBehaviour): void;
  /** Replies for the next requests, in order; a string is an `ok` reply with that text. */
  script(...replies: (FakeBehaviour | string)[]): void;
  /** Closes the server and every open socket, hanging requests included. */
  close(): Promise<void>;
}

/** Starts a fake on an ephemeral loopback port. */
export async function startFakeOpenAi(opts: { behaviour?: FakeBehaviour } = {}): Promise<FakeOpenAi> {
  let behaviour: FakeBehaviour = opts.behaviour ?? { kind: 'ok' };
  const queue: FakeBehaviour[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: FakeChatBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeChatBody;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json"}}');
      return;
    }
    requests.push({
      body,
      authorization: req.headers.authorization,
      traceparent: typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined,
    });
    const now = queue.shift() ?? behaviour;
    switch (now.kind) {
      case 'ok':
        answer(res, body, now.reply, now.usage);
        return;
      case 'fail':
        res
          .writeHead(now.status, { 'content-type': 'application/json' })
          .end(`{"error":{"message":"scripted failure ${now.status}"}}`);
        return;
      case 'hang':
        return; // NOTE: never answered; close() destroys the socket.
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer(res, body, now.reply, undefined);
        }, now.ms);
        timers.add(timer);
        return;
      }
      case 'malformed': {
        const shape = now.shape ?? 'not-json';
        const text =
          shape === 'not-json'
            ? '<html>upstream proxy error</html>'
            : shape === 'no-choices'
              ? '{"id":"cmpl-1","object":"chat.completion"}'
              : '{"choices":[{"index":0,"message":{"role":"assistant","content":null}}]}';
        res.writeHead(200, { 'content-type': shape === 'not-json' ? 'text/html' : 'application/json' }).end(text);
        return;
      }
      default: {
        const never: never = now;
        throw new Error(`unknown behaviour ${String(never)}`);
      }
    }
  }

  function answer(
    res: ServerResponse,
    body: FakeChatBody,
    reply: FakeReply | undefined,
    usage: { prompt: number; completion: number } | undefined,
  ): void {
    if (res.destroyed) return;
    const content = reply === undefined ? DEFAULT_REPLY : typeof reply === 'string' ? reply : reply(body.messages);
    const u = usage ?? DEFAULT_USAGE;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `cmpl-${requests.length}`,
        object: 'chat.completion',
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion },
      }),
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get count() {
      return requests.length;
    },
    behave(b) {
      behaviour = b;
    },
    script(...replies) {
      queue.push(...replies.map((r): FakeBehaviour => (typeof r === 'string' ? { kind: 'ok', reply: r } : r)));
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
