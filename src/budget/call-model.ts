import { DistiqError, ExitCode } from '../errors.js';
import { withDeadline } from '../providers/deadline.js';
import { ProviderError, excerpt } from '../providers/errors.js';
import type { ChatMessage, ChatRequest, ChatResult, Provider, Usage } from '../providers/types.js';
import type { Budget } from './budget.js';
import type { CallRecorder } from './call-record.js';
import { maxAcceptedInput, usageProblem } from './check-usage.js';
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
  /** Total deadline of one request (connect, headers and body); default 120 s. */
  timeoutMs?: number;
}

// The record types live apart from the calling; importers of this module still find them here.
export { type CallRecord, CallRecorder } from './call-record.js';

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
export const DEFAULT_DEADLINE_MS = 120_000;
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
  const request: ChatRequest = {
    ...o.request,
    messages: o.request.messages.map((m) => ({ ...m, content: redact(m.content) })),
  };
  for (const step of o.steps) {
    const label = `${step.tier}/${step.provider.name}/${step.model}`;
    const known = o.recorder.faulty.get(step.provider.name);
    if (known) {
      escalations.push(`${label}: skipped, the provider misbehaved earlier in this run (${known})`);
      continue;
    }
    let messages: ChatMessage[] = request.messages;
    let retries = 0;
    let corrections = 0;
    for (;;) {
      const req = { ...request, messages };
      const replay = o.cache?.lookup(step, req, (r) => inspect(r, o));
      if (replay) return { ...replay, step, escalations };
      // The reservation is the most an answer we would accept can cost (see check-usage.ts).
      const maxInput = maxAcceptedInput(await estimateInputTokens(req, step.provider.type));
      const worst = o.prices.worstCase(step.priced, maxInput, req.maxOutputTokens);
      const meta = { tier: step.tier, provider: step.provider.name, model: step.model };
      const reservation = await o.budget.reserve(worst, meta);
      // Charged at the reservation: the call may have been billed and its real cost is unknown.
      const chargeWorst = async (outcome: string, reason: string, usage: Usage = zero()) => {
        await o.budget.settle(reservation, worst, { ...meta, outcome, reason: redact(reason) });
        o.recorder.add({
          ...meta,
          usage,
          usd: worst,
          outcome: 'failed',
          reason: outcome,
          detail: redact(reason),
          estimated: true,
          latencyMs: 0,
        });
      };
      let result: ChatResult;
      try {
        // An in-process model is bounded by its token limit and cannot stall on a socket: no deadline.
        const chat = (signal?: AbortSignal) =>
          step.provider.chat(step.model, { ...req, ...(signal ? { signal } : {}) });
        result =
          step.provider.type === 'llama'
            ? await chat()
            : await withDeadline(
                step.timeoutMs ?? DEFAULT_DEADLINE_MS,
                req.signal,
                step.provider.name,
                chat,
              );
      } catch (thrown) {
        // Anything else a backend throws after the request left is its fault, not a crash of the run.
        const err =
          thrown instanceof ProviderError
            ? thrown
            : new ProviderError(
                `${step.provider.name}: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
                'bad-response',
                step.provider.name,
              );
        const why = `${err.fault}${err.status ? ` (HTTP ${err.status})` : ''}: ${excerpt(redact(err.message))}`;
        // A timeout or a malformed answer may have been billed: the reservation. A refused request was not.
        const billed =
          err.fault === 'timeout' || err.fault === 'aborted' || err.fault === 'bad-response';
        if (billed) await chargeWorst(err.fault, err.message);
        else {
          await o.budget.release(reservation);
          o.recorder.add({
            ...meta,
            usage: zero(),
            usd: 0,
            outcome: 'failed',
            reason: err.fault,
            detail: redact(err.message),
            latencyMs: 0,
          });
        }
        if (err.fault === 'aborted') throw err;
        if (err.fault === 'timeout' || err.fault === 'bad-response') {
          // Waiting again, or believing it again, would cost another worst case: next rung, for the whole run.
          o.recorder.faulty.set(step.provider.name, why);
          escalations.push(`${label}: ${why}`);
          break;
        }
        const wait =
          err.retryAfterMs ??
          Math.min(backoff.maxMs, backoff.baseMs * 2 ** retries) * (0.5 + Math.random() / 2);
        if (err.retryable && retries < maxRetries && wait <= MAX_RETRY_AFTER_MS) {
          retries++;
          o.onEvent?.(
            `${label}: ${err.fault}${err.status ? ` (HTTP ${err.status})` : ''}, retry ${retries}/${maxRetries} in ${Math.round(wait)} ms`,
          );
          await sleep(wait);
          continue;
        }
        escalations.push(`${label}: ${why}`);
        break;
      }
      // Usage is checked, never trusted: a lie is charged the reservation and ends the provider's run.
      const bounds =
        step.priced.pricingProvider === null
          ? undefined
          : { maxInput, maxOutput: req.maxOutputTokens };
      const lie = usageProblem(result.usage, bounds);
      if (lie) {
        await chargeWorst('invalid-usage', lie);
        o.recorder.faulty.set(step.provider.name, lie);
        escalations.push(redact(`${label}: ${lie}`));
        break;
      }
      let usd: number;
      let priceProblem: string | undefined;
      try {
        usd = o.prices.cost(step.priced, result.usage, { latencyMs: result.latencyMs });
        if (!(usd >= 0 && Number.isFinite(usd))) throw new Error(`the price came out as ${usd}`);
      } catch (err) {
        priceProblem = `pricing failed (${err instanceof Error ? err.message : String(err)}), charged the reservation`;
        usd = worst;
      }
      await o.budget.settle(reservation, usd, {
        ...meta,
        usage: result.usage,
        outcome: result.finishReason,
        ...(priceProblem ? { reason: priceProblem } : {}),
      });
      const { json, problem } = inspect(result, o);
      o.recorder.add({
        ...meta,
        usage: result.usage,
        usd,
        outcome: problem ? 'failed' : 'ok',
        ...(problem ? { reason: problem } : {}),
        ...(priceProblem ? { detail: priceProblem, estimated: true } : {}),
        latencyMs: result.latencyMs,
      });
      if (!problem) o.cache?.store(step, req, result, usd, json);
      if (!problem) return { result, ...(json !== undefined ? { json } : {}), step, escalations };
      if (result.finishReason !== 'refusal' && corrections < CORRECTIONS) {
        corrections++;
        o.onEvent?.(redact(`${label}: ${problem}; asking once more`));
        messages = [
          ...request.messages,
          { role: 'assistant', content: redact(result.text.slice(0, 4000)) },
          {
            role: 'user',
            content: redact(
              `That answer was rejected: ${problem}. Reply again with only the JSON object the schema describes, complete and shorter if needed.`,
            ),
          },
        ];
        continue;
      }
      escalations.push(redact(`${label}: ${problem}`));
      break;
    }
  }
  throw new ModelCallFailedError(escalations);
}

function inspect(
  result: ChatResult,
  o: CallModelOptions,
): { json?: unknown; problem: string | null } {
  if (result.finishReason === 'length')
    return { problem: `the answer was cut at the ${o.request.maxOutputTokens}-token limit` };
  if (result.finishReason === 'refusal') return { problem: 'the model refused' };
  if (!o.request.jsonSchema) return { problem: null };
  let json = result.json;
  if (json === undefined) {
    try {
      json = JSON.parse(stripFences(result.text));
    } catch (err) {
      return {
        problem: `the answer is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      };
    }
  }
  const problem = o.validate?.(json) ?? null;
  return problem
    ? { json, problem: `the JSON does not match the schema: ${problem}` }
    : { json, problem: null };
}

function stripFences(text: string): string {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(text);
  return m ? m[1]! : text;
}

function zero(): Usage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
  };
}
