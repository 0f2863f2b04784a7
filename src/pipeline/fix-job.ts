import { Listr } from 'listr2';
import { listrOptions } from './listr-options.js';
import { resolveBase } from '../autofix/history.js';
import { resolveCommands } from '../detect/commands.js';
import { InterruptedError } from '../errors.js';
import type { FixReport } from '../report/fix-report.js';
import { JobMemory } from '../memory/job-memory.js';
import { embeddingRankerOrLexical, localEmbeddingOptions } from '../memory/embedding-similarity.js';
import { runMemoryTier } from '../memory/memory-tier.js';
import { JobRouting } from '../routing/job-routing.js';
import { repairMessages } from '../execute/repair-prompt.js';
import { JobContext } from '../context/job-context.js';
import {
  type ExecuteDeps,
  executionTasks,
  finalValidation,
  newExecutionState,
} from '../execute/execute-plan.js';
import { relevantFixers } from './fixer-relevance.js';
import { planFixTasks } from '../plan/plan-fix.js';
import { selectCommands } from '../validation/select-commands.js';
import { validate } from '../validation/validate.js';
import type { FixJobRequest, JobState } from './fix-state.js';
import { buildReport } from './fix-job-report.js';
import {
  baseChoice,
  enabledFixers,
  planOnly,
  repairLoop,
  repairReport,
  tryProposal,
} from './fix-repair.js';
export type { ProgressRenderer } from './listr-options.js';
export type { FixJobRequest } from './fix-state.js';
export type { ModelDeps } from '../routing/model-deps.js';

/**
 * The fix job's stages, on a tree the job runner has recovered and checked: validate → repair
 * ($0 tier) → fix memory → models → report. The runner commits on --branch and delivers.
 */
