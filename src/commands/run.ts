import { Flags } from '@oclif/core';
import { BaseCommand } from './base.js';
import { exitCodeForStatus } from '../report/status.js';
import { parseTiers } from './fix.js';

export default class Run extends BaseCommand {
  static override summary =
    'Run one shard of a plan made with `distiq plan … --matrix`: its tasks only, on its slice of the job budget; writes a patch and a report for `distiq merge`.';
  static override examples = ['<%= config.bin %> run --plan plan.json --shard 2 --out shards/'];
  static override flags = {
    plan: Flags.string({ summary: 'The plan file.', required: true }),
    shard: Flags.integer({ summary: 'Which shard (the matrix entry).', required: true, min: 0 }),
    out: Flags.string({
      summary: 'Folder for shard-K.patch and shard-K.json.',
      default: 'distiq-shards',
    }),
    tiers: Flags.string({ summary: 'Executor tiers, cheapest first.' }),
    concurrency: Flags.integer({ summary: 'Tasks at once on this runner.', min: 1, max: 32 }),
    'max-attempts': Flags.integer({ summary: 'Attempts per tier.', min: 1, max: 20 }),
  };

  async run(): Promise<void> {
    const interrupt = this.interruptible();
    const { flags } = await this.parse(Run);
    const { runShardJob } = await import('../jobs/shard.js');
    try {
      const r = await runShardJob({
        cwd: flags.cwd,
        configFile: flags.config,
        planFile: flags.plan,
        shard: flags.shard,
        outDir: flags.out,
        tiers: flags.tiers ? parseTiers(flags.tiers) : undefined,
        concurrency: flags.concurrency,
        maxAttempts: flags['max-attempts'],
        json: flags.json,
        signal: interrupt.signal,
      });
      if (flags.json) this.printJson(r);
      else
        this.print(
          `Shard ${r.shard}: ${r.status}; ${r.tasks.filter((t) => t.status === 'fixed' || t.status === 'done').length}/${r.tasks.length} task(s); spent $${r.budget.spentUsd.toFixed(4)} of its $${r.budget.sliceUsd.toFixed(4)} slice; patch ${r.patch} (${r.changedFiles.length} file(s))`,
        );
      if (interrupt.signal.aborted) this.exit(130);
      const code = exitCodeForStatus(r.status, 'shard');
      if (code !== 0) this.exit(code);
    } finally {
      interrupt.dispose();
    }
  }
}
