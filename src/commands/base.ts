import { Command, Flags } from '@oclif/core';
import { DistiqError, ExitCode } from '../errors.js';
import { makeRedactor } from '../security/secrets.js';

/**
 * Shared flags and the single place where errors become output and exit codes.
 * With --json, stdout always carries exactly one JSON object, errors included.
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    cwd: Flags.directory({ summary: 'Run in this directory (the repository root is found from it).', default: '.', exists: true }),
    config: Flags.file({ summary: 'Use this config file instead of searching the repository root.', exists: true }),
    json: Flags.boolean({ summary: 'Print one JSON object on stdout (documented in the README).', default: false }),
  };

  protected readonly redact = makeRedactor();

  /**
   * From the call on, Ctrl-C aborts the returned signal instead of killing the process mid-write.
   * `on`, not `once`: execa's child cleanup (signal-exit) re-raises SIGINT when it sees no other
   * listener, and a `once` listener is already gone by then. A second Ctrl-C changes nothing.
   */
  protected interruptible(): { signal: AbortSignal; dispose: () => void } {
    const controller = new AbortController();
    const onSigint = () => {
      if (controller.signal.aborted) process.stderr.write('distiq: stopping; rolling back the edit in progress\n');
      controller.abort();
    };
    // SIGTERM (CI cancelling a job, `kill`) and SIGHUP (a closed terminal) stop the same careful way.
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, onSigint);
    return { signal: controller.signal, dispose: () => signals.forEach((s) => process.off(s, onSigint)) };
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

  override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err instanceof DistiqError) {
      if (this.wantsJson()) this.printJson({ schemaVersion: 1, status: 'error', error: { type: err.name, message: err.message, hint: err.hint ?? null, exitCode: err.exitCode } });
      else process.stderr.write(this.redact(`distiq: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`));
      this.exit(err.exitCode);
    }
    // oclif's own parse errors (unknown flag, bad value) are usage errors: exit 2.
    if (err.oclif?.exit === undefined || err.oclif.exit === 1) {
      if (/Nonexistent flag|Unexpected argument|Expected|must be|is not a|Missing required/i.test(err.message)) {
        if (this.wantsJson()) this.printJson({ schemaVersion: 1, status: 'error', error: { type: 'UsageError', message: err.message, hint: null, exitCode: ExitCode.USAGE } });
        else process.stderr.write(this.redact(`distiq: ${err.message}\n`));
        this.exit(ExitCode.USAGE);
      }
    }
    return super.catch(err);
  }
}
