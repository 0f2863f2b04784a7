import { Flags } from '@oclif/core';
import { BaseCommand } from './base.js';

export default class Context extends BaseCommand {
  static override summary = 'Print the few code spans a task needs, packed into a token budget.';
  static override examples = [
    '<%= config.bin %> context --failures',
    '<%= config.bin %> context --query "retry with backoff on 429" --tokens 4000 --json',
  ];
  static override flags = {
    failures: Flags.boolean({
      summary: 'Run the configured validation commands and localize their failures.',
    }),
    query: Flags.string({ summary: 'A task text (issue item, review request) to localize.' }),
    tokens: Flags.integer({ summary: 'Token budget for the spans.', default: 8000, min: 200 }),
    'repo-map': Flags.integer({ summary: 'Also print a ranked repo map within this many tokens.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Context);
    const { buildContext } = await import('../jobs/context.js');
    const warnings: string[] = [];
    const ctx = await buildContext({
      cwd: flags.cwd,
      configFile: flags.config,
      failures: flags.failures,
      query: flags.query,
      tokens: flags.tokens,
      repoMapTokens: flags['repo-map'],
      onWarn: (m) => warnings.push(m),
    });
    if (flags.json)
      return this.printJson({
        tokens: ctx.tokens,
        spans: ctx.spans.map(({ text: _t, ...s }) => s),
        ...(ctx.repoMap ? { repoMap: ctx.repoMap } : {}),
        warnings,
      });
    for (const w of warnings) process.stderr.write(`distiq: ${w}\n`);
    if (ctx.repoMap) this.print(`${ctx.repoMap.text}\n`);
    this.print(ctx.text || '(nothing to show)');
    this.print(`\n${ctx.spans.length} span(s), ${ctx.tokens} tokens`);
  }
}
