import { Args, Flags } from '@oclif/core';
import { BaseCommand } from './base.js';

export default class Plan extends BaseCommand {
  static override summary = 'Show the plan of a fix or implement job, with context size and estimated cost per tier; nothing is executed.';
  static override description = 'fix: runs the validation commands and groups the failures by cause, without a model ($0). implement: asks the planner model (its cost is shown under "planning"); no task is executed.';
  static override examples = ['<%= config.bin %> plan fix --build --json', '<%= config.bin %> plan implement --file TASK.md --json'];
  static override args = { job: Args.string({ required: true, options: ['fix', 'implement'], description: 'Which job to plan.' }) };
  static override flags = {
    build: Flags.boolean({ summary: 'fix: plan for the build.' }),
    test: Flags.boolean({ summary: 'fix: plan for the tests.' }),
    lint: Flags.boolean({ summary: 'fix: plan for lint.' }),
    file: Flags.string({ summary: 'implement: markdown checklist file.' }),
    text: Flags.string({ summary: 'implement: the checklist as markdown.' }),
    budget: Flags.string({ summary: 'Hard cap in USD for planning (implement).' }),
  };

  async run(): Promise<void> {
    const interrupt = this.interruptible();
    const { args, flags } = await this.parse(Plan);
    const { runPlan } = await import('../jobs/plan.js');
    try {
      const report = await runPlan({
        cwd: flags.cwd,
        configFile: flags.config,
        job: args.job as 'fix' | 'implement',
        targets: (['build', 'test', 'lint'] as const).filter((t) => flags[t]),
        file: flags.file,
        text: flags.text,
        budgetUsd: flags.budget === undefined ? undefined : Number(flags.budget),
        signal: interrupt.signal,
      });
      if (flags.json) return this.printJson(report);
      const out = [`Plan (${report.job}): ${report.tasks.length} task(s)`];
      for (const t of report.tasks) {
        const est = Object.entries(t.estimate.usdByTier).map(([tier, v]) => `${tier} $${v.usd.toFixed(4)}`).join(', ');
        out.push(`  ${t.id} ${t.title}`, `      files: ${t.files.join(', ') || '(any)'}${t.dependsOn.length ? ` · after ${t.dependsOn.join(', ')}` : ''} · tier ${t.tier}`, `      context ${t.estimate.inputTokens} tokens (${t.estimate.prefixTokens} shared prefix) · est. ${est || 'no priced tier'}`);
      }
      out.push(`Total per tier: ${Object.entries(report.totals.usdByTier).map(([tier, usd]) => `${tier} $${usd.toFixed(4)}`).join(', ') || '-'} · planning spent $${report.planning.usd.toFixed(4)}`);
      this.print(out.join('\n'));
    } finally {
      interrupt.dispose();
    }
  }
}
