import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { DistiqError, ExitCode } from './errors.js';

/**
 * distiq's state (journal, ledger, run files, index cache, models) lives under
 * `$(git rev-parse --git-common-dir)/distiq/`: no edit may write below a `.git` segment, git never
 * tracks it, and a clone never brings one along. This file is the one place that computes it.
 */

export class UnsafeStateDirError extends DistiqError {
  constructor(
    readonly dir: string,
    why: string,
  ) {
    super(
      `Refused to use ${dir} for distiq's state: ${why}`,
      ExitCode.USAGE,
      'Remove it (distiq recreates its state folder), then run again.',
    );
  }
}

const cache = new Map<string, string>();

/** `<git-common-dir>/distiq`, absolute; migrates a legacy `<root>/.distiq/` the first time. */
export function stateDir(root: string): string {
  const known = cache.get(root);
  if (known) return known;
  let common: string;
  try {
    common = execFileSync(
      'git',
      ['-c', 'core.fsmonitor=false', 'rev-parse', '--path-format=absolute', '--git-common-dir'],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    ).trim();
  } catch {
    throw new UnsafeStateDirError(
      path.join(root, '.git'),
      `${root} is not inside a git repository`,
    );
  }
  const dir = path.join(common, 'distiq');
  assertNoSymlink(dir);
  cache.set(root, dir);
  migrateLegacyState(root, dir);
  return dir;
}

/** A file or folder of the state: `statePath(root, 'runs', id + '.json')`. */
export function statePath(root: string, ...parts: string[]): string {
  return path.join(stateDir(root), ...parts);
}

/** Creates a state folder; never through a symlink (a committed link could point anywhere). */
export function ensureStateDir(dir: string): void {
  assertNoSymlink(dir);
  mkdirSync(dir, { recursive: true });
  assertNoSymlink(dir);
  const ignore = path.join(dir, '.gitignore');
  if (path.basename(dir) === '.distiq' && !existsSync(ignore)) writeFileSync(ignore, '*\n');
}

/** Refuses when `dir` or any existing parent up to the git dir is a symlink. */
function assertNoSymlink(dir: string): void {
  let cur = dir;
  for (let i = 0; i < 4 && cur !== path.dirname(cur); i++, cur = path.dirname(cur)) {
    if (path.basename(cur) === '.git' || path.basename(cur).endsWith('.git')) break;
    try {
      if (lstatSync(cur).isSymbolicLink())
        throw new UnsafeStateDirError(dir, `${cur} is a symlink`);
    } catch (err) {
      if (err instanceof UnsafeStateDirError) throw err;
    }
  }
}

/**
 * Moves a legacy `<root>/.distiq/` once: ledger, runs and models come along, the index cache is
 * dropped (it is rebuilt), and a legacy journal is quarantined, never applied: anything in the
 * working tree may have been written by someone else. A `.distiq` symlink is left untouched.
 */
function migrateLegacyState(root: string, dir: string): void {
  const legacy = path.join(root, '.distiq');
  let st;
  try {
    st = lstatSync(legacy);
  } catch {
    return;
  }
  if (st.isSymbolicLink() || !st.isDirectory()) {
    process.stderr.write(
      `distiq: warning: ${legacy} is not a folder (a symlink?); it is ignored and never followed\n`,
    );
    return;
  }
  mkdirSync(dir, { recursive: true });
  const moved: string[] = [];
  for (const name of readdirSync(legacy)) {
    const from = path.join(legacy, name);
    if (lstatSync(from).isSymbolicLink()) continue; // never followed, left for the user
    if (name === 'journal') {
      const to = path.join(dir, 'quarantine', `legacy-journal-${Date.now()}`);
      mkdirSync(path.dirname(to), { recursive: true });
      renameSync(from, to);
      process.stderr.write(
        `distiq: warning: a legacy ${from} was quarantined in ${to}, not applied: distiq cannot tell who wrote it\n`,
      );
    } else if (name === 'index' || name === '.gitignore') {
      rmSync(from, { recursive: true, force: true });
    } else if (
      ['ledger.jsonl', 'runs', 'models'].includes(name) &&
      !existsSync(path.join(dir, name))
    ) {
      renameSync(from, path.join(dir, name));
      moved.push(name);
    }
  }
  if (moved.length > 0)
    process.stderr.write(`distiq: moved ${moved.join(', ')} from ${legacy} to ${dir}\n`);
  try {
    if (readdirSync(legacy).length === 0) rmSync(legacy, { recursive: true });
  } catch {
    // left for the user
  }
}
