import { Flags } from '@oclif/core';
import { BaseCommand } from './base.js';
import { exitCodeForStatus } from '../report/status.js';
import { budgetFlag } from './flags.js';

export default class Review extends BaseCommand {
  static override summary =
    'Review a pull request: the changed hunks on the cheapest reviewer tier, one review with inline comments on the right lines, and its cost.';
  static override examples = [
    '<%= config.bin %> review --pr 7',
    '<%= config.bin %> review --pr 7 --dry-run --json',
  ];
  static override flags = {
    pr: Flags.integer({ summary: 'Pull request number.', required: true, min: 1 }),
    'dry-run': Flags.boolean({ default: false, summary: 'Print the review; post nothing.' }),
    budget: budgetFlag('Hard cap in USD for this review.'),
  };

  async run(): Promise<void> {
    const interrupt = this.interruptible();
    const { flags } = await this.parse(Review);
    const [
      { repoRoot },
      { loadJobConfig },
      { connectGitHub },
      { runReviewJob },
      { newRunId, writeRunFile },
    ] = await Promise.all([
      import('../forge/git.js'),
      import('../validation/job-config.js'),
      import('../jobs/local-github.js'),
      import('../jobs/review.js'),
      import('../report/run-file.js'),
    ]);
    try {
      const root = await repoRoot(flags.cwd);
      const { config, file } = await loadJobConfig(root, flags.config);
      const { gh, repo } = await connectGitHub(root);
      const report = await runReviewJob({
        root,
        config,
        configFile: file,
        gh,
        repo,
        pr: flags.pr,
        runId: newRunId(),
        post: !flags['dry-run'],
        budgetUsd: flags.budget,
        signal: interrupt.signal,
      });
      writeRunFile(root, report.runId, report);
      if (flags.json) return this.printJson(report);
      const lines = [
        `Review of #${report.pr}: ${report.status}${report.posted ? ` — ${report.posted.url}` : ''}`,
        '',
        report.summary,
        '',
      ];
      for (const c of report.comments)
        lines.push(`  ${c.path}:${c.line} [${c.severity}] ${c.body.split('\n')[0]}`);
      for (const c of report.folded)
        lines.push(`  (folded) ${c.path}:${c.line} [${c.severity}] ${c.body.split('\n')[0]}`);
      lines.push(
        '',
        `Spent $${report.cost.usd.toFixed(4)} · all-premium comparison ≈ $${report.cost.baselineUsd.toFixed(4)} (not spent) · tiers ${report.tierPath.join(' → ') || '-'}`,
      );
      this.print(lines.join('\n'));
      const code = exitCodeForStatus(report.status, 'review');
      if (code !== 0) this.exit(code);
    } finally {
      interrupt.dispose();
    }
  }
}
