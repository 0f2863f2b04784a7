import type { CommandKind } from '../config/schema.js';
import type { ResolvedCommand } from '../detect/commands.js';
import { UsageError } from '../errors.js';
import type { Failure } from './failure.js';
import { parseFailures } from './parsers/index.js';
import { runCommand, type CommandRun } from './run-command.js';

export interface CommandResult {
  kind: CommandKind;
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  failures: Failure[];
  /** Last lines of output, for the report when nothing could be parsed. */
  tail: string;
  /** "bwrap" or "none": how the command was isolated (see validation/sandbox.ts). */
  sandbox?: 'bwrap' | 'none';
  sandboxReason?: string;
}

export interface Validation {
  results: CommandResult[];
  failures: Failure[];
  ok: boolean;
}

export interface ValidateOptions {
  root: string;
  secretEnvVars: readonly string[];
  signal?: AbortSignal;
  onCommand?: (cmd: ResolvedCommand, result?: CommandResult) => void;
}

const NOT_FOUND_EXIT = 127;

/** Runs the configured commands in order; success is their real exit code, never anyone's opinion. */
export async function validate(
  commands: ResolvedCommand[],
  opts: ValidateOptions,
): Promise<Validation> {
  const results: CommandResult[] = [];
  for (const cmd of commands) {
    if (opts.signal?.aborted) break;
    opts.onCommand?.(cmd);
    const run = await runCommand(cmd.run, {
      cwd: opts.root,
      timeoutMs: cmd.timeoutMs,
      secretEnvVars: opts.secretEnvVars,
      signal: opts.signal,
    });
    const result = toResult(cmd, run, opts.root);
    opts.onCommand?.(cmd, result);
    results.push(result);
  }
  return fromResults(results);
}

function fromResults(results: CommandResult[]): Validation {
  // Two commands often report one problem (cargo build and cargo test): count it once.
  const seen = new Set<string>();
  const failures = results
    .flatMap((r) => r.failures)
    .filter((f) => {
      const k = [f.tool, f.file, f.line, f.column, f.code, f.test ?? '', f.message].join('\u0000');
      return seen.has(k) ? false : (seen.add(k), true);
    });
  return { results, failures, ok: results.every((r) => r.exitCode === 0) };
}

function toResult(cmd: ResolvedCommand, run: CommandRun, root: string): CommandResult {
  const tail = run.output.split('\n').slice(-20).join('\n').trim();
  if (
    run.spawnError ||
    (run.exitCode === NOT_FOUND_EXIT && /not found|No such file/i.test(run.output))
  ) {
    throw new UsageError(
      `The ${cmd.kind} command \`${cmd.run}\` could not be run: ${(run.spawnError ?? tail).split('\n').pop()}`,
      cmd.source === 'config'
        ? `Check commands.${cmd.kind} in your distiq config.`
        : `It was detected from ${cmd.source}; set commands.${cmd.kind} in the distiq config to override it.`,
    );
  }
  const base = {
    kind: cmd.kind,
    command: cmd.run,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    durationMs: run.durationMs,
    tail,
    sandbox: run.sandbox,
    ...(run.sandboxReason ? { sandboxReason: run.sandboxReason } : {}),
  };
  if (run.timedOut) {
    const message = `\`${cmd.run}\` timed out after ${Math.round(cmd.timeoutMs / 1000)}s; its whole process tree was killed (raise commands.${cmd.kind}.timeoutSec if it needs longer)`;
    return {
      ...base,
      failures: [
        {
          tool: cmd.kind,
          file: null,
          line: null,
          column: null,
          code: 'timeout',
          severity: 'error',
          message,
        },
      ],
    };
  }
  if (run.exitCode === 0) return { ...base, failures: [] };
  const parsed = parseFailures(run.output, { root });
  const failures =
    parsed.length > 0
      ? parsed
      : [
          {
            tool: cmd.kind,
            file: null,
            line: null,
            column: null,
            code: `exit-${run.exitCode}`,
            severity: 'error' as const,
            message: `\`${cmd.run}\` exited with code ${run.exitCode}${tail ? `:\n${tail}` : ' and printed nothing'}`,
          },
        ];
  return { ...base, failures };
}

/**
 * Proves one task quickly: commands with a `scoped` variant run on the task's files only, and their
 * failures replace what `current` knew about those files; the others run in full. The job still
 * runs every command in full before it reports (see the executor).
 */
export async function validateScoped(
  commands: ResolvedCommand[],
  files: string[],
  current: Validation,
  opts: ValidateOptions,
): Promise<{ validation: Validation; scoped: boolean }> {
  const usable = files.length > 0 && commands.some((c) => c.scoped);
  if (!usable) return { validation: await validate(commands, opts), scoped: false };
  const { shellQuote } = await import('../util-shell.js');
  const fileSet = new Set(files);
  const narrowed = commands.map((c) =>
    c.scoped ? { ...c, run: c.scoped.replaceAll('{files}', files.map(shellQuote).join(' ')) } : c,
  );
  const raw = await validate(narrowed, opts);
  const results = raw.results.map((r, i) => {
    const cmd = commands[i]!;
    if (!cmd.scoped) return r;
    const prev = current.results.find((p) => p.kind === cmd.kind);
    const elsewhere = (prev?.failures ?? []).filter((f) => !f.file || !fileSet.has(f.file));
    const failures = [...elsewhere, ...r.failures];
    return {
      ...r,
      command: cmd.run,
      exitCode: failures.length === 0 && r.exitCode === 0 ? 0 : r.exitCode || prev?.exitCode || 1,
      failures,
    };
  });
  return { validation: fromResults(results), scoped: true };
}
