import { Args } from '@oclif/core';
import { BaseCommand } from './base.js';

export default class Models extends BaseCommand {
  static override summary =
    'List the model tiers, which models are usable here and why not, with list prices.';
  static override examples = [
    '<%= config.bin %> models',
    '<%= config.bin %> models --json',
    '<%= config.bin %> models pull hf:user/repo/model.Q4_K_M.gguf',
  ];
  static override args = {
    action: Args.string({
      description: '"pull" to download a GGUF model',
      options: ['pull'],
      required: false,
    }),
    uri: Args.string({ description: 'model URI for pull (hf:…, https://…)', required: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Models);
    const { listModels, pullModel } = await import('../jobs/models.js');
    if (args.action === 'pull') {
      if (!args.uri) {
        const { UsageError } = await import('../errors.js');
        throw new UsageError(
          'distiq models pull needs a model URI',
          'e.g. distiq models pull hf:user/repo/model.Q4_K_M.gguf',
        );
      }
      const file = await pullModel(flags.cwd, args.uri);
      if (flags.json) return this.printJson({ path: file });
      this.print(
        `Downloaded to ${file}\nUse it with: {"providers": {"local": {"type": "llama", "modelPath": "${file}"}}, "tiers": {"local": [{"provider": "local", "model": "local"}]}}`,
      );
      return;
    }
    const listing = await listModels(flags.cwd, flags.config);
    if (flags.json) return this.printJson(listing);
    for (const t of listing.tiers) {
      this.print(`${t.tier}:`);
      if (t.models.length === 0) this.print('  (no models configured)');
      for (const m of t.models) {
        const price =
          m.inputPerMTok === null ? '' : `  $${m.inputPerMTok}/$${m.outputPerMTok} per M in/out`;
        this.print(
          `  ${m.usable ? '✔' : '✖'} ${m.provider}/${m.model}${price}${m.reason ? `  — ${m.reason}` : ''}`,
        );
      }
    }
    this.print(
      `roles: ${Object.entries(listing.roles)
        .map(([r, ts]) => `${r} → ${ts.join(', ')}`)
        .join('; ')}`,
    );
    const { daily, monthly } = listing.budget;
    const limits = [
      daily ? `$${daily} per day` : 'no daily limit',
      monthly ? `$${monthly} per month` : 'no monthly limit',
    ];
    this.print(
      `budget: $${listing.budget.perRun} per run, ${limits.join(', ')} (budget.daily / budget.monthly)`,
    );
    if (!listing.localTier.installed)
      this.print(
        `local tier: needs node-llama-cpp (optional, not installed): ${listing.localTier.install}`,
      );
  }
}
