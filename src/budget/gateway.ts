// The model gateway seam: what a stage may ask of it. createGateway (create-gateway.ts) builds one.
import type { ReplayCache } from '../memory/replay-cache.js';
import type { ChatMessage } from '../providers/types.js';
import type { Budget } from './budget.js';
import type { CallModelResult, LadderStep } from './call-model.js';
import type { CallRecord, CallRecorder } from './call-record.js';
import type { CostReport, FreeRepair } from './cost-report.js';
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

/** What createGateway needs: the job's budget, prices, baseline and limits. */
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
