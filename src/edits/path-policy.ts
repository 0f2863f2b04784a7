import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { configReferencedFiles } from './config-refs.js';
import { CONFIG_NAMES, CONFIG_PATTERNS, SOURCE_EXT, STATE_NAMES } from './path-classes.js';

/**
 * The one place that decides which files an edit may write (model edits, the planner's code, the
 * $0 fixers' proposals, shard patches). An allowlist: a path is writable only when it is a regular
 * source, test or documentation file of a supported language, tracked by git (or created by the
 * plan), inside the task's scope, and none of the refused classes below. `execute.allowPaths`
 * widens it deliberately; nothing else does.
 */

export type RefusalCode =
  | 'invalid'
  | 'outside'
  | 'git'
  | 'node_modules'
  | 'state'
  | 'hooks'
  | 'workflow'
  | 'dotpath'
  | 'config'
  | 'script'
  | 'symlink'
  | 'language'
  | 'untracked'
  | 'scope';

export interface Refusal {
  code: RefusalCode;
  reason: string;
}

export interface PathPolicy {
  /** Real path of the repo root. */
  root: string;
  /** Tracked files, exactly as git spells them. */
  tracked: Set<string>;
  /** The hooks folder (`git rev-parse --git-path hooks`) relative to the root, folded; null: outside. */
  hooks: string | null;
  /** Files the repo's scripts and validation commands run directly (folded). */
  scripts: Set<string>;
  /** Files a tool config loads by name (setup files, tsconfig declarations; folded) → that config. */
  configRefs: Map<string, string>;
  allow: ((p: string) => boolean) | null;
  allowWorkflowEdits: boolean;
}

export interface PolicyOptions {
  allowPaths?: readonly string[];
  allowWorkflowEdits?: boolean;
  /** Validation commands: a file they name (`node scripts/check.js`) is never editable. */
  commands?: readonly string[];
}

/** Reads what the policy needs from git, once per proof (cheap: one ls-files and two rev-parse). */
export function loadPathPolicy(root: string, opts: PolicyOptions = {}): PathPolicy {
  const realRoot = realpathSync(root);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'core.fsmonitor=false', ...args], {
      cwd: realRoot,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
  const tracked = new Set(git('ls-files', '-z').split('\0').filter(Boolean));
  let hooks: string | null = null;
  try {
    const abs = path.resolve(realRoot, git('rev-parse', '--git-path', 'hooks').trim());
    const rel = path.relative(realRoot, abs);
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel))
      hooks = fold(rel.split(path.sep).join('/'));
  } catch {
    hooks = null;
  }
  const allow =
    opts.allowPaths && opts.allowPaths.length > 0
      ? picomatch([...opts.allowPaths], { dot: true })
      : null;
  return {
    root: realRoot,
    tracked,
    hooks,
    scripts: scriptFiles(realRoot, tracked, opts.commands ?? []),
    configRefs: new Map(
      [...configReferencedFiles(realRoot, tracked)].map(([f, cfg]) => [fold(f), cfg]),
    ),
    allow,
    allowWorkflowEdits: Boolean(opts.allowWorkflowEdits),
  };
}

export interface EditScope {
  /** The task's files; null or empty: the whole repo (still under every other rule). */
  files?: readonly string[] | null;
  /** Files the plan creates: writable although git does not track them yet. */
  created?: readonly string[];
}

/**
 * Why `rel` may not be written, or null when it may. Classification works on a folded form (NFKC,
 * lower case, ignorable code points and trailing dots/spaces dropped), so that a case variant or
 * a unicode look-alike of `.git` or `package.json` is refused on case-insensitive filesystems too.
 */
