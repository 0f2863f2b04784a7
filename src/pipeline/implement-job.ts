import { Listr } from 'listr2';
import type { DistiqConfig, TierName } from '../config/schema.js';
import { JobContext } from '../context/job-context.js';
import { resolveCommands, type ResolvedCommand } from '../detect/commands.js';
import { InterruptedError, UsageError } from '../errors.js';
import {
  type ExecuteDeps,
  type ExecutionState,
  executionTasks,
  finalValidation,
  newExecutionState,
} from '../execute/execute-plan.js';
import { planImplementation } from '../plan/plan-implement.js';
import type { PlanTask } from '../plan/types.js';
import type { ImplementReport } from '../report/implement-report.js';
import { taskReport } from '../report/task-report.js';
import { diffFailures } from '../validation/failure.js';
import type { ModelDeps } from '../routing/model-deps.js';
import { listrOptions, type ProgressRenderer } from './listr-options.js';
import { selectCommands } from '../validation/select-commands.js';
import { type Validation, validate } from '../validation/validate.js';

export interface ImplementJobRequest {
  root: string;
  config: DistiqConfig;
  items: string[];
  /** Where the checklist came from (a file, --text, an issue), for the report and the commit. */
  source: string;
  tiers: TierName[];
  maxAttempts: number;
  concurrency: number;
  runId: string;
  renderer: ProgressRenderer;
  progressStream: NodeJS.WriteStream;
  signal?: AbortSignal;
  /** Executor ladders, budget, prices, recorder: shared with the planner. */
  models: ModelDeps;
  /** The planner's ladders (roles.planner), on the same budget. */
  planner: ModelDeps['ladders'];
}

interface State {
  commands: ResolvedCommand[];
  before?: Validation;
  plan?: PlanTask[];
  planAttempts: number;
  exec?: ExecutionState;
}

/**
 * The implement job's stages, on a tree the job runner has recovered and checked: validate
 * (baseline) → plan (cheap planner) → execute in parallel → validate in full → report.
 */
export async function runImplementJob(req: ImplementJobRequest): Promise<ImplementReport> {
  const started = performance.now();
  const executors = req.models.ladders.filter((l) => l.steps.length > 0);
  const plannerSteps = req.planner.flatMap((l) => l.steps);
  if (plannerSteps.length === 0)
    throw new UsageError(
      'No usable planner model: implement needs one (roles.planner)',
      `Configure a provider for one of the planner tiers (${req.planner.map((l) => l.tier).join(', ') || 'none'}); \`distiq models\` shows what is usable and why not.`,
    );
  if (executors.length === 0)
    throw new UsageError(
      'No usable executor model for implement tasks',
      '`distiq models` shows what is usable; implement.tiers lists the tiers it may use.',
    );
  const commands = selectCommands(resolveCommands(req.root, req.config), []);
  const secretEnvVars = req.config.secrets.envVars;
  const state: State = { commands, planAttempts: 0 };
  let deps: ExecuteDeps | undefined;

  const list = new Listr<State>(
    [
      {
        title: `Validate the baseline: ${commands.map((c) => c.kind).join(', ')}`,
        task: async (ctx, task) => {
          const before = await validate(ctx.commands, {
            root: req.root,
            secretEnvVars,
            signal: req.signal,
          });
          if (req.signal?.aborted) return;
          ctx.before = before;
          task.title = before.ok
            ? 'Baseline: every command passes'
            : `Baseline: ${before.failures.length} failure(s) already there (they are not regressions)`;
        },
      },
      {
        title: `Plan ${req.items.length} checklist item(s)`,
        skip: (ctx) => (!ctx.before || req.signal?.aborted ? 'interrupted' : false),
        task: async (ctx, task) => {
          task.output = 'indexing the repository';
          const context = await JobContext.open(req.root, req.models.contextTokens);
          const planned = await planImplementation(req.items, {
            root: req.root,
            steps: plannerSteps,
            gateway: req.models.gateway,
            attempts: req.config.implement.planAttempts,
            context,
            contextTokens: req.models.contextTokens,
            allowWorkflowEdits: req.config.execute.allowWorkflowEdits,
            executorTiers: executors.map((l) => l.tier),
            signal: req.signal,
            onProgress: (line) => (task.output = line),
            replay: true,
          });
          ctx.plan = planned.tasks;
          ctx.planAttempts = planned.attempts;
          context?.share(planned.tasks);
          deps = {
            job: 'implement',
            root: req.root,
            commands: ctx.commands,
            ladders: executors,
            gateway: req.models.gateway,
            maxAttempts: req.maxAttempts,
            secretEnvVars,
            concurrency: req.concurrency,
            context,
            items: req.items,
            allowWorkflowEdits: req.config.execute.allowWorkflowEdits,
            allowPaths: req.config.execute.allowPaths,
            signal: req.signal,
            replay: true,
          };
          ctx.exec = newExecutionState(ctx.before!, planned.tasks);
          task.title = `Planned ${planned.tasks.length} task(s) for ${req.items.length} item(s)`;
        },
      },
      {
        title: `Execute, up to ${req.concurrency} task(s) at once`,
        skip: (ctx) => (!ctx.exec || req.signal?.aborted ? 'interrupted' : false),
        task: (ctx, task) =>
          task.newListr(executionTasks(deps!, ctx.exec!), { concurrent: true, exitOnError: false }),
      },
      {
        title: 'Validate the whole job',
        skip: (ctx) => (!ctx.exec || req.signal?.aborted ? 'interrupted' : false),
        task: async (ctx) => finalValidation(deps!, ctx.exec!),
      },
    ],
    listrOptions(state, req.renderer, req.progressStream),
  );
  await list.run();
  if (!state.before) throw new InterruptedError('during the baseline validation');
  return buildReport(state, req, started);
}

