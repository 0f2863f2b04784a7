import { DistiqError, ExitCode } from '../errors.js';
import { ProviderError } from '../providers/errors.js';
import type { ChatMessage, ChatRequest, ChatResult, Provider, Usage } from '../providers/types.js';
import type { Budget } from './budget.js';
import { estimateInputTokens } from './estimate-tokens.js';
import { makeRedactor } from '../security/secrets.js';
import type { PriceBook, PricedModel } from './prices.js';
import type { ReplayCache } from '../memory/replay-cache.js';

/** One rung of a tier ladder: a provider + model, with how to price it. */
export interface LadderStep {
  tier: string;
  provider: Provider;
  model: string;
  priced: PricedModel;
}

export interface CallRecord {
  tier: string;
  provider: string;
  model: string;
  usage: Usage;
  usd: number;
  /** ok: a usable answer; failed: billed or possibly billed, but not usable. */
  outcome: 'ok' | 'failed';
  reason?: string;
  /** The cost is the reserved worst case (a timed-out call may have been billed). */
  estimated?: boolean;
  latencyMs: number;
}

/** Every attempt, in order: the report's cost table is their sum. */
export class CallRecorder {
  readonly records: CallRecord[] = [];
  add(r: CallRecord): void {
    this.records.push(r);
  }
  totalUsd(): number {
    return this.records.reduce((a, r) => a + r.usd, 0);
  }
}

export class ModelCallFailedError extends DistiqError {
  constructor(readonly reasons: string[]) {
    super(`Every model on the ladder failed: ${reasons.join('; ')}`, ExitCode.NOT_FIXED);
  }
}

export interface CallModelOptions {
  steps: LadderStep[];
  request: ChatRequest;
  budget: Budget;
  prices: PriceBook;
  recorder: CallRecorder;
  /** Checks parsed JSON; returns a problem to feed back, or null when it is acceptable. */
  validate?: (json: unknown) => string | null;
  maxRetries?: number;
  backoff?: { baseMs: number; maxMs: number };
  sleep?: (ms: number) => Promise<void>;
  onEvent?: (message: string) => void;
  /** Applied to every message before it is sent (default: token shapes and secret env values). */
  redact?: (text: string) => string;
  /** Exact replay cache: an identical request is answered from it at $0, nothing reserved. */
  cache?: ReplayCache;
}

export interface CallModelResult {
  result: ChatResult;
  json?: unknown;
  step: LadderStep;
  /** Why earlier steps were passed over (recorded in reports). */
  escalations: string[];
}

const MAX_RETRY_AFTER_MS = 60_000;
const CORRECTIONS = 1;

/**
 * The one function every model call goes through: it walks the ladder, reserves the worst case
 * before each request, settles the real cost after, retries only retryable faults (honouring
 * retry-after), gives a malformed or truncated answer one corrective retry, and never applies
 * anything itself. BudgetExceededError propagates: the run stops cleanly.
 */
export async function callModel(o: CallModelOptions): Promise<CallModelResult> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxRetries = o.maxRetries ?? 3;
  const backoff = o.backoff ?? { baseMs: 1000, maxMs: 20_000 };
  const escalations: string[] = [];
  // No secret enters a prompt: repo files and tool output can hold tokens; they are masked before any send.
  const redact = o.redact ?? makeRedactor();
  const request: ChatRequest = { ...o.request, messages: o.request.messages.map((m) => ({ ...m, content: redact(m.content) })) };
  for (const step of o.steps) {
    const label = `${step.tier}/${step.provider.name}/${step.model}`;
    let messages: ChatMessage[] = request.messages;
    let retries = 0;
    let corrections = 0;
    for (;;) {
      const req = { ...request, messages };
      const replay = o.cache?.lookup(step, req, (r) => inspect(r, o));
      if (replay) return { ...replay, step, escalations };
      const worst = o.prices.worstCase(step.priced, await estimateInputTokens(req, step.provider.type), req.maxOutputTokens);
      const meta = { tier: step.tier, provider: step.provider.name, model: step.model };
      const reservation = await o.budget.reserve(worst, meta);
      let result: ChatResult;
      try {
        result = await step.provider.chat(step.model, req);
      } catch (err) {
        if (!(err instanceof ProviderError)) {
          await o.budget.release(reservation);
          throw err;
        }
        // A timeout may have been billed: count it at the reserved worst case. Refused requests were not.
        const billed = err.fault === 'timeout' || err.fault === 'aborted';
        if (billed) await o.budget.settle(reservation, worst, { ...meta, outcome: err.fault });
        else await o.budget.release(reservation);
        o.recorder.add({ ...meta, usage: err.usage ?? zero(), usd: billed ? worst : 0, outcome: 'failed', reason: err.fault, estimated: billed, latencyMs: 0 });
        if (err.fault === 'aborted') throw err;
        const wait = err.retryAfterMs ?? Math.min(backoff.maxMs, backoff.baseMs * 2 ** retries) * (0.5 + Math.random() / 2);
        if (err.retryable && retries < maxRetries && wait <= MAX_RETRY_AFTER_MS) {
          retries++;
          o.onEvent?.(`${label}: ${err.fault}${err.status ? ` (HTTP ${err.status})` : ''}, retry ${retries}/${maxRetries} in ${Math.round(wait)} ms`);
          await sleep(wait);
          continue;
        }
        escalations.push(`${label}: ${err.fault}${err.status ? ` (HTTP ${err.status})` : ''}`);
        break;
      }
      const usd = o.prices.cost(step.priced, result.usage, { latencyMs: result.latencyMs });
      await o.budget.settle(reservation, usd, { ...meta, usage: result.usage, outcome: result.finishReason });
      const { json, problem } = inspect(result, o);
      o.recorder.add({ ...meta, usage: result.usage, usd, outcome: problem ? 'failed' : 'ok', ...(problem ? { reason: problem } : {}), latencyMs: result.latencyMs });
      if (!problem) o.cache?.store(step, req, result, usd, json);
      if (!problem) return { result, ...(json !== undefined ? { json } : {}), step, escalations };
      if (result.finishReason !== 'refusal' && corrections < CORRECTIONS) {
        corrections++;
        o.onEvent?.(`${label}: ${problem}; asking once more`);
        messages = [...request.messages, { role: 'assistant', content: redact(result.text.slice(0, 4000)) }, { role: 'user', content: `That answer was rejected: ${problem}. Reply again with only the JSON object the schema describes, complete and shorter if needed.` }];
        continue;
      }
      escalations.push(`${label}: ${problem}`);
      break;
    }
  }
  throw new ModelCallFailedError(escalations);
}

function inspect(result: ChatResult, o: CallModelOptions): { json?: unknown; problem: string | null } {
  if (result.finishReason === 'length') return { problem: `the answer was cut at the ${o.request.maxOutputTokens}-token limit` };
  if (result.finishReason === 'refusal') return { problem: 'the model refused' };
  if (!o.request.jsonSchema) return { problem: null };
  let json = result.json;
  if (json === undefined) {
    try {
      json = JSON.parse(stripFences(result.text));
    } catch (err) {
      return { problem: `the answer is not valid JSON (${err instanceof Error ? err.message : String(err)})` };
    }
  }
  const problem = o.validate?.(json) ?? null;
  return problem ? { json, problem: `the JSON does not match the schema: ${problem}` } : { json, problem: null };
}

function stripFences(text: string): string {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(text);
  return m ? m[1]! : text;
}

function zero(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 };
}
