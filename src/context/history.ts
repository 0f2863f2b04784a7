import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { UsageError } from '../errors.js';
// The hardened git of the proof checks: the repo's fsmonitor and other configured commands never run.
import { git } from '../edits/integrity.js';
import { type FileMove, parseHunks, parseMoves, parseRemovedNames } from './history-parse.js';
import { type RemovedImport, removedImports } from './removed-imports.js';
import { unstagedMoves } from './unstaged-moves.js';

export type { FileMove } from './history-parse.js';
export type { RemovedImport } from './removed-imports.js';

/** A declaration whose name changed between the last green commit and the working tree. */
export interface DeclRename {
  /** Repo-relative POSIX path of the declaring file (as it is now). */
  file: string;
  from: string;
  to: string;
  /** 1-based line of the renamed declaration now. */
  line: number;
}

/** What changed since the last green commit: the facts repairs may lean on. */
export interface ChangeHistory {
  /** The commit the diff is taken from. */
  base: string;
  /** Where the base came from, for the report. */
  source: 'flag' | 'config' | 'pull_request' | 'push' | 'HEAD~1';
  /** Repo-relative files that differ from the base (committed or not). */
  changedFiles: string[];
  /** New-side line ranges (1-based, inclusive) of the changed hunks, per file. */
  hunks: Map<string, { start: number; end: number }[]>;
  renames: DeclRename[];
  /** Files moved since the base (`git diff -M`). */
  moves: FileMove[];
  /** Import bindings the diff removed from files that still exist. */
  removedImports: RemovedImport[];
  /** Code identifiers on removed lines → the files they were removed from. */
  removedNames: Map<string, string[]>;
}

export interface BaseChoice {
  /** `--base REV`. */
  flag?: string;
  /** Config `fix.base`. */
  config?: string;
  env?: NodeJS.ProcessEnv;
}

const SOURCE_EXT = /\.(c|m)?(t|j)sx?$/;
const MAX_FILES = 400;
const MAX_FILE_BYTES = 2_000_000;

