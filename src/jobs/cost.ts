import { existsSync } from 'node:fs';
import { Ledger, ledgerFile } from '../budget/ledger.js';
import { loadJobConfig } from '../validation/job-config.js';
import { repoRoot } from '../forge/git.js';

export type Period = 'day' | 'week' | 'month';

export interface CostSummary {
  period: Period;
  since: string;
  ledger: string;
  usd: number;
  calls: number;
  runs: number;
  byModel: {
    tier: string;
    provider: string;
    model: string;
    calls: number;
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheWriteTokens: number;
    usd: number;
  }[];
  limits: { perRun: number; daily: number | null; monthly: number | null };
}

/** Spend recorded in the repo's ledger for the current UTC day, ISO week (from Monday) or month. */
export async function summarizeCost(
  cwd: string,
  period: Period,
  configFile?: string,
  now = new Date(),
): Promise<CostSummary> {
  const root = await repoRoot(cwd);
  const { config } = await loadJobConfig(root, configFile);
  const file = ledgerFile(root, config.budget.ledger);
  const since = periodStart(period, now);
  const out: CostSummary = {
    period,
    since: new Date(since).toISOString(),
    ledger: file,
    usd: 0,
    calls: 0,
    runs: 0,
    byModel: [],
    limits: {
      perRun: config.budget.perRun,
      daily: config.budget.daily ?? null,
      monthly: config.budget.monthly ?? null,
    },
  };
  if (!existsSync(file)) return out;
  const state = await new Ledger(file).read();
  const runs = new Set<string>();
  const models = new Map<string, CostSummary['byModel'][number]>();
  for (const s of state.settled) {
    if (s.at < since) continue;
    runs.add(s.run);
    out.usd += s.usd;
    out.calls++;
    const e = s.entry;
    const key = `${e.tier}|${e.provider}|${e.model}`;
    const m = models.get(key) ?? {
      tier: e.tier ?? '?',
      provider: e.provider ?? '?',
      model: e.model ?? '?',
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      usd: 0,
    };
    m.calls++;
    m.usd += e.usd;
    m.inputTokens += e.usage?.inputTokens ?? 0;
    m.outputTokens += e.usage?.outputTokens ?? 0;
    m.cacheReadTokens += e.usage?.cacheReadTokens ?? 0;
    m.cacheWriteTokens += e.usage?.cacheWriteTokens ?? 0;
    models.set(key, m);
  }
  out.runs = runs.size;
  out.byModel = [...models.values()].sort((a, b) => b.usd - a.usd);
  return out;
}

export function periodStart(period: Period, now: Date): number {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  if (period === 'month') return Date.UTC(y, m, 1);
  if (period === 'day') return Date.UTC(y, m, d);
  const weekday = (now.getUTCDay() + 6) % 7; // Monday = 0
  return Date.UTC(y, m, d - weekday);
}