export function refusedPath(
  policy: PathPolicy,
  rel: string,
  scope: EditScope = {},
): Refusal | null {
  if (rel === '' || rel.includes('\\'))
    return r('invalid', 'an empty or invalid path (no backslash)');
  // A newline or escape in a name could forge log lines, git's porcelain output or a terminal.
  if (CONTROL.test(rel))
    return r('invalid', 'the path contains a control character (newline, NUL, escape, …)');
  // Past what every filesystem takes, a write fails half-way (folders made, file not): refuse first.
  if (Buffer.byteLength(rel) > 1024 || rel.split('/').some((s) => Buffer.byteLength(s) > 255))
    return r('invalid', 'the path is too long (over 1024 bytes, or a name over 255 bytes)');
  if (path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel))
    return r('outside', 'absolute paths are not allowed; use a path relative to the repo root');
  const norm = path.posix.normalize(rel);
  if (norm === '.' || norm === '..' || norm.startsWith('../'))
    return r('outside', 'it is outside the repository root');
  const segs = norm.split('/').filter((s) => s !== '');
  const folded = segs.map(foldSegment);
  const joined = folded.join('/');
  if (folded.some((s) => s === '.git' || s === 'git~1'))
    return r(
      'git',
      'a path with a .git segment (repository metadata, gitfiles, nested repos) is never written',
    );
  if (folded.some((s) => s === 'node_modules'))
    return r('node_modules', 'node_modules/ holds installed tools, never edited');
  if (folded.some((s) => STATE_NAMES.has(s)))
    return r('state', "distiq's own state is never edited");
  if (policy.hooks && (joined === policy.hooks || joined.startsWith(`${policy.hooks}/`)))
    return r('hooks', `${policy.hooks}/ is the git hooks path: hooks run on developers' machines`);
  const widened = policy.allow?.(norm) ?? false;
  const workflow = folded[0] === '.github';
  if (workflow && !policy.allowWorkflowEdits && !widened)
    return r(
      'workflow',
      '.github/ (CI workflows, actions) is not changed unless the config sets execute.allowWorkflowEdits',
    );
  const link = symlinkOnPath(policy.root, segs);
  if (link) return r('symlink', `${link} is a symlink; edits never write through symlinks`);
  if (!widened && !workflow) {
    const dot = folded.find((s) => s.startsWith('.'));
    if (dot)
      return r(
        'dotpath',
        `${dot} is a dotfile or dot-directory (tool configuration, editor settings); widen execute.allowPaths to allow it`,
      );
    const base = folded.at(-1)!;
    if (CONFIG_NAMES.has(base) || CONFIG_PATTERNS.some((p) => p.test(base)))
      return r(
        'config',
        `${base} is a tool configuration or build script: changing it could make the proof prove nothing`,
      );
    const loadedBy = policy.configRefs.get(joined);
    if (loadedBy)
      return r(
        'config',
        `${loadedBy} loads this file by name (setup file, declaration, loader): changing it could make the proof prove nothing`,
      );
    if (policy.scripts.has(joined))
      return r(
        'script',
        'a validation command or package script runs this file directly: changing it could make the proof prove nothing',
      );
    if (!SOURCE_EXT.has(path.posix.extname(base)))
      return r(
        'language',
        `only source, test and documentation files of supported languages are edited (${[...SOURCE_EXT].join(' ')})`,
      );
  }
  const created = scope.created?.includes(norm) ?? false;
  if (!policy.tracked.has(norm) && !created)
    return r(
      'untracked',
      'only files tracked by git (or created by the plan) are edited; check the exact spelling',
    );
  const files = scope.files ?? [];
  if (files.length > 0 && !files.includes(norm) && !created)
    return r(
      'scope',
      `it is outside this task's files (${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''})`,
    );
  return null;
}

/** For messages and reports: "path: reason". */
export function describeRefusal(rel: string, refusal: Refusal): string {
  return `edits to ${JSON.stringify(rel)} are refused (${refusal.code}): ${refusal.reason}`;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function r(code: RefusalCode, reason: string): Refusal {
  return { code, reason };
}

export function fold(s: string): string {
  return s.split('/').map(foldSegment).join('/');
}

/** How a case-insensitive, normalizing filesystem (APFS, HFS+, NTFS) may see one path segment. */
function foldSegment(seg: string): string {
  return seg
    .normalize('NFKC')
    .replace(
      // eslint-disable-next-line no-misleading-character-class -- lone invisible code points to strip, not combined characters
      /[\u00AD\u034F\u180B-\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFE00-\uFE0F\uFEFF]/g,
      '',
    )
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[. ]+$/, (m) => (m.length === seg.length ? m : ''));
}

/** The first existing prefix of the path that is a symlink (repo-relative), or null. */
function symlinkOnPath(root: string, segs: string[]): string | null {
  let cur = root;
  for (const [i, s] of segs.entries()) {
    cur = path.join(cur, s);
    try {
      if (lstatSync(cur).isSymbolicLink()) return segs.slice(0, i + 1).join('/');
    } catch {
      return null; // does not exist yet: nothing further down exists either
    }
  }
  return null;
}

/** Files named in package.json scripts (at any depth) and in the validation commands. */
function scriptFiles(root: string, tracked: Set<string>, commands: readonly string[]): Set<string> {
  const out = new Set<string>();
  const add = (dir: string, text: string) => {
    for (const tok of text.match(/[\w@./-]+\.[cm]?[jt]sx?\b|[\w@./-]+\.py\b/g) ?? []) {
      const rel = path.posix.normalize(path.posix.join(dir, tok.replace(/^\.\//, '')));
      if (tracked.has(rel)) out.add(fold(rel));
    }
  };
  for (const c of commands) add('', c);
  for (const f of tracked) {
    if (path.posix.basename(f) !== 'package.json') continue;
    try {
      const pkg = JSON.parse(readFileSync(path.join(root, f), 'utf8')) as {
        scripts?: Record<string, unknown>;
      };
      for (const v of Object.values(pkg.scripts ?? {}))
        if (typeof v === 'string')
          add(path.posix.dirname(f) === '.' ? '' : path.posix.dirname(f), v);
    } catch {
      // unreadable package.json: its scripts cannot name anything we know
    }
  }
  return out;
}
