import { Flags } from '@oclif/core';
import { BaseCommand } from './base.js';

export default class Config extends BaseCommand {
  static override summary =
    'Print the resolved config, the file it came from and the validation commands in use.';
  static override examples = [
    '<%= config.bin %> config',
    '<%= config.bin %> config --json',
    '<%= config.bin %> config --schema > distiq.schema.json',
  ];
  static override flags = {
    schema: Flags.boolean({
      summary: 'Print the JSON Schema of the config file (for editor autocompletion).',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Config);
    const [{ configJsonSchema }, { showConfig }] = await Promise.all([
      import('../config/schema.js'),
      import('../jobs/config.js'),
    ]);
    if (flags.schema) return this.printJson(configJsonSchema());
    const shown = await showConfig(flags.cwd, flags.config);
    if (flags.json) return this.printJson(shown);
    this.print(`Config file: ${shown.file ?? '(none: defaults)'}`);
    this.print('Validation commands:');
    for (const [kind, c] of Object.entries(shown.commands))
      this.print(`  ${kind.padEnd(9)} ${c.run}   (${c.source}, timeout ${c.timeoutMs / 1000}s)`);
    if (Object.keys(shown.commands).length === 0)
      this.print('  (none detected: set commands.build / test / lint)');
    this.print('Resolved config:');
    this.print(JSON.stringify(shown.config, null, 2));
  }
}