async function commitOf(root: string, rev: string): Promise<string | undefined> {
  if (!rev || rev.startsWith('-') || /\s/.test(rev) || /^0+$/.test(rev)) return undefined;
  try {
    return (
      (
        await git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`])
      ).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/** The base the workflow run knows: a pull request's base commit, or a push's previous tip. */
function eventBase(
  env: NodeJS.ProcessEnv,
): { rev: string; source: 'pull_request' | 'push' } | undefined {
  const file = env.GITHUB_EVENT_PATH;
  if (!file) return undefined;
  try {
    const event = JSON.parse(readFileSync(file, 'utf8')) as {
      pull_request?: { base?: { sha?: unknown } };
      before?: unknown;
    };
    const pr = event.pull_request?.base?.sha;
    if (typeof pr === 'string' && /^[0-9a-f]{40}$/i.test(pr))
      return { rev: pr, source: 'pull_request' };
    if (typeof event.before === 'string' && /^[0-9a-f]{40}$/i.test(event.before))
      return { rev: event.before, source: 'push' };
  } catch {
    // An unreadable event file only means the base is not known from it.
  }
  return undefined;
}

/**
 * The last green commit: `--base`, then config `fix.base` (both must exist: a typo is a usage
 * error, not a silent fallback), then the workflow run's base when it is in the clone, then
 * `HEAD~1` when it exists. Undefined when there is no history to use.
 */
export async function resolveBase(
  root: string,
  choice: BaseChoice = {},
): Promise<{ base: string; source: ChangeHistory['source'] } | undefined> {
  for (const [rev, source] of [
    [choice.flag, 'flag'],
    [choice.config, 'config'],
  ] as const) {
    if (rev === undefined) continue;
    const sha = await commitOf(root, rev);
    if (!sha)
      throw new UsageError(
        `The base ${JSON.stringify(rev)} is not a commit in this repository`,
        'Pass --base with a commit, tag or branch that exists (e.g. HEAD~1, origin/main).',
      );
    return { base: sha, source };
  }
  const fromEvent = eventBase(choice.env ?? process.env);
  if (fromEvent) {
    const sha = await commitOf(root, fromEvent.rev);
    if (sha) return { base: sha, source: fromEvent.source };
  }
  const parent = await commitOf(root, 'HEAD~1');
  return parent ? { base: parent, source: 'HEAD~1' } : undefined;
}

/** Loads the diff since the base; undefined when no base is known or git fails. */
export async function loadHistory(
  root: string,
  choice: BaseChoice = {},
): Promise<ChangeHistory | undefined> {
  const resolved = await resolveBase(root, choice);
  if (!resolved) return undefined;
  try {
    const names = (
      await git(root, ['diff', '--name-only', '-z', '--no-renames', resolved.base, '--'])
    )
      .split('\0')
      .filter(Boolean);
    const untracked = (await git(root, ['ls-files', '-z', '--others', '--exclude-standard']))
      .split('\0')
      .filter(Boolean);
    const changedFiles = [...new Set([...names, ...untracked])].sort();
    const diffArgs = ['-U0', '--no-renames', '--no-color', resolved.base, '--'];
    const diff = await git(root, ['diff', ...diffArgs]);
    const lines = { hunks: parseHunks(diff), removedNames: parseRemovedNames(diff) };
    const moves = parseMoves(
      await git(root, [
        'diff',
        '-M',
        '--name-status',
        '-z',
        '--diff-filter=R',
        resolved.base,
        '--',
      ]),
    );
    moves.push(...(await unstagedMoves(root, resolved.base, untracked, moves, SOURCE_EXT)));
    const renames: DeclRename[] = [];
    const dropped: RemovedImport[] = [];
    for (const file of changedFiles
      .filter((f) => SOURCE_EXT.test(f) && !f.endsWith('.d.ts'))
      .slice(0, MAX_FILES)) {
      const now = readText(path.join(root, file));
      if (now === undefined) continue;
      const before = await git(root, ['show', `${resolved.base}:${file}`]).catch(() => undefined);
      if (before === undefined || before.length > MAX_FILE_BYTES) continue;
      renames.push(...renamedDeclarations(file, before, now));
      dropped.push(...removedImports(file, before, now));
    }
    return { ...resolved, ...lines, changedFiles, renames, moves, removedImports: dropped };
  } catch {
    return undefined;
  }
}

function readText(abs: string): string | undefined {
  try {
    const text = readFileSync(abs, 'utf8');
    return text.length > MAX_FILE_BYTES ? undefined : text;
  } catch {
    return undefined;
  }
}

interface Decl {
  name: string;
  kind: ts.SyntaxKind;
  /** The declaration's text with its own name blanked: equal shapes mean "same declaration". */
  shape: string;
  line: number;
}

/**
 * Declarations present at the base under one name and now under another with the same text
 * otherwise (functions and their overloads, classes, interfaces, types, enums, variables, class
 * members). A pair is reported only when the match is unambiguous.
 */
export function renamedDeclarations(file: string, before: string, now: string): DeclRename[] {
  const old = declarations(file, before);
  const cur = declarations(file, now);
  const key = (d: Decl) => `${d.kind}\0${d.name}\0${d.shape}`;
  const oldKeys = new Set(old.map(key));
  const curKeys = new Set(cur.map(key));
  const gone = old.filter((d) => !curKeys.has(key(d)));
  const added = cur.filter((d) => !oldKeys.has(key(d)));
  const out: DeclRename[] = [];
  const seen = new Set<string>();
  for (const d of added) {
    const matches = gone.filter(
      (g) => g.kind === d.kind && g.shape === d.shape && g.name !== d.name,
    );
    const twins = added.filter(
      (a) => a.kind === d.kind && a.shape === d.shape && a.name === d.name,
    );
    if (new Set(matches.map((m) => m.name)).size !== 1 || twins.length > matches.length) continue;
    const from = matches[0]!.name;
    const k = `${from}\0${d.name}`;
    if (seen.has(k)) continue; // overloads: one rename for the whole set
    seen.add(k);
    out.push({ file, from, to: d.name, line: d.line });
  }
  return out;
}

function declarations(file: string, text: string): Decl[] {
  const kind = /\.(c|m)?jsx?$/.test(file)
    ? ts.ScriptKind.JSX
    : /x$/.test(file)
      ? ts.ScriptKind.TSX
      : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const out: Decl[] = [];
  const add = (node: ts.Node, name: ts.Node | undefined) => {
    if (!name || !ts.isIdentifier(name)) return;
    const start = node.getStart(sf);
    const rel = name.getStart(sf) - start;
    const body = node.getText(sf);
    const shape = body.slice(0, rel) + '\0' + body.slice(rel + name.text.length);
    out.push({
      name: name.text,
      kind: node.kind,
      shape,
      line: sf.getLineAndCharacterOfPosition(name.getStart(sf)).line + 1,
    });
  };
  const visit = (node: ts.Node, depth: number) => {
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isClassDeclaration(node) ||
      ts.isInterfaceDeclaration(node) ||
      ts.isTypeAliasDeclaration(node) ||
      ts.isEnumDeclaration(node)
    )
      add(node, node.name);
    else if (ts.isVariableDeclaration(node) && depth <= 3) add(node, node.name);
    else if (
      (ts.isMethodDeclaration(node) ||
        ts.isPropertyDeclaration(node) ||
        ts.isGetAccessor(node) ||
        ts.isSetAccessor(node)) &&
      ts.isClassLike(node.parent)
    )
      add(node, node.name);
    if (
      ts.isClassLike(node) ||
      ts.isSourceFile(node) ||
      ts.isModuleBlock(node) ||
      ts.isModuleDeclaration(node) ||
      ts.isVariableStatement(node) ||
      ts.isVariableDeclarationList(node)
    ) {
      ts.forEachChild(node, (c) => visit(c, depth + 1));
    }
  };
  visit(sf, 0);
  return out;
}

/** Whether a 1-based line of a file lies in a changed hunk. */
export function inChangedHunk(
  history: ChangeHistory | undefined,
  file: string,
  line: number,
): boolean {
  return Boolean(history?.hunks.get(file)?.some((h) => line >= h.start - 1 && line <= h.end + 1));
}
