import type { ListrTaskWrapper } from 'listr2';
import { eslintFixer } from '../autofix/eslint.js';
import type { Fixer, RepairProposal } from '../autofix/fixer.js';
import { prettierFixer } from '../autofix/prettier.js';
import { rustcFixer } from '../autofix/rustc.js';
import { typescriptFixer } from '../autofix/typescript.js';
import { type BaseChoice, loadHistory } from '../autofix/history.js';
import type { FixReport, RepairReport } from '../report/fix-report.js';
import { proveEdits } from '../edits/prove.js';
import { judgeRepair } from '../validation/judge-repair.js';
import { relevantFixers } from './fixer-relevance.js';
import { FixerScope, fixerGuard } from './fixer-scope.js';
import { JobContext } from '../context/job-context.js';
import { outsideIntent } from '../validation/repair-intent.js';
import { keptRepair } from './kept-repairs.js';
import { validate } from '../validation/validate.js';
import type { FixJobRequest, JobState } from './fix-state.js';

// The $0 stage of a fix job: fixers propose, each proposal is applied, proven and kept or
// rolled back.

export function enabledFixers(req: FixJobRequest): Fixer[] {
  if (!req.tiers.includes('autofix')) return [];
  const { autofix } = req.config;
  return [
    autofix.typescript && typescriptFixer,
    autofix.eslint && eslintFixer,
    autofix.prettier && prettierFixer,
    autofix.rustc && rustcFixer,
  ].filter((f): f is Fixer => Boolean(f));
}

/** What the repair stages need from a listr2 task: a title and a progress line. */
export type Task = Pick<ListrTaskWrapper<JobState, never, never>, 'title' | 'output'>;

export async function planOnly(
  ctx: JobState,
  fixers: Fixer[],
  req: FixJobRequest,
  task: Task,
): Promise<void> {
  for (const fixer of relevantFixers(fixers, ctx.current!.failures)) {
    task.output = `${fixer.name}: computing`;
    const [first] = await fixer.propose(ctx.current!.failures, fixerContext(req));
    if (first) ctx.repairs.push(repairReport(first, 'planned'));
  }
  task.title = `Planned ${ctx.repairs.length} repair(s); nothing was changed`;
}

/**
 * Each round asks every fixer for proposals; a proposal is applied, the same commands are re-run,
 * and it is kept only if failures went down and none appeared, otherwise it is rolled back exactly.
 */
export async function repairLoop(
  ctx: JobState,
  fixers: Fixer[],
  req: FixJobRequest,
  task: Task,
): Promise<void> {
  for (let round = 1; round <= req.maxAttempts && !ctx.current!.ok; round++) {
    let progressed = false;
    const history = await loadHistory(req.root, baseChoice(req)); // what changed since the last green commit
    for (const fixer of relevantFixers(fixers, ctx.current!.failures)) {
      if (req.signal?.aborted) return;
      task.output = `round ${round}: ${fixer.name} computing repairs`;
      const proposals = await fixer.propose(ctx.current!.failures, fixerContext(req));
      for (const proposal of proposals) {
        if (req.signal?.aborted) return;
        const files = proposal.edits.map((e) => e.path);
        for (const f of files) ctx.attemptsByFile.set(f, (ctx.attemptsByFile.get(f) ?? 0) + 1);
        task.output = `round ${round}: ${fixer.name} trying ${proposal.descriptions.length} repair(s) in ${files.length} file(s)`;
        const outside = outsideIntent(proposal.edits, ctx.current!.failures, history);
        const verdict = outside
          ? { kept: false, reason: `not applied: ${outside}` }
          : await tryProposal(ctx, proposal, req);
        ctx.repairs.push({
          ...repairReport(proposal, verdict.kept ? 'kept' : 'rejected', verdict.reason),
          ...('tampered' in verdict && verdict.tampered ? { tampered: verdict.tampered } : {}),
        });
        task.output = `round ${round}: ${fixer.name} ${verdict.kept ? 'kept' : 'rolled back'} (${verdict.reason})`;
        if (verdict.kept) {
          progressed = true;
          break; // later proposals of this fixer were computed against the old tree
        }
      }
      if (ctx.current!.ok) break;
    }
    if (!progressed) break;
  }
  const after = ctx.current!;
  task.title = after.ok
    ? `Repaired: ${ctx.before!.failures.length} → 0 failures`
    : `Repair: ${ctx.before!.failures.length} → ${after.failures.length} failure(s)`;
}

