import type { ListrTask } from 'listr2';
import { ModelCallFailedError } from '../budget/call-model.js';
import type { ModelGateway } from '../budget/gateway.js';
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
import { climb, taskStart } from '../routing/strategies.js';

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
        const gateway = deps.gateway.scoped(); // this task's calls, also counted for the job
        try {
          await runTask(
            outcome,
            deps,
            state,
            lock,
            scheduler,
            gateway,
            (line) => (listrTask.output = line),
          );
        } catch (err) {
          // An unexpected fault ends this task only (its edit in progress was rolled back by prove).
          outcome.status = 'failed';
          outcome.reason = `stopped by an error: ${errorMessage(err)}`;
        } finally {
          outcome.calls = [...gateway.records()]; // also when the task ended in an error: its calls were paid
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

/**
 * The attempt loop of one task: the planner's own code first (implement), then each tier of the
 * ladder from the task's tier up, its planned attempts per tier (else `maxAttempts`), every
 * rejection fed back. A tier is left
 * only with a recorded reason. A budget refusal stops the task (and the job); Ctrl-C rolls back
 * only the edit in progress.
 */
async function runTask(
  outcome: TaskOutcome,
  deps: ExecuteDeps,
  state: ExecutionState,
  lock: Mutex,
  scheduler: TaskScheduler,
  gateway: ModelGateway,
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
  const start = taskStart(task.tier, deps.ladders);
  if (start.escalation) outcome.escalations.push(start.escalation);
  let done = deps.job === 'fix' && !stillFailing(task, state.current);
  const finish = () => {
    outcome.calls = [...gateway.records()];
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
    outcome.attemptsByTier.plan = 1;
    progress('applying the planned changes as written');
    const proof = await proveLocked(() => planEdits(deps.root, task), 'plan');
    if (proof.kept) done = true;
    else feedback.push(`the plan's changes applied as written were rejected: ${proof.reason}`);
  }

  for (let rest = start.ladder; rest[0];) {
    const ladder = rest[0];
    if (done || state.overBudget || deps.signal?.aborted) break;
    // The router's plan for this task; the last tier always gets at least one attempt.
    const planned = task.attempts?.[ladder.tier] ?? deps.maxAttempts;
    const allowed = rest.length === 1 ? Math.max(1, planned) : planned;
    if (allowed === 0) {
      const up = climb(rest, 0, `the route plans no attempt on ${ladder.tier}`);
      if (up.escalation) outcome.escalations.push(up.escalation);
      rest = up.ladder;
      continue;
    }
    outcome.tierPath.push(ladder.tier);
    for (let attempt = 1; attempt <= allowed && !done; attempt++) {
      if (deps.job === 'fix' && !stillFailing(task, state.current)) {
        done = true; // another task's repair fixed these too
        break;
      }
      await scheduler.resume(task.id);
      outcome.attempts++;
      outcome.attemptsByTier[ladder.tier] = attempt;
      progress(`${ladder.tier} attempt ${attempt}`);
      let answer: Edits;
      let answerJson: unknown; // as callModel returned it: the replay cache forgets it if rejected
      try {
        const call = await gateway.call(ladder, {
          messages: messagesFor(task, deps, state, feedback),
          schema: { name: 'edits', schema: EDITS_JSON_SCHEMA },
          signal: deps.signal,
          validate: (json) => {
            const parsed = EditsSchema.safeParse(json);
            return parsed.success
              ? null
              : parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ');
          },
          onEvent: progress,
          replay: deps.replay,
        });
        const answered = `${call.step.tier}/${call.step.provider.name}/${call.step.model}`;
        outcome.escalations.push(
          ...call.escalations.map((reason) => ({
            kind: 'fallback' as const,
            from: ladder.tier,
            to: answered,
            reason,
          })),
        );
        answerJson = call.json;
        answer = EditsSchema.parse(call.json);
      } catch (err) {
        if (deps.signal?.aborted) return finish();
        if (err instanceof BudgetExceededError) {
          state.overBudget = true;
          outcome.escalations.push({
            kind: 'stop',
            from: ladder.tier,
            to: null,
            reason: err.message,
          });
          return finish();
        }
        if (err instanceof ModelCallFailedError) {
          outcome.escalations.push({
            kind: 'unavailable',
            from: ladder.tier,
            to: null,
            reason: err.reasons.join('; '),
          });
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
        if (deps.replay) gateway.forget(answerJson);
        feedback.push(proof.reason);
      }
    }
    if (done || state.overBudget || deps.signal?.aborted) break;
    const up = climb(
      rest,
      0,
      `validation still failing after ${allowed} attempt(s) (${feedback.at(-1) ?? 'no usable answer'})`,
    );
    if (up.escalation) outcome.escalations.push(up.escalation);
    rest = up.ladder;
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
