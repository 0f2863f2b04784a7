import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  type ChangedFile,
  changedFiles,
  changedSinceUpstream,
  git,
  parsePushInput,
  readAtCommits,
} from './changed-files.js';
import { shellQuote } from '../util-shell.js';
import { loadHookConfig, type PrePushConfig } from './hook-config.js';
import type { DistiqConfig } from '../config/schema.js';

export type FindingClass = 'syntax' | 'commands' | 'review';

export interface Finding {
  kind: FindingClass;
  file: string | null;
  line: number | null;
  message: string;
  /** The command that repairs it. */
  fix?: string;
}

export interface PrePushResult {
  files: string[];
  findings: Finding[];
  blocked: boolean;
  fixCommand: string | null;
  skipped?: string;
}

/**
 * `distiq hook run pre-push`: everything cheap that can be known before code leaves the machine,
 * run in parallel over the files the push changes. Only the classes the config marks blocking
 * stop the push; `--no-verify` or DISTIQ_SKIP_HOOK=1 bypass it, and it does nothing in CI.
 */
export async function runPrePush(opts: {
  cwd: string;
  remote?: string;
  stdin: string;
  env?: NodeJS.ProcessEnv;
}): Promise<PrePushResult> {
  const env = opts.env ?? process.env;
  if (isOn(env.DISTIQ_SKIP_HOOK))
    return {
      files: [],
      findings: [],
      blocked: false,
      fixCommand: null,
      skipped: 'DISTIQ_SKIP_HOOK is set',
    };
  if (isOn(env.CI))
    return {
      files: [],
      findings: [],
      blocked: false,
      fixCommand: null,
      skipped: 'CI: the pipeline validates pushes itself',
    };
  const root = (await git(opts.cwd, 'rev-parse', '--show-toplevel')).trim();
  const gitDir = path.resolve(root, (await git(root, 'rev-parse', '--git-dir')).trim());
  const [{ prePush, secretEnvVars, config }, files] = await Promise.all([
    loadHookConfig(root, gitDir),
    opts.stdin.trim()
      ? changedFiles(root, opts.remote, parsePushInput(opts.stdin))
      : changedSinceUpstream(root),
  ]);
  const checks: Promise<Finding[]>[] = [];
  if (prePush.syntax) checks.push(syntaxCheck(root, files));
  for (const cmd of prePush.commands) checks.push(commandCheck(root, files, cmd, secretEnvVars));
  if (prePush.review.tiers.length > 0)
    checks.push(import('./review.js').then((m) => m.reviewPush(root, files, prePush, config)));
  const findings = onceEach((await Promise.all(checks)).flat());
  const blocking = findings.filter((f) => prePush.block.includes(f.kind));
  const fixCommand = blocking.length ? await runnableFix(root, config, pickFix(blocking)) : null;
  return { files: files.map((f) => f.path), findings, blocked: blocking.length > 0, fixCommand };
}

/**
 * One finding per problem: the syntax check and a type-check command both report a broken
 * line; the syntax finding (first, and the more precise) stands for both.
 */