function buildReport(state: State, req: ImplementJobRequest, started: number): ImplementReport {
  const before = state.before!;
  const exec = state.exec;
  const after = exec?.current ?? before;
  const outcomes = exec?.outcomes ?? [];
  const items = req.items.map((text, i) => {
    const mine = outcomes.filter((o) => o.task.items.includes(i + 1));
    const done = mine.filter((o) => o.status === 'done').length;
    return {
      n: i + 1,
      text,
      tasks: mine.map((o) => o.task.id),
      status:
        mine.length > 0 && done === mine.length
          ? ('done' as const)
          : done > 0
            ? ('partial' as const)
            : ('not-done' as const),
    };
  });
  const regressions = diffFailures(before.failures, after.failures).introduced;
  const allDone = items.every((i) => i.status === 'done');
  const status: ImplementReport['status'] = exec?.overBudget
    ? 'over-budget'
    : allDone && regressions.length === 0
      ? 'implemented'
      : items.some((i) => i.status !== 'not-done')
        ? 'partial'
        : 'failed';
  return {
    schemaVersion: 1,
    job: 'implement',
    runId: req.runId,
    status,
    interrupted: Boolean(req.signal?.aborted),
    source: req.source,
    items,
    plan: { attempts: state.planAttempts, tasks: state.plan?.length ?? 0 },
    failuresBefore: before.failures.length,
    failuresAfter: after.failures.length,
    regressions,
    changedFiles: [...(exec?.changed ?? [])].sort(),
    tasks: outcomes.map((o) => taskReport(o)),
    repairs: exec?.repairs ?? [],
    commands: before.results.map((r, i) => ({
      kind: r.kind,
      command: r.command,
      exitCodeBefore: r.exitCode,
      exitCodeAfter: after.results[i]?.exitCode ?? r.exitCode,
      durationMs: r.durationMs,
      sandbox: r.sandbox ?? 'none',
      ...(r.sandboxReason ? { sandboxReason: r.sandboxReason } : {}),
    })),
    cost: req.models.gateway.cost(),
    branch: null, // set by the job runner when it commits on --branch
    durationMs: Math.round(performance.now() - started),
  };
}
