import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const BIN = path.join(ROOT, 'bin', 'run.js');

export function tempDir(prefix = 'distiq-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
}

export interface RepoOptions {
  /** Copy this folder of fixtures/ first. */
  fixture?: string;
  files?: Record<string, string>;
  /** Symlink distiq's node_modules (tsc, eslint, vitest, prettier) into the repo, as a real project would have its own. */
  nodeModules?: boolean;
}

/** A real git repo in a temp folder with one commit. */
export function makeRepo(opts: RepoOptions = {}): string {
  const dir = tempDir('distiq-repo-');
  if (opts.fixture) cpSync(path.join(ROOT, 'fixtures', opts.fixture), dir, { recursive: true });
  if (opts.files) writeFiles(dir, opts.files);
  if (opts.nodeModules)
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  writeFiles(dir, { '.gitignore': 'node_modules/\ndist/\ntarget/\n' });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const liveChildren = new Set<ChildProcess>();

/** Kills every CLI child a test started that is still running (see test/support/per-test.ts). */
export function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
  liveChildren.clear();
}

/**
 * Runs the real built CLI as a child process and resolves when it exits. There is no time limit
 * here on purpose: a busy machine makes any guess wrong; vitest's timeout is the net for a hang.
 */
export function runCli(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, CI: 'true', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    liveChildren.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      liveChildren.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resolves once `file` exists: for tests that must act at a point another process reached. */
export async function waitForFile(file: string): Promise<void> {
  while (!existsSync(file)) await new Promise((r) => setTimeout(r, 25));
}

export function statusPorcelain(dir: string): string {
  return git(dir, 'status', '--porcelain', '--untracked-files=all');
}
