/**
 * Typed errors that carry their exit code and a hint for the user.
 * Only the CLI entry point turns them into a process exit (see commands/base.ts).
 */
export const ExitCode = {
  OK: 0,
  NOT_FIXED: 1,
  USAGE: 2,
  BUDGET: 3,
  INTERNAL: 70,
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class DistiqError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags, missing command, refusing to run: exit 2. */
export class UsageError extends DistiqError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.USAGE, hint);
  }
}

export interface ConfigProblem {
  /** Dotted key path inside the config, e.g. `commands.build.timeoutSec`. */
  keyPath: string;
  expected: string;
  found: string;
}

/** Invalid config: names the file, every bad key, what was expected and what was found. */
export class ConfigError extends DistiqError {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    const lines = problems.map(
      (p) => `  ${p.keyPath || '(root)'}: expected ${p.expected}, found ${p.found}`,
    );
    super(
      `Invalid config in ${file}:\n${lines.join('\n')}`,
      ExitCode.USAGE,
      'Fix the keys above; `distiq config --schema` prints the JSON Schema.',
    );
  }
}

/** The working tree has uncommitted changes and the user did not allow it. */
export class DirtyTreeError extends DistiqError {
  constructor(readonly paths: string[]) {
    const shown =
      paths.slice(0, 10).join(', ') + (paths.length > 10 ? `, … (${paths.length} in all)` : '');
    super(
      `The working tree has uncommitted changes: ${shown}`,
      ExitCode.USAGE,
      'Commit or stash them first, or pass --allow-dirty (distiq restores any file it fails to repair byte for byte).',
    );
  }
}

/** Spending more would cross a budget limit: exit 3. */
export class BudgetExceededError extends DistiqError {
  constructor(message: string, hint?: string) {
    super(
      message,
      ExitCode.BUDGET,
      hint ??
        'Raise budget.perRun / budget.daily / budget.monthly in the config, or pass --budget.',
    );
  }
}

/** Ctrl-C before there was anything to report. */
export class InterruptedError extends DistiqError {
  constructor(what: string) {
    super(`Interrupted ${what}; nothing was changed.`, ExitCode.INTERRUPTED);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The config file does not parse: the parser's own words, line and column; no key to blame. */
export class ConfigSyntaxError extends DistiqError {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly line: number | null,
    readonly column: number | null,
    frame: string,
  ) {
    const at =
      line === null ? '' : ` at line ${line}${column === null ? '' : `, column ${column}`}`;
    super(
      `Cannot parse the config ${file}${at}: ${detail}${frame ? `\n${frame}` : ''}`,
      ExitCode.USAGE,
      `Fix the syntax${at}; \`distiq config\` re-reads the file and shows the result.`,
    );
  }
}
