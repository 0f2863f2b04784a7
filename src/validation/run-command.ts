import path from 'node:path';
import { execa } from 'execa';
import { scrubEnv } from '../security/secrets.js';
import { type SandboxKind, sandboxCommand } from './sandbox.js';

export interface CommandRun {
  command: string;
  exitCode: number | null;
  /** stdout and stderr interleaved, as a terminal would show them. */
  output: string;
  /** stdout alone, for tools whose machine-readable answer is on stdout. */
  stdout: string;
  durationMs: number;
  timedOut: boolean;
  /** The command could not be started at all (e.g. shell missing). */
  spawnError?: string;
  /** How it was isolated: "bwrap" (bubblewrap) or "none" (fresh HOME only). */
  sandbox: SandboxKind;
  /** With "none": why (bwrap missing, AppArmor's user-namespace restriction, "off"). */
  sandboxReason?: string;
}

export interface RunOptions {
  cwd: string;
  timeoutMs: number;
  /** Extra secret variable names to keep out of the child's environment. */
  secretEnvVars?: readonly string[];
  signal?: AbortSignal;
  /** Grace period between SIGTERM and SIGKILL for the process group. */
  killGraceMs?: number;
}

const MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * Runs one configured validation command through the shell, in its own process group,
 * so a timeout or abort kills the whole tree (watchers, forked workers), not just the shell.
 * The child never sees secrets: it runs the repo's own, untrusted scripts.
 */
export async function runCommand(command: string, opts: RunOptions): Promise<CommandRun> {
  const started = performance.now();
  // An already-aborted signal never fires 'abort' again: do not start what would never be stopped.
  if (opts.signal?.aborted)
    return {
      command,
      exitCode: null,
      output: '',
      stdout: '',
      durationMs: 0,
      timedOut: false,
      sandbox: 'none',
    };
  const env = scrubEnv(process.env, opts.secretEnvVars);
  env.PATH = [path.join(opts.cwd, 'node_modules', '.bin'), env.PATH]
    .filter(Boolean)
    .join(path.delimiter);
  env.FORCE_COLOR = '0';
  env.NO_COLOR = '1';
  delete env.NODE_OPTIONS; // our own loader flags must not leak into the repo's tools

  const box = sandboxCommand(command, opts.cwd, env);
  const child = execa(box.file, box.args, {
    cwd: opts.cwd,
    env: box.env,
    extendEnv: false,
    all: true,
    reject: false,
    stdin: 'ignore',
    detached: true,
    maxBuffer: MAX_OUTPUT,
    stripFinalNewline: false,
  });

  let timedOut = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const killTree = () => {
    if (child.pid === undefined) return;
    signalGroup(child.pid, 'SIGTERM');
    graceTimer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), opts.killGraceMs ?? 2000);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killTree();
  }, opts.timeoutMs);
  const onAbort = () => killTree();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  // When the shell (or bwrap) exits, the command is over: what it left in its group dies now,
  // instead of holding the output pipes open (and writing files) after the proof was judged.
  child.once('exit', () => {
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
  });

  try {
    const result = await child;
    // The shell may exit before its children; make sure nothing of the group outlives the run.
    if (child.pid !== undefined && (timedOut || opts.signal?.aborted))
      signalGroup(child.pid, 'SIGKILL');
    const output = typeof result.all === 'string' ? result.all : '';
    const spawnError =
      result.failed && result.exitCode === undefined && !timedOut && !result.isTerminated
        ? result.shortMessage
        : undefined;
    return {
      command,
      exitCode: result.exitCode ?? null,
      output,
      stdout: typeof result.stdout === 'string' ? result.stdout : '',
      durationMs: Math.round(performance.now() - started),
      timedOut,
      ...(spawnError ? { spawnError } : {}),
      sandbox: box.kind,
      ...(box.why ? { sandboxReason: box.why } : {}),
    };
  } finally {
    // Whatever the shell left running in its group (a daemon, a watcher) ends with the command.
    if (child.pid !== undefined) {
      signalGroup(child.pid, 'SIGKILL');
      liveGroups.delete(child.pid);
    }
    box.cleanup();
    clearTimeout(timer);
    clearTimeout(graceTimer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** Process groups of running commands: none may outlive distiq, however it exits. */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
});

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Group already gone.
  }
}
