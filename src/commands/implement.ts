import { Flags } from '@oclif/core';
import { BaseCommand } from './base.js';
import { budgetFlag } from './flags.js';
import { parseTiers } from './fix.js';

export default class Implement extends BaseCommand {
  static override summary =
    'Implement the unchecked items of a markdown checklist: a cheap planner splits them into tasks, executors do them in parallel, the repo’s own commands prove them.';
  static override description =
    'Each task is proven by the validation commands (build, typecheck, lint, test): it is kept only if no new failure appears, otherwise rolled back, retried with the failure as feedback, and moved up its tier ladder.';
  static override examples = [
    '<%= config.bin %> implement --file TASK.md',
    '<%= config.bin %> implement --issue 42 --pr',
    '<%= config.bin %> implement --text "- [ ] add a --verbose flag" --budget 0.50 --json',
    '<%= config.bin %> implement --file TASK.md --branch distiq/implement-task',
  ];

  static override flags = {
    file: Flags.string({ summary: 'Markdown file whose unchecked "- [ ]" items are the work.' }),
    text: Flags.string({ summary: 'The checklist itself, as markdown.' }),
    issue: Flags.integer({
      summary: 'Read the checklist from this GitHub issue (GITHUB_TOKEN or `gh auth token`).',
      min: 1,
    }),
    pr: Flags.boolean({
      default: false,
      summary: 'Open (or update) a pull request with the result.',
    }),
    tiers: Flags.string({
      summary: 'Comma list of executor tiers, cheapest first (default: implement.tiers).',
    }),
    budget: budgetFlag('Hard cap in USD for this run, planner included (overrides budget.perRun).'),
    'max-attempts': Flags.integer({
      summary: 'Attempts per tier before a task moves up.',
      min: 1,
      max: 20,
    }),
    concurrency: Flags.integer({
      summary: 'Tasks run at once (default: execute.concurrency).',
      min: 1,
      max: 32,
    }),
    branch: Flags.string({ summary: 'Commit the result on this new branch.' }),
    'allow-dirty': Flags.boolean({
      default: false,
      summary:
        'Run on a working tree with uncommitted changes (files a task fails on are restored byte for byte).',
    }),
  };

  async run(): Promise<void> {
    const interrupt = this.interruptible();
    const { flags } = await this.parse(Implement);
    const [{ runImplement }, { implementExitCode }, { renderImplementReport }] = await Promise.all([
      import('../jobs/implement.js'),
      import('../report/implement-report.js'),
      import('../report/render-implement.js'),
    ]);
    try {
      const report = await runImplement({
        cwd: flags.cwd,
        configFile: flags.config,
        file: flags.file,
        text: flags.text,
        issue: flags.issue,
        pr: flags.pr,
        tiers: flags.tiers === undefined ? undefined : parseTiers(flags.tiers),
        maxAttempts: flags['max-attempts'],
        concurrency: flags.concurrency,
        budgetUsd: flags.budget,
        allowDirty: flags['allow-dirty'],
        branch: flags.branch,
        json: flags.json,
        signal: interrupt.signal,
      });
      if (flags.json) this.printJson(report);
      else this.print(`\n${renderImplementReport(report)}`);
      if (interrupt.signal.aborted) {
        process.stderr.write(
          'distiq: interrupted; tasks that passed validation were kept, the one in progress was rolled back.\n',
        );
        this.exit(130);
      }
      const code = implementExitCode(report.status);
      if (code !== 0) this.exit(code);
    } finally {
      interrupt.dispose();
    }
  }
}
