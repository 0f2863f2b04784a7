import { Args } from '@oclif/core';
import { BaseCommand } from './base.js';

export default class Memory extends BaseCommand {
  static override summary =
    "Show, export or import the repo's fix memory (proven repairs distiq replays at $0).";
  static override examples = [
    '<%= config.bin %> memory',
    '<%= config.bin %> memory export memory.json',
    '<%= config.bin %> memory import memory.json --json',
  ];
  static override args = {
    action: Args.string({
      description: 'export or import (none: show size)',
      options: ['export', 'import'],
      required: false,
    }),
    file: Args.string({
      description: 'the memory file to write (export) or read (import)',
      required: false,
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Memory);
    const jobs = await import('../jobs/memory.js');
    if (args.action && !args.file) {
      const { UsageError } = await import('../errors.js');
      throw new UsageError(
        `distiq memory ${args.action} needs a FILE`,
        `e.g. distiq memory ${args.action} memory.json`,
      );
    }
    if (args.action === 'export') {
      const r = await jobs.exportMemory(flags.cwd, args.file!);
      if (flags.json) return this.printJson(r);
      return this.print(`Exported ${r.size.entries} entries (${r.size.bytes} bytes) to ${r.file}`);
    }
    if (args.action === 'import') {
      const r = await jobs.importMemory(flags.cwd, args.file!);
      if (flags.json) return this.printJson(r);
      return this.print(
        `Imported ${r.imported} new entries (${r.known} already known); memory now ${r.size.entries} entries, ${r.size.bytes} bytes${r.size.evicted ? `, ${r.size.evicted} evicted` : ''}`,
      );
    }
    const info = await jobs.memoryInfo(flags.cwd);
    if (flags.json) return this.printJson(info);
    this.print(`${info.file}: ${info.size.entries} entries, ${info.size.bytes} bytes`);
    for (const [tool, n] of Object.entries(info.byTool)) this.print(`  ${tool.padEnd(10)} ${n}`);
    if (info.warning) this.print(`warning: ${info.warning}`);
  }
}
