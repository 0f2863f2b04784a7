import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countTokens } from 'gpt-tokenizer';

/** What a scripted turn of the loopback server answers. */
export type LoopbackTurn =
  | {
      content: string;
      finishReason?: 'stop' | 'length';
      completionTokens?: number;
      cachedTokens?: number;
    }
  | { status: number; body: unknown; headers?: Record<string, string> };

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  max_tokens?: number;
  max_completion_tokens?: number;
  response_format?: unknown;
}

/**
 * An OpenAI-compatible server on 127.0.0.1, scripted per test. Responses follow the shapes of
 * OpenAI's Chat Completions reference (choices[].message, finish_reason, usage with
 * prompt_tokens_details.cached_tokens; errors as {"error": {message, type, code}}); prompt
 * tokens are counted from the request with a real tokenizer, as a real server would.
 */
export interface LoopbackOptions {
  /** Answer after this long (a model's latency), to measure parallelism. */
  latencyMs?: number;
  /**
   * Report cached prompt tokens the way OpenAI's automatic prompt caching does: the longest prefix
   * shared with an earlier request, counted only from 1,024 tokens, in steps of 128.
   */
  prefixCache?: boolean;
}

export async function startLoopbackOpenAI(
  script: (body: ChatBody, n: number) => LoopbackTurn | Promise<LoopbackTurn>,
  opts: LoopbackOptions = {},
) {
  const requests: ChatBody[] = [];
  const timeline: { start: number; end: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer(async (req, res) => {
    const body = JSON.parse(await readBody(req)) as ChatBody;
    const n = requests.length;
    const earlier = requests.slice();
    requests.push(body);
    const start = performance.now();
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('finish', () => {
      inFlight--;
      timeline[n] = { start, end: performance.now() };
    });
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    if (req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: { message: 'not found', type: 'invalid_request_error', code: null },
        }),
      );
      return;
    }
    const turn = await script(body, n);
    if ('status' in turn) {
      res
        .writeHead(turn.status, { 'content-type': 'application/json', ...turn.headers })
        .end(JSON.stringify(turn.body));
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(
        JSON.stringify(
          completion(
            body,
            n,
            turn,
            turn.cachedTokens ?? (opts.prefixCache ? cachedPrefix(body, earlier) : 0),
          ),
        ),
      );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    timeline,
    maxInFlight: () => maxInFlight,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A Chat Completions response as OpenAI's reference documents it; prompt tokens counted with a real tokenizer. */
export function completion(
  body: ChatBody,
  n: number,
  turn: { content: string; finishReason?: 'stop' | 'length'; completionTokens?: number },
  cachedTokens = 0,
) {
  const promptTokens = body.messages.reduce((a, m) => a + countTokens(m.content) + 4, 0);
  const completionTokens = turn.completionTokens ?? countTokens(turn.content);
  return {
    id: `chatcmpl-loop${n}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: turn.content, refusal: null },
        logprobs: null,
        finish_reason: turn.finishReason ?? 'stop',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cachedTokens },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

/** Tokens of the longest message prefix shared with an earlier request, as OpenAI bills cache hits. */
export function cachedPrefix(body: ChatBody, earlier: ChatBody[]): number {
  const text = (b: ChatBody) => b.messages.map((m) => `${m.role}\n${m.content}\n`).join('');
  const mine = text(body);
  let best = 0;
  for (const e of earlier) {
    const other = text(e);
    let i = 0;
    while (i < mine.length && i < other.length && mine[i] === other[i]) i++;
    best = Math.max(best, i);
  }
  const tokens = countTokens(mine.slice(0, best));
  return tokens < 1024 ? 0 : Math.floor(tokens / 128) * 128;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

export const edits = (...e: { path: string; search: string; replace: string }[]) =>
  JSON.stringify({ edits: e });