function onceEach(findings: Finding[]): Finding[] {
  const syntaxAt = new Set(
    findings.filter((f) => f.kind === 'syntax').map((f) => `${f.file}:${f.line}`),
  );
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (f.kind === 'commands' && f.file !== null && syntaxAt.has(`${f.file}:${f.line}`))
      return false;
    const key = [f.kind, f.file, f.line, f.message].join('\u0000');
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/**
 * Suggest a `distiq fix --<target>` only when this repo has a command for that target; a user's
 * own `fix:` text is theirs to choose. Otherwise no distiq command is named.
 */
async function runnableFix(
  root: string,
  config: DistiqConfig,
  fix: string,
): Promise<string | null> {
  const target = /^distiq fix --(build|test|lint)$/.exec(fix)?.[1] as
    'build' | 'test' | 'lint' | undefined;
  if (!target) return fix;
  const { resolveCommands } = await import('../detect/commands.js'); // only when a push is blocked
  const resolved = resolveCommands(root, config);
  const available =
    target === 'build' ? Boolean(resolved.build ?? resolved.typecheck) : Boolean(resolved[target]);
  return available ? fix : null;
}

async function syntaxCheck(root: string, files: ChangedFile[]): Promise<Finding[]> {
  const { isSyntaxCheckable, newSyntaxProblems } = await import('../context/syntax-check.js');
  const checkable = files.filter((f) => isSyntaxCheckable(f.path));
  if (checkable.length === 0) return [];
  // New and base versions in one `git cat-file --batch`.
  const contents = await readAtCommits(root, [
    ...checkable,
    ...checkable.filter((f) => f.base).map((f) => ({ path: f.path, sha: f.base! })),
  ]);
  const out: Finding[] = [];
  for (const f of checkable) {
    const text = contents.get(`${f.sha}:${f.path}`);
    if (text === undefined || text.includes('\0')) continue;
    // Only what this push broke: a problem the file already had (or a grammar gap) is not news.
    const before = f.base ? (contents.get(`${f.base}:${f.path}`) ?? null) : null;
    for (const p of await newSyntaxProblems(f.path, before, text))
      out.push({
        kind: 'syntax',
        file: f.path,
        line: p.line,
        message: p.message,
        fix: 'distiq fix --build',
      });
  }
  return out;
}

async function commandCheck(
  root: string,
  files: ChangedFile[],
  cmd: PrePushConfig['commands'][number],
  secretEnvVars: string[],
): Promise<Finding[]> {
  const pattern = new RegExp(cmd.pattern);
  const targets = files
    .map((f) => f.path)
    .filter((p) => pattern.test(p) && existsSync(path.join(root, p)));
  if (cmd.scope === 'files' && targets.length === 0) return [];
  const { runCommand } = await import('../validation/run-command.js');
  const { parseFailures } = await import('../validation/parsers/index.js');
  const line =
    cmd.scope === 'files' ? `${cmd.run} -- ${targets.map(shellQuote).join(' ')}` : cmd.run;
  const run = await runCommand(line, {
    cwd: root,
    timeoutMs: cmd.timeoutSec * 1000,
    secretEnvVars,
  });
  if (run.exitCode === 0) return [];
  const fix = cmd.fix ?? guessFix(cmd.name + ' ' + cmd.run);
  const failures = parseFailures(run.output, { root });
  if (failures.length === 0)
    return [
      {
        kind: 'commands',
        file: null,
        line: null,
        message: run.timedOut
          ? `${cmd.name} timed out after ${cmd.timeoutSec}s`
          : `${cmd.name} failed (exit ${run.exitCode}):\n${run.output.trim().split('\n').slice(-10).join('\n')}`,
        fix,
      },
    ];
  return failures.map((f) => ({
    kind: 'commands',
    file: f.file,
    line: f.line,
    message: `${f.message.split('\n')[0]} (${cmd.name}${f.code ? ` ${f.code}` : ''})`,
    fix,
  }));
}

function guessFix(text: string): string {
  if (/lint|eslint|prettier|biome/i.test(text)) return 'distiq fix --lint';
  if (/test|vitest|jest|pytest/i.test(text)) return 'distiq fix --test';
  return 'distiq fix --build';
}

/** The one command to suggest: the one that covers most of the blocking findings. */
function pickFix(findings: Finding[]): string {
  const counts = new Map<string, number>();
  for (const f of findings) if (f.fix) counts.set(f.fix, (counts.get(f.fix) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'distiq fix';
}

export function formatFindings(r: PrePushResult): string {
  const lines = r.findings.map(
    (f) =>
      `${f.file ?? '(push)'}${f.line ? `:${f.line}` : ''}: ${f.message}${f.kind === 'review' ? ' [review]' : ''}`,
  );
  if (r.blocked) {
    const fix = r.fixCommand
      ? `Fix with: ${r.fixCommand}`
      : 'Fix the findings above, then push again.';
    lines.push(
      '',
      `distiq: push blocked (${r.findings.length} finding(s) in ${r.files.length} changed file(s)).`,
      fix,
      'Bypass once: git push --no-verify (or DISTIQ_SKIP_HOOK=1 git push)',
    );
  }
  return lines.join('\n');
}

/** Runs the hook that was there before distiq (kept as pre-push.distiq-chained) with the same input. */
export async function runChained(hookFile: string, args: string[], stdin: string): Promise<number> {
  if (!existsSync(hookFile)) return 0;
  return new Promise((resolve) => {
    const child = spawn(hookFile, args, { stdio: ['pipe', 'inherit', 'inherit'] });
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
    child.stdin.end(stdin);
  });
}

function isOn(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}
