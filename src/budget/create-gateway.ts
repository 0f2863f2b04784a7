// The model gateway over callModel: one budget, price book, recorder, limits and replay cache per
// job; a task's scoped view records its own calls and passes each up to the job.
import { callModel } from './call-model.js';
import { type CallRecord, CallRecorder, ChildRecorder } from './call-record.js';
import { buildCostReport, type CostReport, type FreeRepair } from './cost-report.js';
import type { GatewayOptions, ModelGateway } from './gateway.js';
import type { PriceBook, PricedModel } from './prices.js';

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
