import { formatFailure } from '../validation/failure.js';
import type { FixReport } from './fix-report.js';

const MAX_REMAINING_SHOWN = 20;

/** The human summary printed after a run (the JSON report is the machine form). */
export function renderFixReport(r: FixReport): string {
  const out: string[] = [];
  const headline: Record<FixReport['status'], string> = {
    fixed: `Fixed: ${r.failuresBefore} failure(s) → 0`,
    partial: `Partly fixed: ${r.failuresBefore} failure(s) → ${r.failuresAfter}`,
    failed: r.dryRun ? `Dry run: ${r.failuresBefore} failure(s); nothing was changed` : `Not fixed: ${r.failuresAfter} failure(s) remain`,
    'nothing-to-fix': 'Nothing to fix: every validation command passes',
    'over-budget': `Stopped at the budget: ${r.failuresAfter} failure(s) remain`,
  };
  out.push(headline[r.status]);
  for (const c of r.commands) out.push(`  ${c.kind.padEnd(9)} ${c.command}  exit ${c.exitCodeBefore ?? 'killed'}${c.exitCodeAfter !== c.exitCodeBefore || r.status !== 'nothing-to-fix' ? ` → ${c.exitCodeAfter ?? 'killed'}` : ''}`);
  if (r.repairs.length > 0) {
    out.push('', 'Repairs:');
    for (const rep of r.repairs) {
      out.push(`  [${rep.outcome}] ${rep.tier}/${rep.fixer}${rep.reason ? ` (${rep.reason})` : ''}`);
      for (const d of rep.descriptions.slice(0, 10)) out.push(`      ${d}`);
      if (rep.descriptions.length > 10) out.push(`      … ${rep.descriptions.length - 10} more`);
    }
  }
  if (r.changedFiles.length > 0) out.push('', `Changed files: ${r.changedFiles.join(', ')}`);
  if (r.branch) out.push(`Committed ${r.branch.commit.slice(0, 10)} on branch ${r.branch.name}`);
  if (r.remaining.length > 0) {
    out.push('', 'Remaining failures:');
    for (const f of r.remaining.slice(0, MAX_REMAINING_SHOWN)) out.push(`  ${formatFailure(f)}`);
    if (r.remaining.length > MAX_REMAINING_SHOWN) out.push(`  … ${r.remaining.length - MAX_REMAINING_SHOWN} more`);
  }
  for (const s of r.skippedTiers) out.push(`Tier ${s.tier} skipped: ${s.reason}`);
  out.push('', renderCostLine(r));
  return out.join('\n');
}

function renderCostLine(r: FixReport): string {
  const tiers = Object.entries(r.cost.byTier)
    .map(([tier, c]) => `${tier} ${c.calls} call(s) $${c.usd.toFixed(4)}`)
    .join(', ');
  const saving = r.cost.baselineUsd > 0 ? `, all-premium would have cost $${r.cost.baselineUsd.toFixed(4)}` : '';
  return `Cost: $${r.cost.usd.toFixed(4)} (${tiers || 'no calls'})${saving} · ${(r.durationMs / 1000).toFixed(1)}s`;
}
