import { repoRoot } from '../forge/git.js';
import { openFixMemory } from '../memory/memory-tier.js';
import type { MemorySize } from '../memory/memory-file.js';
import { openOutcomeLog } from '../routing/job-routing.js';
import { type Period, periodStart } from './cost.js';

/** The `--json` output of `distiq stats` (README "Fix memory and routing"). */
export interface StatsReport {
  period: Period;
  since: string;
  log: string;
  runs: number;
  tasks: number;
  /** Paid or local model calls actually sent. */
  modelCalls: number;
  usd: number;
  cache: { hits: number; pct: number; savedUsd: number; savedTokens: number };
  memory: { hits: number; tried: number; pct: number; savedUsd: number; size: MemorySize };
  spendByTier: Record<string, number>;
  /** Per failure class: how many tasks, which tier solved them, how many stayed unsolved. */
  byClass: Record<string, { tasks: number; solvedBy: Record<string, number>; unsolved: number }>;
}

/** Sums the outcome log for the current UTC day, ISO week or month. */
export async function summarizeStats(
  cwd: string,
  period: Period,
  now = new Date(),
): Promise<StatsReport> {
  const root = await repoRoot(cwd);
  const log = openOutcomeLog(root);
  const since = new Date(periodStart(period, now)).toISOString();
  const { tasks, runs } = log.read(since);
  const sum = (f: (r: (typeof runs)[number]) => number) => runs.reduce((a, r) => a + f(r), 0);
  const modelCalls = sum((r) => r.calls);
  const cacheHits = sum((r) => r.cacheHits);
  const memoryHits = sum((r) => r.memoryHits);
  const spendByTier: Record<string, number> = {};
  for (const r of runs)
    for (const [t, usd] of Object.entries(r.byTier)) spendByTier[t] = (spendByTier[t] ?? 0) + usd;
  const byClass: StatsReport['byClass'] = {};
  for (const t of tasks) {
    const c = (byClass[t.class] ??= { tasks: 0, solvedBy: {}, unsolved: 0 });
    c.tasks++;
    if (t.solvedBy) c.solvedBy[t.solvedBy] = (c.solvedBy[t.solvedBy] ?? 0) + 1;
    else c.unsolved++;
  }
  const pct = (n: number, d: number) => (d > 0 ? Math.round((1000 * n) / d) / 10 : 0);
  return {
    period,
    since,
    log: log.file,
    runs: runs.length,
    tasks: tasks.length,
    modelCalls,
    usd: sum((r) => r.usd),
    cache: {
      hits: cacheHits,
      pct: pct(cacheHits, cacheHits + modelCalls),
      savedUsd: sum((r) => r.cacheSavedUsd),
      savedTokens: sum((r) => r.cacheSavedTokens),
    },
    memory: {
      hits: memoryHits,
      tried: sum((r) => r.memoryTried),
      pct: pct(memoryHits, tasks.length),
      savedUsd: sum((r) => r.memorySavedUsd),
      size: openFixMemory(root).size(),
    },
    spendByTier,
    byClass,
  };
}
