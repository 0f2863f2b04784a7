import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import type { Failure } from '../validation/failure.js';
import type { FileEdit, RepairProposal } from './fixer.js';
import type { ChangeHistory } from './history.js';

const run = promisify(execFile);

/** Failures that say a module specifier no longer resolves (tsc, node, bundlers, test runners). */
const UNRESOLVED =
  /Cannot find module|Failed to (resolve|load)|ERR_MODULE_NOT_FOUND|Could not resolve|Module not found/;
const SOURCE = /\.(c|m)?(t|j)sx?$/;
const SPEC_EXT = /\.(c|m)?(t|j)sx?$|\.json$/;
/** What a specifier without an extension may name, in TypeScript's and Node's order. */
const PROBE = ['.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mts', '.cts', '.mjs', '.cjs', '.json'];
/** A `.js` specifier names the TypeScript file it is emitted from. */
const EMITTED: Record<string, string[]> = {
  '.js': ['.ts', '.tsx'],
  '.jsx': ['.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
};
const MAX_FILES = 5000;
const MAX_BYTES = 1_000_000;

/**
 * Files the diff moved break the specifiers that named them. The repair points each importer at
 * the new location (relative path, the same extension style, `.`/`..` for folder indexes) and
 * first fixes the moved module's own relative imports, written for its old folder.
 */
export async function movedModuleProposals(
  root: string,
  history: ChangeHistory | undefined,
  failures: Failure[],
  read: (abs: string) => string | undefined,
): Promise<RepairProposal[]> {
  const moves = (history?.moves ?? []).filter((m) => SOURCE.test(m.from) || SOURCE.test(m.to));
  if (!history || moves.length === 0) return [];
  if (!failures.some((f) => f.code === 'TS2307' || UNRESOLVED.test(f.message))) return [];
  const moved = new Map(moves.map((m) => [path.resolve(root, m.from), path.resolve(root, m.to)]));
  const movedTo = new Map([...moved].map(([from, to]) => [to, from]));
  const files = await sourceFiles(root);
  // The moved modules first: their own imports are repaired before their importers.
  const ordered = [
    ...moves.map((m) => path.resolve(root, m.to)),
    ...files.filter((f) => !movedTo.has(f)),
  ];
  const edits: FileEdit[] = [];
  const own: string[] = [];
  const importers: string[] = [];
  for (const abs of ordered) {
    const text = read(abs);
    if (text === undefined || text.length > MAX_BYTES) continue;
    const oldDir = path.dirname(movedTo.get(abs) ?? abs);
    const dir = path.dirname(abs);
    const changes: { at: number; length: number; spec: string; was: string }[] = [];
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      const spec = ref.fileName;
      if (!spec.startsWith('.')) continue;
      const at = /['"`]/.test(text[ref.pos] ?? '') ? ref.pos + 1 : ref.pos;
      if (text.slice(at, at + spec.length) !== spec) continue;
      const before = resolve(oldDir, spec, (p) => moved.has(p) || (isFile(p) && !movedTo.has(p)));
      if (!before) continue;
      const target = moved.get(before) ?? before;
      if (resolve(dir, spec, (p) => isFile(p)) === target) continue;
      if (!movedTo.has(abs) && !moved.has(before)) continue; // not this move's business
      const next = specifierFor(dir, target, spec, before);
      // Only a specifier that names the moved target from here is proposed.
      if (resolve(dir, next, (p) => isFile(p)) !== target) continue;
      if (next !== spec) changes.push({ at, length: spec.length, spec: next, was: spec });
    }
    if (changes.length === 0) continue;
    let after = text;
    for (const c of changes.sort((a, b) => b.at - a.at))
      after = after.slice(0, c.at) + c.spec + after.slice(c.at + c.length);
    const rel = path.relative(root, abs).split(path.sep).join('/');
    edits.push({ path: rel, before: text, after });
    const list = movedTo.has(abs) ? own : importers;
    for (const c of changes.reverse()) list.push(`${rel}: '${c.was}' → '${c.spec}'`);
  }
  if (edits.length === 0) return [];
  const base = history.base.slice(0, 7);
  const said = moves.map((m) => `${m.from} → ${m.to}`).join(', ');
  return [
    {
      fixer: 'typescript',
      descriptions: [...own, ...importers].map(
        (d) => `${d} (the diff since ${base} moved ${said})`,
      ),
      edits,
      why: `the diff since ${base} moved ${said}; specifiers follow the module to where it is now`,
    },
  ];
}

/** The file a relative specifier names from `dir`, given which paths count as existing. */
export function resolve(
  dir: string,
  spec: string,
  exists: (abs: string) => boolean,
): string | undefined {
  const p = path.resolve(dir, spec);
  const ext = path.extname(p);
  const candidates = [p];
  for (const e of EMITTED[ext] ?? []) candidates.push(p.slice(0, -ext.length) + e);
  if (!SPEC_EXT.test(p) || spec === '.' || spec === '..' || spec.endsWith('/'))
    candidates.push(...PROBE.map((e) => p + e));
  candidates.push(...PROBE.map((e) => path.join(p, `index${e}`)));
  return candidates.find(exists);
}

/** A specifier for `target` from `dir` in the style of the one it replaces. */
export function specifierFor(dir: string, target: string, old: string, oldTarget: string): string {
  const lastOld = old.split('/').pop() ?? '';
  const wasIndex = /^index\./.test(path.basename(oldTarget)) && !/^index(\.|$)/.test(lastOld);
  const strip = (p: string) => p.replace(/(\.d)?\.(c|m)?(t|j)sx?$|\.json$/, '');
  let rel: string;
  if (wasIndex && /^index\./.test(path.basename(target))) {
    rel = posix(path.relative(dir, path.dirname(target)));
    if (old.endsWith('/') && rel !== '') rel += '/';
  } else {
    const oldExt = SPEC_EXT.exec(lastOld)?.[0];
    const stripped = strip(target);
    rel = posix(path.relative(dir, stripped));
    // `.` and `..` name folders: a file beside the folder of the same name is `../../x`.
    if (rel === '' || /(^|\/)\.\.?$/.test(rel))
      rel = posix(path.join(path.relative(dir, path.dirname(stripped)), path.basename(stripped)));
    rel += oldExt ?? '';
  }
  if (rel === '') return '.';
  return rel.startsWith('.') ? rel : `./${rel}`;
}

function posix(p: string): string {
  return p.split(path.sep).join('/');
}

function isFile(abs: string): boolean {
  try {
    return statSync(abs).isFile();
  } catch {
    return false;
  }
}

async function sourceFiles(root: string): Promise<string[]> {
  try {
    const { stdout } = await run(
      'git',
      ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      {
        cwd: root,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return stdout
      .split('\0')
      .filter(
        (f) => SOURCE.test(f) && !f.endsWith('.d.ts') && !f.split('/').includes('node_modules'),
      )
      .slice(0, MAX_FILES)
      .map((f) => path.resolve(root, f));
  } catch {
    return [];
  }
}
