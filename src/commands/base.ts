import { Command, Flags, type Interfaces } from '@oclif/core';
import { DistiqError, UsageError } from '../errors.js';
import { trustRepoConfig } from '../providers/key-policy.js';
import { makeRedactor } from '../security/secrets.js';

/**
 * Shared flags and the single place where errors become output and exit codes.
 * With --json, stdout always carries exactly one JSON object, errors included.
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    cwd: Flags.directory({
      summary: 'Run in this directory (the repository root is found from it).',
      default: '.',
      exists: true,
    }),
    config: Flags.file({
      summary: 'Use this config file instead of searching the repository root.',
      exists: true,
    }),
    json: Flags.boolean({
      summary: 'Print one JSON object on stdout (documented in the README).',
      default: false,
    }),
    'trust-repo-config': Flags.boolean({
      summary: "Let the repository's own config send API keys to a custom baseURL.",
      default: false,
    }),
  };

  override async init(): Promise<void> {
    await super.init();
    // Process-wide, read where keys are handed to providers (src/providers/key-policy.ts).
    if (this.argv.includes('--trust-repo-config')) trustRepoConfig(true);
  }

  protected readonly redact = makeRedactor();

  /**
   * From the call on, Ctrl-C aborts the returned signal instead of killing the process mid-write.
   * `on`, not `once`: execa's child cleanup (signal-exit) re-raises SIGINT when it sees no other
   * listener, and a `once` listener is already gone by then. A second Ctrl-C changes nothing.
   */
  protected interruptible(): { signal: AbortSignal; dispose: () => void } {
    const controller = new AbortController();
    const onSigint = () => {
      if (controller.signal.aborted)
        process.stderr.write('distiq: stopping; rolling back the edit in progress\n');
      controller.abort();
    };
    // SIGTERM (CI cancelling a job, `kill`) and SIGHUP (a closed terminal) stop the same careful way.
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, onSigint);
    // bin/run.js's early handler would exit at once: from here on the run stops cleanly instead.
    const early = (globalThis as { distiqEarlyInterrupt?: () => void }).distiqEarlyInterrupt;
    if (early) for (const s of signals) process.off(s, early);
    return {
      signal: controller.signal,
      dispose: () => signals.forEach((s) => process.off(s, onSigint)),
    };
  }

  /** Every error from parsing flags and arguments is a usage error (exit 2), in one line. */
  protected override async parse<
    F extends Record<string, unknown>,
    B extends Record<string, unknown>,
    A extends Record<string, unknown>,
  >(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    try {
      return await super.parse(options, argv);
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err))
        .replace(/\n\s*See more help with --help\s*$/, '')
        .replace(/^Parsing (--[\w-]+)\s*\n\s*/, '$1: ');
      throw new UsageError(message, `\`distiq help ${this.id}\` lists the flags and arguments.`);
    }
  }

  protected printJson(value: unknown): void {
    process.stdout.write(this.redact(JSON.stringify(value, null, 2)) + '\n');
  }

  protected print(text: string): void {
    process.stdout.write(this.redact(text) + '\n');
  }

  protected wantsJson(): boolean {
    return this.argv.includes('--json');
  }

  override async catch(
    err: Error & { exitCode?: number; oclif?: { exit?: number }; code?: string },
  ): Promise<unknown> {
    // this.exit() throws an ExitError: the exit code was chosen already, pass it through.
    if (err.code === 'EEXIT') return super.catch(err);
    if (err instanceof DistiqError)
      return this.fail(err.name, err.message, err.hint ?? null, err.exitCode);
    // Anything unexpected: still one object on stdout under --json, with oclif's exit code.
    if (this.wantsJson())
      return this.fail(err.name || 'Error', err.message, null, err.oclif?.exit ?? 1);
    // Anything else goes to oclif's handler, which prints the message and stack: redact both first.
    err.message = this.redact(err.message);
    if (err.stack) err.stack = this.redact(err.stack);
    return super.catch(err);
  }

  /** The single place an error becomes output: a JSON object under --json, two lines otherwise. */
  private fail(type: string, message: string, hint: string | null, exitCode: number): never {
    if (this.wantsJson()) {
      this.printJson({
        schemaVersion: 1,
        status: 'error',
        error: { type, message, hint, exitCode },
      });
    } else {
      process.stderr.write(this.redact(`distiq: ${message}\n${hint ? `hint: ${hint}\n` : ''}`));
    }
    this.exit(exitCode);
    throw new Error('unreachable'); // this.exit always throws
  }
}
