import type { ListrTask } from 'listr2';
import {
  type CallRecord,
  CallRecorder,
  callModel,
  ModelCallFailedError,
} from '../budget/call-model.js';
import type { FileEdit } from '../autofix/fixer.js';
import { BudgetExceededError, errorMessage } from '../errors.js';
import { guardSurface } from '../edits/restore-surface.js';
import { validate } from '../validation/validate.js';
import type { PlanTask } from '../plan/types.js';
import type { ChatMessage } from '../providers/types.js';
import { EDITS_JSON_SCHEMA, type Edits, EditsSchema, resolveEdits } from '../edits/edit-format.js';
import { Mutex } from './mutex.js';
import { implementMessages, repairMessages } from './repair-prompt.js';
import { TaskScheduler } from './scheduler.js';

import type { TaskStatus } from '../report/status.js';
import { TIER_NAMES } from '../config/tiers.js';

import type { ExecuteDeps, ExecutionState, TaskOutcome } from './execution-state.js';
import { planEdits, prove, remainingOf, stillFailing } from './prove-task.js';

export type { TaskStatus };
export { newExecutionState } from './execution-state.js';
export type { ExecuteDeps, ExecutionState, TaskOutcome } from './execution-state.js';

/**
 * One listr2 task per plan task, meant to run with `concurrent: true`: the scheduler decides who
 * runs (dependencies, `--concurrency`, no two tasks on the same files). Model calls run in
 * parallel; applying and proving an edit takes a lock, because the validation commands see the
 * whole working tree: each proof sees exactly the proven edits plus its own.
 */
export function executionTasks(deps: ExecuteDeps, state: ExecutionState): ListrTask[] {
  const scheduler = new TaskScheduler(
    state.outcomes.map((o) => o.task),
    deps.concurrency,
  );
  const lock = new Mutex();
  return state.outcomes.map((outcome) => ({
    title: `${outcome.task.id} ${outcome.task.title}`,
    task: async (_ctx, listrTask) => {
      const grant = await scheduler.acquire(outcome.task.id);
      if (!grant.run) {
        outcome.reason = grant.reason;
        listrTask.skip(`${outcome.task.id}: ${grant.reason}`);
        return;
      }
      state.peakConcurrency = Math.max(state.peakConcurrency, scheduler.peak);
      let ok = false;
      try {
        if (deps.signal?.aborted) return void (outcome.status = 'interrupted');
        if (state.overBudget) {
          outcome.reason = 'not started: the budget is spent';
          return;
        }
        const recorder = new TaskRecorder(deps.recorder);
        try {
          await runTask(
            outcome,
            deps,
            state,
            lock,
            scheduler,
            recorder,
            (line) => (listrTask.output = line),
          );
        } catch (err) {
          // An unexpected fault ends this task only (its edit in progress was rolled back by prove).
          outcome.status = 'failed';
          outcome.reason = `stopped by an error: ${errorMessage(err)}`;
        } finally {
          outcome.calls = recorder.records; // also when the task ended in an error: its calls were paid
        }
        ok = outcome.status === 'fixed' || outcome.status === 'done';
        listrTask.title = `${outcome.task.id} [${outcome.status}] ${outcome.task.title} (${outcome.tierPath.join(' → ') || 'no tier'})`;
      } finally {
        scheduler.release(outcome.task.id, ok ? 'done' : 'failed');
      }
    },
  }));
}

/** After the tasks: the full commands, when any proof ran a narrowed one. */
export async function finalValidation(deps: ExecuteDeps, state: ExecutionState): Promise<void> {
  if (state.scopedProofs === 0 || deps.signal?.aborted) return;
  // The full run executes the kept code again: whatever it changes is put back, as in a proof.
  const { result, tampered } = await guardSurface(deps.root, () =>
    validate(deps.commands, {
      root: deps.root,
      secretEnvVars: deps.secretEnvVars,
      signal: deps.signal,
    }),
  );
  state.current = result;
  if (tampered.length > 0)
    process.stderr.write(
      `distiq: warning: the final validation changed ${tampered.join(', ')}; restored\n`,
    );
}

/** Records a task's calls and passes them on to the job's recorder. */
class TaskRecorder extends CallRecorder {
  constructor(private readonly parent: CallRecorder) {
    super();
  }
  override add(r: CallRecord): void {
    super.add(r);
    this.parent.add(r);
  }
}

/**
 * The attempt loop of one task: the planner's own code first (implement), then each tier of the
 * ladder from the task's tier up, `maxAttempts` per tier, every rejection fed back. A tier is left
 * only with a recorded reason. A budget refusal stops the task (and the job); Ctrl-C rolls back
 * only the edit in progress.
 */
