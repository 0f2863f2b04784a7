import path from 'node:path';
import type { PlanTask } from '../plan/types.js';
import { matrixJson, shardPlan } from '../shard/matrix.js';
import { writePlanFile } from '../shard/plan-file.js';
import { loadJobConfig } from '../validation/job-config.js';
import { JobContext } from '../context/job-context.js';
import { resolveCommands } from '../detect/commands.js';
import { implementMessages, repairMessages } from '../execute/repair-prompt.js';
import { Git, repoRoot } from '../forge/git.js';
import { estimateTasks, type TaskEstimate } from '../plan/estimate.js';
import { planFixTasks } from '../plan/plan-fix.js';
import { planImplementation } from '../plan/plan-implement.js';
import { type FixTarget, selectCommands } from '../validation/select-commands.js';
import { validate } from '../validation/validate.js';
import type { CostReport } from '../budget/cost-report.js';
import { MODEL_TIERS } from '../routing/router.js';
import { implementModels, readChecklist } from './implement.js';
import { openOutcomeLog, planRoute } from '../routing/job-routing.js';
import type { RouteDecision } from '../routing/route.js';
import { buildModelDeps } from '../routing/model-deps.js';

/** The `--json` output of `distiq plan`: a public contract (README "JSON output"). */
export interface PlanReport {
  schemaVersion: 1;
  job: 'fix' | 'implement';
  items: string[];
  tasks: (Omit<PlanTask, 'failures'> & {
    failures: number;
    estimate: TaskEstimate;
    route?: RouteDecision;
  })[];
  totals: { inputTokens: number; prefixTokens: number; usdByTier: Record<string, number> };
  /** What planning itself cost (the planner model for implement; $0 for fix). */
  planning: CostReport;
}

export interface PlanOptions {
  cwd: string;
  configFile?: string;
  job: 'fix' | 'implement';
  targets: FixTarget[];
  file?: string;
  text?: string;
  budgetUsd?: number;
  /** Write a plan file for sharded runs and return the GitHub Actions matrix. */
  matrix?: { out: string; shards?: number; maxTasksPerShard?: number };
  signal?: AbortSignal;
}

/** Plans without executing: fix runs the validation commands and groups failures; implement asks the planner. */
export async function runPlan(opts: PlanOptions): Promise<PlanReport & { matrix?: string }> {
  const root = await repoRoot(opts.cwd);
  const { config, file } = await loadJobConfig(root, opts.configFile);
  // The same history the fix job reads (its last green commit), so the plan shows the same tasks.
  const context = await JobContext.open(root, config.models.contextTokens, {
    config: config.fix.base,
  });
  let tasks: PlanTask[];
  let items: string[] = [];
  let messagesFor: (t: PlanTask) => ReturnType<typeof repairMessages>;
  let deps;
  let failuresBefore = 0;
  if (opts.job === 'fix') {
    deps = buildModelDeps({
      root,
      config,
      configFile: file,
      tiers: [...MODEL_TIERS],
      role: 'executor',
      budgetUsd: opts.budgetUsd,
    });
    const commands = selectCommands(resolveCommands(root, config), opts.targets);
    const current = await validate(commands, {
      root,
      secretEnvVars: config.secrets.envVars,
      signal: opts.signal,
    });
    failuresBefore = current.failures.length;
    tasks = planFixTasks(current.failures, {
      definedIn: context?.definedIn,
      symbolAt: context?.symbolAt,
      moduleFile: context?.moduleFile,
      removedFrom: context?.removedFrom,
      changedFiles: context?.changedSources,
      tier: deps.ladders.find((l) => l.steps.length > 0)?.tier ?? 'cheap',
    });
    messagesFor = (t) => repairMessages(root, t, [], context?.forTask(t));
  } else {
    const checklist = readChecklist(opts.cwd, opts);
    items = checklist.items;
    const { models, planner } = implementModels(root, config, file, {
      budgetUsd: opts.budgetUsd,
      quiet: true,
    });
    deps = models;
    const planned = await planImplementation(items, {
      root,
      steps: planner.ladders.flatMap((l) => l.steps),
      gateway: models.gateway,
      attempts: config.implement.planAttempts,
      context,
      contextTokens: models.contextTokens,
      allowWorkflowEdits: config.execute.allowWorkflowEdits,
      executorTiers: models.ladders.filter((l) => l.steps.length > 0).map((l) => l.tier),
      signal: opts.signal,
    });
    tasks = planned.tasks;
    messagesFor = (t) =>
      implementMessages(
        t,
        t.items.map((n) => items[n - 1]!),
        [],
        context?.forTask(t),
      );
  }
  context?.share(tasks);
  const estimates = estimateTasks(
    tasks,
    messagesFor,
    deps.ladders,
    deps.gateway.prices,
    deps.gateway.limits.maxOutputTokens,
  );
  const usdByTier: Record<string, number> = {};
  const history = opts.job === 'fix' ? openOutcomeLog(root).read().tasks : [];
  for (const e of estimates)
    for (const [tier, v] of Object.entries(e.usdByTier))
      usdByTier[tier] = (usdByTier[tier] ?? 0) + v.usd;
  let matrix: string | undefined;
  if (opts.matrix) {
    const budgetUsd = opts.budgetUsd ?? config.budget.perRun;
    const shards = shardPlan(tasks, {
      shards: opts.matrix.shards,
      maxTasksPerShard: opts.matrix.maxTasksPerShard,
      budgetUsd: Math.max(0, budgetUsd - deps.gateway.spent()),
    });
    const baseSha = await new Git(root).head();
    writePlanFile(path.resolve(opts.cwd, opts.matrix.out), {
      schemaVersion: 1,
      job: opts.job,
      targets: opts.targets,
      baseSha,
      items,
      tasks,
      shards,
      budgetUsd,
      failuresBefore,
      planningRecords: [...deps.gateway.records()],
    });
    matrix = matrixJson(shards);
  }
  return {
    ...(matrix ? { matrix } : {}),
    schemaVersion: 1,
    job: opts.job,
    items,
    // fix: the start tier each task would get from the repo's outcome log (README "Routing").
    tasks: tasks.map((t, i) => ({
      ...t,
      failures: t.failures.length,
      estimate: estimates[i]!,
      ...(opts.job === 'fix'
        ? { route: planRoute(t, estimates[i]!.usdByTier, history, config.fix.maxAttempts) }
        : {}),
    })),
    totals: {
      inputTokens: estimates.reduce((a, e) => a + e.inputTokens, 0),
      prefixTokens: estimates.reduce((a, e) => a + e.prefixTokens, 0),
      usdByTier,
    },
    planning: deps.gateway.cost(),
  };
}
