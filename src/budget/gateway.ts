import type { ReplayCache } from '../memory/replay-cache.js';
import type { ChatMessage } from '../providers/types.js';
import type { Budget } from './budget.js';
import {
  type CallModelResult,
  type CallRecord,
  CallRecorder,
  callModel,
  type LadderStep,
} from './call-model.js';
import { buildCostReport, type CostReport, type FreeRepair } from './cost-report.js';
import type { PriceBook, PricedModel } from './prices.js';

/** The per-job limits every call of the job shares. */
export interface GatewayLimits {
  /** The run's cap in USD (the cost report shows it). */
  perRun: number;
  maxOutputTokens: number;
  maxRetries: number;
}

/** One model request: what a stage asks, without any of the money plumbing. */
export interface GatewayRequest {
  messages: ChatMessage[];
  /** Structured output: the JSON schema the answer must follow. */
  schema?: { name: string; schema: Record<string, unknown> };
  /** Checks parsed JSON; returns a problem to feed back, or null when it is acceptable. */
  validate?: (json: unknown) => string | null;
  /** Default: the gateway's limit. */
  maxOutputTokens?: number;
  signal?: AbortSignal;
  /** Default: the gateway's limit. */
  maxRetries?: number;
  onEvent?: (message: string) => void;
  /** Answer identical requests from the replay cache at $0 (the fix executor opts in). */
  replay?: boolean;
}

/** A tier ladder (or just its steps): the rungs a call may climb for provider fallback. */
export type GatewayLadder = LadderStep[] | { steps: LadderStep[] };

/**
 * The model gateway: the one object a stage holds to call a model and to price the job. It owns the
 * budget, prices, call recorder, limits and replay cache, so the stages' dependency bags carry
 * only `gateway` (issue #17).
 */
export interface ModelGateway {
  readonly prices: PriceBook;
  readonly limits: GatewayLimits;
  /** The exact replay cache (fix memory stores into it at the end of the job). */
  readonly replayCache?: ReplayCache;
  call(ladder: GatewayLadder, request: GatewayRequest): Promise<CallModelResult>;
  /** Every attempt recorded through this gateway, in order. */
  records(): readonly CallRecord[];
  /** The USD of those attempts. */
  spent(): number;
  /** The cost block of a report: always the sum of the recorded attempts. */
  cost(free?: { autofixCalls: number; freeRepairs: FreeRepair[] }): CostReport;
  /**
   * The cost block of records that did not all pass through this gateway (shard files merged,
   * several jobs of one Action event), priced with this gateway's prices and baseline.
   */
  costOf(records: readonly CallRecord[], perRun?: number): CostReport;
  /**
   * A view for one task: its own record list (and its own faulty-provider memory), every record
   * also passed up to this gateway; budget, prices, limits and cache are shared.
   */
  scoped(): ModelGateway;
  /** Forgets a cached answer that was later rejected (replay cache). */
  forget(json: unknown): void;
}

export interface GatewayOptions {
  budget: Budget;
  prices: PriceBook;
  baseline: PricedModel & { label: string };
  limits: GatewayLimits;
  recorder?: CallRecorder;
  replayCache?: ReplayCache;
  /** Tests: no real waiting between retries. */
  sleep?: (ms: number) => Promise<void>;
}

export function createGateway(o: GatewayOptions): ModelGateway {
  return makeGateway(o, o.recorder ?? new CallRecorder());
}

function makeGateway(o: GatewayOptions, recorder: CallRecorder): ModelGateway {
  const gateway: ModelGateway = {
    prices: o.prices,
    limits: o.limits,
    ...(o.replayCache ? { replayCache: o.replayCache } : {}),
    call: (ladder, r) =>
      callModel({
        steps: Array.isArray(ladder) ? ladder : ladder.steps,
        request: {
          messages: r.messages,
          ...(r.schema ? { jsonSchema: r.schema } : {}),
          maxOutputTokens: r.maxOutputTokens ?? o.limits.maxOutputTokens,
          ...(r.signal ? { signal: r.signal } : {}),
        },
        budget: o.budget,
        prices: o.prices,
        recorder,
        maxRetries: r.maxRetries ?? o.limits.maxRetries,
        ...(r.validate ? { validate: r.validate } : {}),
        ...(r.onEvent ? { onEvent: r.onEvent } : {}),
        ...(r.replay && o.replayCache ? { cache: o.replayCache } : {}),
        ...(o.sleep ? { sleep: o.sleep } : {}),
      }),
    records: () => recorder.records,
    spent: () => recorder.totalUsd(),
    cost: (free) =>
      costReport(recorder.records, {
        prices: o.prices,
        baseline: o.baseline,
        perRun: o.limits.perRun,
        ...free,
      }),
    costOf: (records, perRun = o.limits.perRun) =>
      costReport(records, { prices: o.prices, baseline: o.baseline, perRun }),
    scoped: () => makeGateway(o, new ChildRecorder(recorder)),
    forget: (json) => o.replayCache?.forget(json),
  };
  return gateway;
}

/** The one way a cost block is built: the spent figure is the sum of the records. */
function costReport(
  records: readonly CallRecord[],
  o: {
    prices: PriceBook;
    baseline: PricedModel & { label: string };
    perRun: number;
    autofixCalls?: number;
    freeRepairs?: FreeRepair[];
  },
): CostReport {
  return buildCostReport({
    records: [...records],
    autofixCalls: o.autofixCalls ?? 0,
    freeRepairs: o.freeRepairs ?? [],
    prices: o.prices,
    baseline: o.baseline,
    budget: { perRun: o.perRun, spentThisRun: records.reduce((a, r) => a + r.usd, 0) },
  });
}

/** Records one task's calls and passes them on to the job's recorder. */
class ChildRecorder extends CallRecorder {
  constructor(private readonly parent: CallRecorder) {
    super();
  }
  override add(r: CallRecord): void {
    super.add(r);
    this.parent.add(r);
  }
}
