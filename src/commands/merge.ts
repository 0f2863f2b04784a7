import { Flags } from '@oclif/core';
import { BaseCommand } from './base.js';
import { exitCodeForStatus } from '../report/status.js';

export default class Merge extends BaseCommand {
  static override summary =
    'Apply every shard’s patch onto the plan’s commit (refusing conflicts), validate once, and report one cost table over all shards.';
  static override examples = ['<%= config.bin %> merge --plan plan.json --from shards/ --pr'];
  static override flags = {
    plan: Flags.string({ summary: 'The plan file.', required: true }),
    from: Flags.string({
      summary: 'Folder holding the shards’ shard-K.patch and shard-K.json.',
      required: true,
    }),
    pr: Flags.boolean({
      default: false,
      summary: 'Deliver the merged result as one pull request.',
    }),
  };

  async run(): Promise<void> {
    const interrupt = this.interruptible();
    const { flags } = await this.parse(Merge);
    const [{ runMergeJob }, { renderCost }] = await Promise.all([
      import('../jobs/shard.js'),
      import('../report/render-fix.js'),
    ]);
    try {
      const r = await runMergeJob({
        cwd: flags.cwd,
        configFile: flags.config,
        planFile: flags.plan,
        fromDir: flags.from,
        pr: flags.pr,
        signal: interrupt.signal,
      });
      if (flags.json) this.printJson(r);
      else {
        const lines = [
          `Merged ${r.plan.shards} shard(s): ${r.status}; failures ${r.failuresBefore} → ${r.failuresAfter}`,
        ];
        for (const s of r.shards)
          lines.push(
            `  shard ${s.shard}: ${s.status}, ${s.tasks} task(s), ${s.calls} call(s), $${s.usd.toFixed(4)} of $${s.sliceUsd.toFixed(4)} (unspent $${s.unspentUsd.toFixed(4)})`,
          );
        if (r.pullRequest) lines.push(`Pull request: ${r.pullRequest.url}`);
        lines.push('', renderCost(r.cost, r.durationMs));
        this.print(lines.join('\n'));
      }
      const code = exitCodeForStatus(r.status, 'merge');
      if (code !== 0) this.exit(code);
    } finally {
      interrupt.dispose();
    }
  }
}