export async function tryProposal(
  ctx: JobState,
  proposal: RepairProposal,
  req: FixJobRequest,
): Promise<{ kept: boolean; reason: string; tampered?: string[] }> {
  // The $0 fixers are deterministic, but what they propose still goes through the path policy,
  // limited to the scope a model edit for these failures would get.
  ctx.scope ??= new FixerScope(() =>
    JobContext.open(req.root, req.models.contextTokens, baseChoice(req)),
  );
  const failures = ctx.current!.failures;
  const guard = await fixerGuard(
    req.root,
    req.config,
    ctx.commands,
    proposal.edits,
    failures,
    ctx.scope,
  );
  const proof = await proveEdits({
    root: req.root,
    edits: proposal.edits,
    guard,
    signal: req.signal,
    validate: () =>
      validate(ctx.commands, {
        root: req.root,
        secretEnvVars: req.config.secrets.envVars,
        signal: req.signal,
      }),
    judge: (after) => judgeRepair(ctx.current!, after),
  });
  if (!proof.kept)
    return {
      kept: false,
      reason: proof.reason,
      ...(proof.tampered ? { tampered: proof.tampered } : {}),
    };
  ctx.freeRepairs.push({
    promptText:
      proposal.edits.map((e) => e.before ?? '').join('\n') +
      ctx.current!.failures.map((f) => f.message).join('\n'),
    outputText:
      proposal.descriptions.join('\n') +
      proposal.edits.map((e) => changedLines(e.before ?? '', e.after ?? '')).join('\n'),
  });
  (ctx.keptFree ??= []).push(
    keptRepair(ctx.current!, proof.validation, proof.changed, proposal.edits),
  );
  ctx.current = proof.validation;
  for (const f of proof.changed) ctx.changed.add(f);
  ctx.scope.stale();
  return { kept: true, reason: proof.reason };
}

export function fixerContext(req: FixJobRequest) {
  return {
    root: req.root,
    secretEnvVars: req.config.secrets.envVars,
    signal: req.signal,
    base: baseChoice(req),
  };
}

export function baseChoice(req: FixJobRequest): BaseChoice {
  return { flag: req.base, config: req.config.fix.base };
}

export function repairReport(
  p: RepairProposal,
  outcome: RepairReport['outcome'],
  reason?: string,
): RepairReport {
  return {
    fixer: p.fixer,
    tier: 'autofix',
    descriptions: p.descriptions,
    files: p.edits.map((e) => e.path),
    outcome,
    ...(reason ? { reason } : {}),
  };
}

/** The commit on `--branch`: what was repaired, and whether it cost nothing. */
export function commitMessage(report: FixReport): string {
  const kept = report.repairs.filter((r) => r.outcome === 'kept');
  const lines = kept.flatMap((r) => r.descriptions.map((d) => `- ${d}`));
  const paid = kept.some((r) => r.tier !== 'autofix');
  return `fix: distiq repaired ${report.failuresBefore - report.failuresAfter} failure(s)${paid ? '' : ' at $0'}\n\n${lines.join('\n')}`;
}

/** The lines a repair wrote: the output a model would have had to produce. */
export function changedLines(before: string, after: string): string {
  const old = new Set(before.split('\n'));
  return after
    .split('\n')
    .filter((l) => !old.has(l))
    .join('\n');
}
