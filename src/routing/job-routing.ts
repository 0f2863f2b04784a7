import path from 'node:path';
import type { ModelGateway } from '../budget/gateway.js';
import type { TierName } from '../config/schema.js';
import { memoryStateDir } from '../memory/state.js';
import { estimateTasks } from '../plan/estimate.js';
import type { PlanTask } from '../plan/types.js';
import type { ChatMessage } from '../providers/types.js';
import type { FixReport } from '../report/fix-report.js';
import type { Failure } from '../validation/failure.js';
import {
  failureClass,
  OutcomeLog,
  type RunOutcomeLine,
  type TaskOutcomeLine,
} from './outcome-log.js';
import { chooseStartTier, type RouteDecision } from './route.js';
import type { TierLadder } from './router.js';

export function openOutcomeLog(root: string): OutcomeLog {
  return new OutcomeLog(path.join(memoryStateDir(root), 'outcomes.jsonl'));
}

/**
 * Outcome-aware routing for one job: each model task's start tier is chosen from the repo's
 * outcome log before the tasks run; every task's outcome and the run's totals are appended after.
 */
export class JobRouting {
  readonly log: OutcomeLog;
  readonly routes = new Map<string, RouteDecision>();

  constructor(root: string) {
    this.log = openOutcomeLog(root);
  }

  /** Sets each task's start tier (`task.tier`) and planned attempts per tier (`task.attempts`). */
  route(
    plan: PlanTask[],
    ladders: TierLadder[],
    messagesFor: (t: PlanTask) => ChatMessage[],
    gateway: Pick<ModelGateway, 'prices' | 'limits'>,
    maxAttempts: number,
  ): void {
    if (ladders.length < 2 || plan.length === 0) return; // one tier: nothing to choose
    const history = this.log.read().tasks;
    const estimates = estimateTasks(
      plan,
      messagesFor,
      ladders,
      gateway.prices,
      gateway.limits.maxOutputTokens,
    );
    plan.forEach((task, i) => {
      const options = ladders.map((l) => ({
        tier: l.tier,
        attemptUsd: estimates[i]?.usdByTier[l.tier]?.usd ?? 0,
      }));
      const d = chooseStartTier(failureClass(task.failures), options, history, { maxAttempts });
      if (d.startTier !== 'none') {
        task.tier = d.startTier as TierName;
        task.attempts = d.attempts;
      }
      this.routes.set(task.id, d);
    });
  }

  /** A report row with its failure class and, for routed tasks, the decision. */
  row<T extends object>(
    row: T,
    failures: Failure[],
    taskId?: string,
  ): T & { failureClass: string; route?: RouteDecision } {
    const route = taskId ? this.routes.get(taskId) : undefined;
    return { ...row, failureClass: failureClass(failures), ...(route ? { route } : {}) };
  }

  /** Appends the run's task outcomes and totals; a write failure never fails the run. */
  finish(report: FixReport, now = new Date()): string | null {
    if (report.dryRun) return null;
    const at = now.toISOString();
    const tasks: TaskOutcomeLine[] = report.tasks.map((t) => ({
      type: 'task',
      v: 1,
      at,
      runId: report.runId,
      class: t.failureClass ?? 'unknown',
      tierPath: t.tierPath,
      solvedBy: t.status === 'fixed' || t.status === 'done' ? t.tier : null,
      attempts: t.attempts,
      ...(t.attemptsByTier ? { attemptsByTier: t.attemptsByTier } : {}),
      usd: t.usd,
    }));
    const byTier: Record<string, number> = {};
    let calls = 0;
    for (const [tier, c] of Object.entries(report.cost.byTier)) {
      byTier[tier] = c.usd;
      if (tier !== 'autofix') calls += c.calls;
    }
    const mem = report.memory;
    const run: RunOutcomeLine = {
      type: 'run',
      v: 1,
      at,
      runId: report.runId,
      job: 'fix',
      status: report.status,
      calls,
      usd: report.cost.usd,
      inputTokens: report.cost.byModel.reduce((a, m) => a + m.inputTokens, 0),
      outputTokens: report.cost.byModel.reduce((a, m) => a + m.outputTokens, 0),
      byTier,
      cacheHits: mem?.cache.hits ?? 0,
      cacheSavedUsd: mem?.cache.savedUsd ?? 0,
      cacheSavedTokens: (mem?.cache.savedInputTokens ?? 0) + (mem?.cache.savedOutputTokens ?? 0),
      memoryHits: mem?.hits.length ?? 0,
      memoryTried: mem?.tried ?? 0,
      memorySavedUsd: mem?.savedUsd ?? 0,
    };
    try {
      this.log.append([...tasks, run]);
      return null;
    } catch (err) {
      return `outcome log not written: ${(err as Error).message}`;
    }
  }
}

/** `distiq plan`: the route a fix task would take, from its per-tier estimate and the log. */
export function planRoute(
  task: PlanTask,
  usdByTier: Record<string, { usd: number }>,
  history: TaskOutcomeLine[],
  maxAttempts: number,
): RouteDecision {
  const options = Object.entries(usdByTier).map(([tier, v]) => ({ tier, attemptUsd: v.usd }));
  return chooseStartTier(failureClass(task.failures), options, history, { maxAttempts });
}
