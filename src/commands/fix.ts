import { Flags } from '@oclif/core';
import { TIER_NAMES, type TierName } from '../config/tiers.js';
import { UsageError } from '../errors.js';
import { BaseCommand } from './base.js';
import { budgetFlag } from './flags.js';

export default class Fix extends BaseCommand {
  static override summary =
    'Run the repo’s build/test/lint, repair what failed, and prove it with the same commands.';
  static override description =
    'Without --build/--test/--lint, every configured or detected command runs. The cheapest tier ($0 autofix: TypeScript code fixes, eslint --fix, prettier) is tried first; a repair is kept only if validation shows fewer failures and no new ones.';
  static override examples = [
    '<%= config.bin %> fix --build',
    '<%= config.bin %> fix --lint --dry-run',
    '<%= config.bin %> fix --build --json --branch distiq/fix-build',
  ];

  static override flags = {
    build: Flags.boolean({
      summary: 'Repair the build (build command, or the type check when there is none).',
    }),
    test: Flags.boolean({ summary: 'Repair failing tests.' }),
    lint: Flags.boolean({ summary: 'Repair lint failures.' }),
    tiers: Flags.string({
      summary: `Comma list of tiers to use, cheapest first (${TIER_NAMES.join(', ')}).`,
    }),
    budget: budgetFlag('Hard cap in USD for this run (overrides budget.perRun).'),
    'max-attempts': Flags.integer({
      summary: 'Attempts per tier before a task moves up (and $0 repair rounds).',
      min: 1,
      max: 20,
    }),
    concurrency: Flags.integer({
      summary: 'Tasks run at once (default: execute.concurrency in the config).',
      min: 1,
      max: 32,
    }),
    'dry-run': Flags.boolean({
      summary: 'Show failures and the planned repairs; change nothing.',
      default: false,
    }),
    branch: Flags.string({
      summary: 'Commit the repair on this new branch (default: leave changes in the working tree).',
    }),
    pr: Flags.boolean({
      default: false,
      summary:
        'Open (or update) a pull request with the repair, against the current branch (GITHUB_TOKEN or `gh auth token`).',
    }),
    base: Flags.string({
      summary:
        "The last green commit to compare against (default: fix.base, the workflow run's base, else HEAD~1).",
    }),
    'allow-dirty': Flags.boolean({
      default: false,
      summary:
        'Run on a working tree with uncommitted changes (they are never touched unless a repair needs the file, and restored exactly if it fails).',
    }),
  };

  async run(): Promise<void> {
    // First thing: a Ctrl-C from here on stops the run cleanly instead of killing it mid-write.
    const interrupt = this.interruptible();
    const { flags } = await this.parse(Fix);
    // The pipeline (typescript, listr2, execa…) loads only when a command runs: `--help` stays fast.
    const [{ runFix }, { exitCodeFor }, { renderFixReport }] = await Promise.all([
      import('../jobs/fix.js'),
      import('../report/fix-report.js'),
      import('../report/render-fix.js'),
    ]);
    try {
      const report = await runFix({
        cwd: flags.cwd,
        configFile: flags.config,
        targets: (['build', 'test', 'lint'] as const).filter((t) => flags[t]),
        tiers: flags.tiers === undefined ? undefined : parseTiers(flags.tiers),
        maxAttempts: flags['max-attempts'],
        dryRun: flags['dry-run'],
        allowDirty: flags['allow-dirty'],
        branch: flags.branch,
        json: flags.json,
        budgetUsd: flags.budget,
        concurrency: flags.concurrency,
        pr: flags.pr,
        base: flags.base,
        signal: interrupt.signal,
      });
      if (flags.json) this.printJson(report);
      else this.print(`\n${renderFixReport(report)}`);
      if (interrupt.signal.aborted) {
        process.stderr.write(
          'distiq: interrupted; repairs that passed validation were kept, the one in progress was rolled back.\n',
        );
        this.exit(130);
      }
      const code = exitCodeFor(report.status);
      if (code !== 0) this.exit(code);
    } finally {
      interrupt.dispose();
    }
  }
}

export function parseTiers(value: string): TierName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(TIER_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `Unknown tier${unknown.length > 1 ? 's' : ''} in --tiers: ${unknown.join(', ') || '(empty)'}`,
      `Known tiers: ${TIER_NAMES.join(', ')}.`,
    );
  }
  return names as TierName[];
}
