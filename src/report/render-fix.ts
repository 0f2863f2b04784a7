import type { FixReport } from './fix-report.js';
import { renderRemaining } from './render-remaining.js';
import { renderCost, renderTasks } from './render-sections.js';

// `distiq merge` prints the cost table through this module.
export { renderCost } from './render-sections.js';

/** The human summary printed after a run (the JSON report is the machine form). */
export function renderFixReport(r: FixReport): string {
  const out: string[] = [];
  const headline: Record<FixReport['status'], string> = {
    fixed: `Fixed: ${r.failuresBefore} failure(s) → 0`,
    partial: `Partly fixed: ${r.failuresBefore} failure(s) → ${r.failuresAfter}`,
    failed: r.dryRun
      ? `Dry run: ${r.failuresBefore} failure(s); nothing was changed`
      : `Not fixed: ${r.failuresAfter} failure(s) remain`,
    'nothing-to-fix': 'Nothing to fix: every validation command passes',
    'over-budget': `Stopped at the budget: ${r.failuresAfter} failure(s) remain`,
  };
  out.push(headline[r.status]);
  for (const c of r.commands)
    out.push(
      `  ${c.kind.padEnd(9)} ${c.command}  exit ${c.exitCodeBefore ?? 'killed'}${c.exitCodeAfter !== c.exitCodeBefore || r.status !== 'nothing-to-fix' ? ` → ${c.exitCodeAfter ?? 'killed'}` : ''}`,
    );
  if (r.repairs.length > 0) {
    out.push('', 'Repairs:');
    for (const rep of r.repairs) {
      out.push(
        `  [${rep.outcome}] ${rep.tier}/${rep.fixer}${rep.reason ? ` (${rep.reason})` : ''}`,
      );
      for (const d of rep.descriptions.slice(0, 10)) out.push(`      ${d}`);
      if (rep.descriptions.length > 10) out.push(`      … ${rep.descriptions.length - 10} more`);
    }
  }
  out.push(
    ...renderTasks(
      r.tasks.filter((t) => t.tierPath.length > 1 || t.escalations.length > 0 || t.calls > 0),
    ),
  );
  if (r.changedFiles.length > 0) out.push('', `Changed files: ${r.changedFiles.join(', ')}`);
  if (r.branch) out.push(...renderBranch(r.branch));
  out.push(...renderRemaining(r.remaining));
  for (const s of r.skippedTiers) out.push(`Tier ${s.tier} skipped: ${s.reason}`);
  out.push('', renderCost(r.cost, r.durationMs));
  if (r.nextStep) out.push('', renderNextStep(r.nextStep));
  return out.join('\n');
}

/** --branch leaves the user on the new branch: say so, and how to go back. */
function renderBranch(b: NonNullable<FixReport['branch']>): string[] {
  if (b.commit === null) return []; // nothing committed: stderr already said which files and why
  const lines = [
    `Committed ${b.commit.slice(0, 10)} on the new branch ${b.name}; you are on it now.`,
  ];
  if (b.from && b.from !== 'HEAD') lines.push(`Back to where you were: git switch ${b.from}`);
  return lines;
}

function renderNextStep(n: NonNullable<FixReport['nextStep']>): string {
  const price =
    n.estimateUsd === null ? '' : `, est. $${n.estimateUsd.toFixed(n.estimateUsd < 0.01 ? 4 : 2)}`;
  const head = `${n.failures} failure(s) left; \`--tiers ${n.tiers}\` would try a model (${n.model}${price})`;
  return n.usable ? `${head}.` : `${head}; it is not usable here yet: ${n.reason}.`;
}
