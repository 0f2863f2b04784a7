import { calcPrice } from '@pydantic/genai-prices';
import { DistiqError, ExitCode } from '../errors.js';
import type { Usage } from '../providers/types.js';

/** USD per million tokens, for models the price library does not know (or to override it). */
export interface PriceOverride {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  cacheWrite1h?: number;
}

export interface PricedModel {
  /** genai-prices provider id: anthropic, openai, deepseek, groq, … (or null for local models). */
  pricingProvider: string | null;
  /** For OpenAI-compatible endpoints the library can also match the provider by its API URL. */
  apiUrl?: string;
  model: string;
  /** Local models: $/hour of the runner, charged by latency (0 when unset). */
  perHourUsd?: number;
}

export class UnknownPriceError extends DistiqError {
  constructor(model: string, provider: string | null) {
    super(
      `No price known for model ${model}${provider ? ` (provider ${provider})` : ''}: refusing to spend without one`,
      ExitCode.USAGE,
      `Add it under "prices" in the distiq config, e.g. {"prices": {"${model}": {"input": 0.5, "output": 1.5}}} (USD per million tokens).`,
    );
  }
}

/**
 * Prices every call from the maintained price data in @pydantic/genai-prices (bundled, offline),
 * with per-model overrides from the config. Unknown models fail closed before any spend.
 */
export class PriceBook {
  constructor(
    private readonly overrides: Record<string, PriceOverride> = {},
    /** Message Batches and OpenAI Batch bill 50% of the list price. */
    private readonly batchDiscount = 0.5,
  ) {}

  cost(m: PricedModel, usage: Usage, opts: { batch?: boolean; latencyMs?: number } = {}): number {
    if (m.pricingProvider === null)
      return m.perHourUsd ? (m.perHourUsd * (opts.latencyMs ?? 0)) / 3_600_000 : 0;
    const base = this.listPrice(m, usage);
    return opts.batch ? base * this.batchDiscount : base;
  }

  /**
   * The most a request can cost: every input token at the dearest input rate (a cache write can
   * cost more than plain input) plus every allowed output token, at list price.
   */
  worstCase(m: PricedModel, inputTokens: number, maxOutputTokens: number): number {
    if (m.pricingProvider === null) return 0;
    const variants: Usage[] = [
      {
        inputTokens,
        outputTokens: maxOutputTokens,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 0,
      },
      {
        inputTokens,
        outputTokens: maxOutputTokens,
        cacheReadTokens: 0,
        cacheWriteTokens: inputTokens,
        cacheWrite1hTokens: 0,
      },
      {
        inputTokens,
        outputTokens: maxOutputTokens,
        cacheReadTokens: 0,
        cacheWriteTokens: inputTokens,
        cacheWrite1hTokens: inputTokens,
      },
    ];
    return Math.max(...variants.map((u) => this.listPrice(m, u)));
  }

  /** Throws UnknownPriceError when neither an override nor the library knows the model. */
  assertKnown(m: PricedModel): void {
    this.worstCase(m, 1, 1);
  }

  private listPrice(m: PricedModel, u: Usage): number {
    const o = this.overrides[m.model] ?? this.overrides[`${m.pricingProvider}/${m.model}`];
    if (o) {
      const uncached = u.inputTokens - u.cacheReadTokens - u.cacheWriteTokens;
      const write5m = u.cacheWriteTokens - u.cacheWrite1hTokens;
      return (
        (uncached * o.input +
          u.cacheReadTokens * (o.cacheRead ?? o.input) +
          write5m * (o.cacheWrite ?? o.input) +
          u.cacheWrite1hTokens * (o.cacheWrite1h ?? o.cacheWrite ?? o.input) +
          u.outputTokens * o.output) /
        1e6
      );
    }
    const usage = {
      input_tokens: u.inputTokens,
      output_tokens: u.outputTokens,
      ...(u.cacheReadTokens ? { cache_read_tokens: u.cacheReadTokens } : {}),
      ...(u.cacheWriteTokens ? { cache_write_tokens: u.cacheWriteTokens } : {}),
      ...(u.cacheWrite1hTokens ? { cache_write_1h_tokens: u.cacheWrite1hTokens } : {}),
    };
    const price = calcPrice(usage, m.model, {
      ...(m.pricingProvider ? { providerId: m.pricingProvider } : {}),
      ...(m.apiUrl ? { providerApiUrl: m.apiUrl } : {}),
    });
    if (!price) throw new UnknownPriceError(m.model, m.pricingProvider);
    return price.total_price;
  }
}
