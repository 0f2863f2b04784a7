import type { PlanTask } from '../plan/types.js';
import type { Shard } from './plan-file.js';
import { TIER_NAMES } from '../config/tiers.js';

/** Cheapest first: the one tier order (config/tiers). */
const TIER_ORDER: readonly string[] = TIER_NAMES;

/**
 * Splits a plan into shards for a GitHub Actions matrix: tasks linked by a dependency or by a shared
 * file stay together (so shards never touch the same files and dependencies never cross runners),
 * then the groups are packed largest first onto the least-loaded shard. Tasks of different starting
 * tiers are kept apart when possible, so a shard maps to one kind of runner.
 */
export function shardPlan(
  tasks: PlanTask[],
  opts: { shards?: number; maxTasksPerShard?: number; budgetUsd: number },
): Shard[] {
  const parent = new Map(tasks.map((t) => [t.id, t.id]));
  const find = (id: string): string =>
    parent.get(id) === id ? id : (parent.set(id, find(parent.get(id)!)), parent.get(id)!);
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  const byFile = new Map<string, string>();
  for (const t of tasks) {
    for (const d of t.dependsOn) if (parent.has(d)) union(t.id, d);
    // An empty scope means "anywhere": it cannot share a runner boundary with anything.
    for (const f of t.files.length ? t.files : ['*']) {
      const other = byFile.get(f);
      if (other) union(t.id, other);
      else byFile.set(f, t.id);
    }
    if (t.files.length === 0) for (const o of tasks) union(t.id, o.id);
  }
  const groups = new Map<string, PlanTask[]>();
  for (const t of tasks) groups.set(find(t.id), [...(groups.get(find(t.id)) ?? []), t]);
  const sorted = [...groups.values()].sort(
    (a, b) => b.length - a.length || a[0]!.id.localeCompare(b[0]!.id),
  );
  const wanted =
    opts.shards ?? (opts.maxTasksPerShard ? Math.ceil(tasks.length / opts.maxTasksPerShard) : 1);
  const count = Math.max(1, Math.min(wanted, sorted.length));
  const bins: PlanTask[][] = Array.from({ length: count }, () => []);
  for (const g of sorted) {
    const tier = startTier(g);
    // Least loaded; among equals, one already holding this tier.
    const best = bins
      .map((b, i) => ({ i, load: b.length, same: b.length === 0 || startTier(b) === tier }))
      .sort((x, y) => x.load - y.load || Number(y.same) - Number(x.same) || x.i - y.i)[0]!;
    bins[best.i]!.push(...g);
  }
  const used = bins.filter((b) => b.length > 0);
  return used.map((b, i) => ({
    shard: i,
    tasks: b.map((t) => t.id),
    tier: startTier(b),
    budgetUsd: round6(opts.budgetUsd / used.length),
  }));
}

function startTier(tasks: PlanTask[]): string {
  return (
    tasks.map((t) => t.tier).sort((a, b) => TIER_ORDER.indexOf(a) - TIER_ORDER.indexOf(b))[0] ??
    'cheap'
  );
}

function round6(n: number): number {
  return Math.floor(n * 1e6) / 1e6;
}

/** The `strategy.matrix` value: `{"include": [{"shard": 0, "tasks": "t1,t4", "tier": "cheap"}, …]}`. */
export function matrixJson(shards: Shard[]): string {
  return JSON.stringify({
    include: shards.map((s) => ({ shard: s.shard, tasks: s.tasks.join(','), tier: s.tier })),
  });
}
