import { Args, Flags } from '@oclif/core';
import { BaseCommand } from './base.js';
import { budgetFlag } from './flags.js';

export default class Plan extends BaseCommand {
  static override summary =
    'Show the plan of a fix or implement job, with context size and estimated cost per tier; nothing is executed.';
  static override description =
    'fix: runs the validation commands and groups the failures by cause, without a model ($0). implement: asks the planner model (its cost is shown under "planning"); no task is executed.';
  static override examples = [
    '<%= config.bin %> plan fix --build --json',
    '<%= config.bin %> plan implement --file TASK.md --json',
    '<%= config.bin %> plan fix --build --matrix --shards 4 --out plan.json',
  ];
  static override args = {
    job: Args.string({
      required: true,
      options: ['fix', 'implement'],
      description: 'Which job to plan.',
    }),
  };
  static override flags = {
    build: Flags.boolean({ summary: 'fix: plan for the build.' }),
    test: Flags.boolean({ summary: 'fix: plan for the tests.' }),
    lint: Flags.boolean({ summary: 'fix: plan for lint.' }),
    file: Flags.string({ summary: 'implement: markdown checklist file.' }),
    text: Flags.string({ summary: 'implement: the checklist as markdown.' }),
    budget: budgetFlag(
      'Hard cap in USD for planning (implement); with --matrix, the whole job budget the shards share.',
    ),
    matrix: Flags.boolean({
      default: false,
      summary:
        'Write the plan to --out and print a GitHub Actions matrix ({"include":[{"shard":0,"tasks":"t1,t4","tier":"cheap"}]}).',
    }),
    shards: Flags.integer({ summary: 'With --matrix: the number of shards.', min: 1, max: 256 }),
    'max-tasks-per-shard': Flags.integer({
      summary:
        'With --matrix: shards of at most this many tasks (dependent or file-sharing tasks stay together).',
      min: 1,
    }),
    out: Flags.string({
      summary: 'With --matrix: where to write the plan file.',
      default: 'distiq-plan.json',
    }),
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
        budgetUsd: flags.budget,
        ...(flags.matrix
          ? {
              matrix: {
                out: flags.out,
                shards: flags.shards,
                maxTasksPerShard: flags['max-tasks-per-shard'],
              },
            }
          : {}),
        signal: interrupt.signal,
      });
      if (flags.matrix && !flags.json) return this.print(report.matrix!);
      if (flags.json) return this.printJson(report);
      const out = [`Plan (${report.job}): ${report.tasks.length} task(s)`];
      for (const t of report.tasks) {
        const est = Object.entries(t.estimate.usdByTier)
          .map(([tier, v]) => `${tier} $${v.usd.toFixed(4)}`)
          .join(', ');
        out.push(
          `  ${t.id} ${t.title}`,
          `      files: ${t.files.join(', ') || '(any)'}${t.dependsOn.length ? ` · after ${t.dependsOn.join(', ')}` : ''} · tier ${t.tier}`,
          `      context ${t.estimate.inputTokens} tokens (${t.estimate.prefixTokens} shared prefix) · est. ${est || 'no priced tier'}`,
        );
        if (t.route)
          out.push(
            `      route: start on ${t.route.startTier}, attempts ${Object.entries(
              t.route.attempts ?? {},
            )
              .map(([tier, n]) => `${tier}×${n}`)
              .join(
                ' ',
              )}, expected $${(t.route.expectedUsd ?? 0).toFixed(4)} (${t.route.reason}); ${t.route.estimates.map((e) => `${e.tier} P=${e.pSuccess} per attempt ${e.pAttempt.join('/')} E=$${e.expectedUsd.toFixed(4)}`).join(', ')}`,
          );
      }
      out.push(
        `Total per tier: ${
          Object.entries(report.totals.usdByTier)
            .map(([tier, usd]) => `${tier} $${usd.toFixed(4)}`)
            .join(', ') || '-'
        } · planning spent $${report.planning.usd.toFixed(4)}`,
      );
      this.print(out.join('\n'));
    } finally {
      interrupt.dispose();
    }
  }
}
