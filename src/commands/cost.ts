import { Flags } from '@oclif/core';
import { BaseCommand } from './base.js';

export default class Cost extends BaseCommand {
  static override summary =
    'Report model spend recorded in the repo ledger for this day, week or month (UTC).';
  static override examples = [
    '<%= config.bin %> cost',
    '<%= config.bin %> cost --period week --json',
  ];
  static override flags = {
    period: Flags.string({
      summary: 'day, week or month',
      options: ['day', 'week', 'month'],
      default: 'month',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Cost);
    const { summarizeCost } = await import('../jobs/cost.js');
    const s = await summarizeCost(
      flags.cwd,
      flags.period as 'day' | 'week' | 'month',
      flags.config,
    );
    if (flags.json) return this.printJson(s);
    this.print(
      `Spend since ${s.since} (${s.period}): $${s.usd.toFixed(4)} in ${s.calls} call(s) over ${s.runs} run(s)`,
    );
    for (const m of s.byModel)
      this.print(
        `  ${m.tier.padEnd(8)} ${`${m.provider}/${m.model}`.padEnd(36)} ${String(m.calls).padStart(5)} calls  in ${m.inputTokens} (cache r/w ${m.cacheReadTokens}/${m.cacheWriteTokens})  out ${m.outputTokens}  $${m.usd.toFixed(4)}`,
      );
    const lim = s.limits;
    // Unset daily/monthly limits are shown as such: no default is enforced for them.
    const day = lim.daily ? `$${lim.daily} per day` : 'no daily limit';
    const month = lim.monthly ? `$${lim.monthly} per month` : 'no monthly limit';
    this.print(
      `Limits: $${lim.perRun} per run, ${day}, ${month} (budget.perRun / daily / monthly)`,
    );
  }
}