async function runTask(
  outcome: TaskOutcome,
  deps: ExecuteDeps,
  state: ExecutionState,
  lock: Mutex,
  scheduler: TaskScheduler,
  recorder: TaskRecorder,
  progress: (line: string) => void,
): Promise<void> {
  const { task } = outcome;
  // Waiting for the proof lock is not a model call: the slot goes to another task meanwhile.
  const proveLocked = async (makeEdits: () => FileEdit[], tier: string) => {
    scheduler.pause(task.id);
    try {
      return await lock.run(() => prove(outcome, makeEdits, tier, deps, state));
    } finally {
      state.peakConcurrency = Math.max(state.peakConcurrency, scheduler.peak);
    }
  };
  const feedback: string[] = [];
  const start = deps.ladders.findIndex((l) => tierRank(l.tier) >= tierRank(task.tier));
  const ladders = start < 0 ? deps.ladders.slice(-1) : deps.ladders.slice(start);
  if (ladders[0] && ladders[0].tier !== task.tier && task.tier !== 'autofix')
    outcome.escalations.push(
      `${task.tier} → ${ladders[0].tier}: the planned tier has no usable model`,
    );
  let done = deps.job === 'fix' && !stillFailing(task, state.current);
  const finish = () => {
    outcome.calls = recorder.records;
    if (deps.signal?.aborted && !done) outcome.status = 'interrupted';
    else if (state.overBudget && !done) outcome.status = 'over-budget';
    else if (deps.job === 'implement') outcome.status = done ? 'done' : 'failed';
    else {
      const left = remainingOf(task, state.current).length;
      outcome.status = left === 0 ? 'fixed' : left < task.failures.length ? 'partial' : 'failed';
    }
  };

  if (!done && deps.job === 'implement' && task.changes.length > 0) {
    outcome.tierPath.push('plan');
    outcome.attempts++;
    progress('applying the planned changes as written');
    const proof = await proveLocked(() => planEdits(deps.root, task), 'plan');
    if (proof.kept) done = true;
    else feedback.push(`the plan's changes applied as written were rejected: ${proof.reason}`);
  }

  for (const [i, ladder] of ladders.entries()) {
    if (done || state.overBudget || deps.signal?.aborted) break;
    outcome.tierPath.push(ladder.tier);
    for (let attempt = 1; attempt <= deps.maxAttempts && !done; attempt++) {
      if (deps.job === 'fix' && !stillFailing(task, state.current)) {
        done = true; // another task's repair fixed these too
        break;
      }
      await scheduler.resume(task.id);
      outcome.attempts++;
      progress(`${ladder.tier} attempt ${attempt}`);
      let answer: Edits;
      let answerJson: unknown; // as callModel returned it: the replay cache forgets it if rejected
      try {
        const call = await callModel({
          steps: ladder.steps,
          request: {
            messages: messagesFor(task, deps, state, feedback),
            jsonSchema: { name: 'edits', schema: EDITS_JSON_SCHEMA },
            maxOutputTokens: deps.maxOutputTokens,
            signal: deps.signal,
          },
          budget: deps.budget,
          prices: deps.prices,
          recorder,
          maxRetries: deps.maxRetries,
          validate: (json) => {
            const parsed = EditsSchema.safeParse(json);
            return parsed.success
              ? null
              : parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ');
          },
          onEvent: progress,
          cache: deps.cache,
        });
        outcome.escalations.push(...call.escalations.map((e) => `provider fallback: ${e}`));
        answerJson = call.json;
        answer = EditsSchema.parse(call.json);
      } catch (err) {
        if (deps.signal?.aborted) return finish();
        if (err instanceof BudgetExceededError) {
          state.overBudget = true;
          outcome.escalations.push(`stopped: ${err.message}`);
          return finish();
        }
        if (err instanceof ModelCallFailedError) {
          outcome.escalations.push(`${ladder.tier} unavailable: ${err.reasons.join('; ')}`);
          break; // next tier
        }
        throw err;
      }
      const proof = await proveLocked(() => resolveEdits(deps.root, answer.edits), ladder.tier);
      if (deps.signal?.aborted) return finish();
      if (proof.kept) {
        done = deps.job === 'implement' || !stillFailing(task, state.current);
        if (!done)
          feedback.push(
            `progress, but still failing: ${remainingOf(task, state.current)
              .map((f) => f.message.split('\n')[0])
              .join('; ')}`,
          );
      } else {
        deps.cache?.forget(answerJson);
        feedback.push(proof.reason);
      }
    }
    const next = ladders[i + 1];
    if (!done && !state.overBudget && !deps.signal?.aborted && next)
      outcome.escalations.push(
        `${ladder.tier} → ${next.tier}: validation still failing after ${deps.maxAttempts} attempt(s) (${feedback.at(-1) ?? 'no usable answer'})`,
      );
  }
  finish();
}

function messagesFor(
  task: PlanTask,
  deps: ExecuteDeps,
  state: ExecutionState,
  feedback: string[],
): ChatMessage[] {
  if (deps.job === 'fix') {
    const failures = remainingOf(task, state.current);
    return repairMessages(
      deps.root,
      { failures },
      feedback,
      deps.context?.forTask(task, failures),
      deps.examples?.(failures),
    );
  }
  const items = task.items
    .map((n) => deps.items[n - 1])
    .filter((t): t is string => t !== undefined);
  return implementMessages(task, items, feedback, deps.context?.forTask(task));
}

/** Cheapest first: the one tier order (config/tiers). */
function tierRank(tier: string): number {
  return (TIER_NAMES as readonly string[]).indexOf(tier);
}