export async function runFixJob(req: FixJobRequest): Promise<FixReport> {
  const started = performance.now();
  await resolveBase(req.root, baseChoice(req)); // a --base that is no commit stops here, before any edit
  const commands = selectCommands(resolveCommands(req.root, req.config), req.targets);
  const fixers = enabledFixers(req);
  const state: JobState = {
    commands,
    tasks: [],
    repairs: [],
    attemptsByFile: new Map(),
    changed: new Set(),
    overBudget: false,
    freeRepairs: [],
  };
  const usableLadders = req.models.ladders.filter((l) => l.steps.length > 0);
  const secretEnvVars = req.config.secrets.envVars;
  const memory = new JobMemory(req.root); // fix memory (issue #16): learns proven repairs, replays them
  const routing = new JobRouting(req.root); // start tier per task from the repo's outcome log

  const list = new Listr<JobState>(
    [
      {
        title: `Validate: ${commands.map((c) => c.kind).join(', ')}`,
        task: async (ctx, task) => {
          const before = await validate(ctx.commands, {
            root: req.root,
            secretEnvVars,
            signal: req.signal,
            onCommand: (c, r) =>
              (task.output = r
                ? `${c.kind}: exit ${r.exitCode ?? 'killed'}, ${r.failures.length} failure(s)`
                : `${c.kind}: ${c.run}`),
          });
          if (req.signal?.aborted) return; // a killed run proves nothing: no report is made from it
          ctx.before = before;
          ctx.current = ctx.before;
          ctx.tasks = planFixTasks(ctx.before.failures);
          task.title = ctx.before.ok
            ? 'Validate: all commands pass'
            : `Validate: ${ctx.before.failures.length} failure(s) in ${ctx.tasks.length} task(s)`;
        },
      },
      {
        title: req.dryRun ? 'Plan repairs (dry run)' : 'Repair with the autofix tier',
        enabled: () => fixers.length > 0,
        skip: (ctx) => {
          if (!ctx.before || req.signal?.aborted) return 'interrupted';
          if (ctx.before.ok) return 'nothing to fix';
          return relevantFixers(fixers, ctx.before.failures).length === 0
            ? 'no $0 fixer applies to these failures'
            : false;
        },
        task: async (ctx, task) =>
          req.dryRun ? planOnly(ctx, fixers, req, task) : repairLoop(ctx, fixers, req, task),
      },
      {
        title: 'Repair from fix memory',
        enabled: () =>
          req.tiers.includes('memory') && !req.dryRun && memory.memory.all().length > 0,
        skip: (ctx) =>
          !ctx.current || req.signal?.aborted
            ? 'interrupted'
            : ctx.current.ok
              ? 'nothing left to fix'
              : false,
        task: async (ctx, task) => {
          const ranker =
            req.config.memory.similarity === 'embedding'
              ? await embeddingRankerOrLexical(
                  localEmbeddingOptions(req.config, req.root),
                  (w) => (memory.similarityWarning = w),
                )
              : null;
          try {
            memory.tier = await runMemoryTier({
              root: req.root,
              memory: memory.memory,
              ranker,
              current: () => ctx.current!.failures,
              allowWorkflowEdits: req.config.execute.allowWorkflowEdits,
              signal: req.signal,
              progress: (l) => (task.output = l),
              prove: async (p) => {
                const v = await tryProposal(ctx, p, req);
                ctx.repairs.push({
                  ...repairReport(p, v.kept ? 'kept' : 'rejected', v.reason),
                  tier: 'memory',
                });
                return v;
              },
            });
          } finally {
            await ranker?.dispose().catch(() => undefined);
          }
          task.title = `Fix memory: ${memory.tier.hits.length} repair(s) replayed at $0, ${memory.tier.rejected} candidate(s) rejected`;
        },
      },
      {
        title: `Repair with models (${usableLadders.map((l) => l.tier).join(' → ')})`,
        enabled: () => usableLadders.length > 0 && !req.dryRun,
        skip: (ctx) =>
          !ctx.current || req.signal?.aborted
            ? 'interrupted'
            : ctx.current.ok
              ? 'nothing left to fix'
              : false,
        task: async (ctx, task) => {
          task.output = 'indexing the repository';
          const context = await JobContext.open(
            req.root,
            req.models.contextTokens,
            baseChoice(req),
          );
          const plan = planFixTasks(ctx.current!.failures, {
            definedIn: context?.definedIn,
            symbolAt: context?.symbolAt,
            moduleFile: context?.moduleFile,
            removedFrom: context?.removedFrom,
            changedFiles: context?.changedSources,
            tier: usableLadders[0]!.tier,
          });
          context?.share(plan);
          routing.route(
            plan,
            usableLadders,
            (t) => repairMessages(req.root, t, [], context?.forTask(t)),
            req.models.gateway,
            req.maxAttempts,
          );
          const deps: ExecuteDeps = {
            job: 'fix',
            root: req.root,
            commands: ctx.commands,
            ladders: usableLadders,
            gateway: req.models.gateway,
            maxAttempts: req.maxAttempts,
            secretEnvVars,
            concurrency: req.concurrency,
            context,
            items: [],
            allowWorkflowEdits: req.config.execute.allowWorkflowEdits,
            allowPaths: req.config.execute.allowPaths,
            signal: req.signal,
            replay: true,
            onProven: memory.onProven,
            examples: memory.examples,
            keptFree: ctx.keptFree ?? [],
          };
          const exec = newExecutionState(ctx.current!, plan);
          ctx.exec = exec;
          task.title = `Repair with models: ${plan.length} task(s), up to ${req.concurrency} at once`;
          return task.newListr(
            [
              {
                title: 'Tasks',
                task: (_c, t) =>
                  t.newListr(executionTasks(deps, exec), { concurrent: true, exitOnError: false }),
              },
              {
                title: 'Validate the whole job',
                task: async (_c, t) => {
                  await finalValidation(deps, exec);
                  ctx.current = exec.current;
                  for (const f of exec.changed) ctx.changed.add(f);
                  ctx.repairs.push(...exec.repairs);
                  ctx.overBudget = exec.overBudget;
                  t.title = exec.overBudget
                    ? `Models: stopped at the budget (${exec.current.failures.length} failure(s) left)`
                    : `Models: ${exec.current.failures.length} failure(s) left`;
                },
              },
            ],
            { concurrent: false, exitOnError: true },
          );
        },
      },
    ],
    listrOptions(state, req.renderer, req.progressStream),
  );
  await list.run();
  if (!state.before) throw new InterruptedError('during the first validation run');
  const report = buildReport(state, req, started, memory, routing);
  report.memory = memory.finish(
    state.exec?.outcomes ?? [],
    req.models.gateway.replayCache,
    !req.dryRun,
  );
  const logProblem = routing.finish(report);
  if (logProblem) process.stderr.write(`distiq: ${logProblem}\n`);
  return report;
}
