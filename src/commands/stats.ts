import { Flags } from '@oclif/core';
import { BaseCommand } from './base.js';

export default class Stats extends BaseCommand {
  static override summary =
    'Runs, model calls, cache and fix-memory hits, savings, spend by tier and which tier solved each failure class.';
  static override examples = [
    '<%= config.bin %> stats',
    '<%= config.bin %> stats --period week --json',
  ];
  static override flags = {
    period: Flags.string({
      summary: 'day, week or month (UTC)',
      options: ['day', 'week', 'month'],
      default: 'month',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Stats);
    const { summarizeStats } = await import('../jobs/stats.js');
    const s = await summarizeStats(flags.cwd, flags.period as 'day' | 'week' | 'month');
    if (flags.json) return this.printJson(s);
    this.print(
      `Since ${s.since} (${s.period}): ${s.runs} run(s), ${s.tasks} task(s), ${s.modelCalls} model call(s), $${s.usd.toFixed(4)}`,
    );
    this.print(
      `  cache:  ${s.cache.hits} hit(s) (${s.cache.pct}% of requests), saved $${s.cache.savedUsd.toFixed(4)} and ${s.cache.savedTokens} tokens`,
    );
    this.print(
      `  memory: ${s.memory.hits} hit(s) (${s.memory.pct}% of tasks) from ${s.memory.tried} tried, saved $${s.memory.savedUsd.toFixed(4)}; ${s.memory.size.entries} entries, ${s.memory.size.bytes} bytes`,
    );
    this.print(
      `  spend by tier: ${
        Object.entries(s.spendByTier)
          .map(([t, u]) => `${t} $${u.toFixed(4)}`)
          .join(', ') || 'none'
      }`,
    );
    for (const [cls, c] of Object.entries(s.byClass))
      this.print(
        `  ${cls.padEnd(24)} ${c.tasks} task(s): ${
          Object.entries(c.solvedBy)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ') || 'none solved'
        }${c.unsolved ? `, ${c.unsolved} unsolved` : ''}`,
      );
  }
}
