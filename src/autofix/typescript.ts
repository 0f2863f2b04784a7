import { existsSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import type { Failure } from '../validation/failure.js';
import type { FileEdit, Fixer, RepairProposal } from './fixer.js';
import { type ChangeHistory, inChangedHunk, loadHistory } from './history.js';
import {
  type DirectedRename,
  directedRenames,
  identifierAt,
  renameProposals,
} from './rename-direction.js';
import { spellingFixes } from './spelling.js';
import { movedModuleProposals } from './moved-module.js';
import { removedImportsMissed, restoreImportProposals } from './restore-import.js';
import { JS_FILE, OverlayProject, TS_FILE } from './ts-project.js';
import { applyTextChanges, diagKey, isSafeFix, lineOf } from './ts-safe-fixes.js';

const MAX_FIXES_PER_PROPOSAL = 200;

export const typescriptFixer: Fixer = {
  name: 'typescript',
  async propose(failures, ctx) {
    // tsc failures, and TypeScript or JavaScript files that other tools (vitest, jest, node:test)
    // point at: a test failing on a ReferenceError often sits on an error the language service
    // can fix (JavaScript is checked in memory, as with `checkJs`).
    const inRepo = (f: Failure) => f.file && !f.file.split('/').includes('node_modules');
    const named = failures.filter(
      (f) => inRepo(f) && (f.tool === 'tsc' || TS_FILE.test(f.file!) || JS_FILE.test(f.file!)),
    );
    const targets = [...new Set(named.map((f) => path.resolve(ctx.root, f.file!)))].filter(
      existsSync,
    );
    if (targets.length === 0) return [];
    const history = await loadHistory(ctx.root, ctx.base);
    // What the history says first: modules moved, imports removed (each restored from where it
    // was, so the language service's own import fix must not pick a lookalike for those names).
    const read = (abs: string) => ts.sys.readFile(abs);
    const moved = await movedModuleProposals(ctx.root, history, failures, read);
    const restored = restoreImportProposals(ctx.root, history, failures, read);
    const restoring = new Set(
      removedImportsMissed(history, failures).map((r) => `${r.file}\0${r.local}`),
    );
    const session = new FixSession(ctx.root, targets, failures, history, restoring);
    return [...moved, ...restored, ...session.proposals()];
  },
};

interface AppliedFix {
  description: string;
  /** The overlay after this fix and every one before it. */
  state: Map<string, string>;
}

/** When all fixes together fail real validation, the longest prefixes are tried next. */
const MAX_FALLBACK_PREFIXES = 4;

/** A language service over the repo with an in-memory overlay, so fixes are tried without touching disk. */
class FixSession {
  private readonly project: OverlayProject;
  private readonly service: ts.LanguageService;
  private readonly format = {
    ...ts.getDefaultFormatCodeSettings('\n'),
    indentSize: 2,
    tabSize: 2,
    convertTabsToSpaces: true,
    semicolons: ts.SemicolonPreference.Ignore,
  };
  private readonly preferences: ts.UserPreferences = {
    quotePreference: 'auto',
    importModuleSpecifierPreference: 'shortest',
    importModuleSpecifierEnding: 'auto',
    includePackageJsonAutoImports: 'off',
  };

  /** Renames the diff made that a repair must not undo or spread (see rename-direction.ts). */
  private readonly directed: DirectedRename[] = [];

  constructor(
    private readonly root: string,
    private readonly targets: string[],
    private readonly failures: Failure[] = [],
    private readonly history?: ChangeHistory,
    /** `file\0name` of removed imports the history restores: no other import for them. */
    private readonly restoring = new Set<string>(),
  ) {
    this.project = new OverlayProject(root, targets);
    this.service = this.project.service;
    if (history) this.directed = directedRenames(this.service, root, history, failures);
  }

  private read(file: string): string | undefined {
    return this.project.read(file);
  }

  private write(file: string, text: string): void {
    this.project.write(file, text);
  }

  private errors(file: string): ts.Diagnostic[] {
    return this.project.errors(file);
  }

  private errorCount(files: Iterable<string>): number {
    return this.project.errorCount(files);
  }

  /**
   * Applies safe fixes one at a time (positions and imports stay coherent), keeping each only
   * if the edited files end with fewer errors. Returns all kept fixes together, then each alone.
   */
  proposals(): RepairProposal[] {
    // A rename the diff made comes first, in the direction chosen for it; the fixes below are
    // computed on the tree as it is and never move code towards such a renamed name.
    return [...renameProposals(this.directed), ...this.fixProposals()];
  }

  private fixProposals(): RepairProposal[] {
    const applied: AppliedFix[] = [];
    const tried = new Set<string>();
    for (let guard = 0; guard < MAX_FIXES_PER_PROPOSAL; guard++) {
      const next = this.nextDiagnostic(tried);
      if (!next) break;
      const { diagnostic, candidates, file } = next;
      tried.add(diagKey(diagnostic, this.read(file) ?? ''));
      // Candidates in order (TypeScript's own fix first); the first that lowers the error count wins.
      for (const fix of candidates) {
        const touched = new Set([
          file,
          ...fix.changes.map((c) => path.resolve(this.root, c.fileName)),
        ]);
        const before = this.errorCount(touched);
        const snapshot = new Map([...touched].map((f) => [f, this.read(f) ?? ''] as const));
        for (const change of fix.changes) {
          const abs = path.resolve(this.root, change.fileName);
          this.write(abs, applyTextChanges(this.read(abs) ?? '', change.textChanges));
        }
        if (this.errorCount(touched) >= before) {
          for (const [f, text] of snapshot) this.write(f, text); // made nothing better: undo in memory
          continue;
        }
        applied.push({
          description: `${path.relative(this.root, file)}:${lineOf(snapshot.get(file) ?? '', diagnostic.start ?? 0)} TS${diagnostic.code}: ${fix.description}`,
          state: this.project.snapshot(),
        });
        break;
      }
    }
    if (applied.length === 0) return [];
    const prefixes = applied
      .map((_, i) => i + 1)
      .reverse()
      .slice(0, MAX_FALLBACK_PREFIXES + 1);
    return prefixes.map((n) => ({
      fixer: 'typescript',
      descriptions: applied.slice(0, n).map((a) => a.description),
      edits: this.editsFrom(applied[n - 1]!.state),
    }));
  }

  private editsFrom(files: Map<string, string>): FileEdit[] {
    const edits: FileEdit[] = [];
    for (const [abs, after] of files) {
      const before = this.project.originals.get(abs) ?? ts.sys.readFile(abs) ?? null;
      if (before === after) continue;
      const rel = path.relative(this.root, abs);
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue; // never edit outside the repo (e.g. node_modules types are inside, but lib files are not)
      if (rel.split(path.sep).includes('node_modules')) continue;
      edits.push({
        path: rel.split(path.sep).join('/'),
        before: existsSync(abs) ? before : null,
        after,
      });
    }
    return edits;
  }

  private nextDiagnostic(
    tried: Set<string>,
  ): { diagnostic: ts.Diagnostic; candidates: ts.CodeFixAction[]; file: string } | undefined {
    for (const file of this.targets) {
      const text = this.read(file) ?? '';
      const js = JS_FILE.test(file);
      for (const diagnostic of this.errors(file)) {
        if (diagnostic.start === undefined || tried.has(diagKey(diagnostic, text))) continue;
        // In JavaScript only what a failure points at: checkJs finds much that runs fine.
        if (js && !this.pointedAt(file, text, diagnostic)) continue;
        if (this.restoring.has(`${this.rel(file)}\0${wordAt(text, diagnostic.start)}`)) continue;
        const fixes = this.service
          .getCodeFixesAtPosition(
            file,
            diagnostic.start,
            diagnostic.start + (diagnostic.length ?? 0),
            [diagnostic.code],
            this.format,
            this.preferences,
          )
          .filter(isSafeFix);
        const spelled = spellingFixes(this.service, file, diagnostic).filter(
          (s) => !fixes.some((f) => f.description === s.description),
        );
        const candidates = [...fixes, ...spelled].filter(
          (f) => !this.towardsRenamed(f) && !this.renamesExport(file, diagnostic, f),
        );
        if (candidates.length > 0) return { diagnostic, candidates, file };
        tried.add(diagKey(diagnostic, text));
      }
    }
    return undefined;
  }

  /**
   * A fix that writes the new name of a declaration the diff renamed, or its old name, is the
   * rename's business (one direction for all its uses): done piecemeal it spreads the mistake.
   */
  private towardsRenamed(fix: ts.CodeFixAction): boolean {
    const names = new Set(this.directed.flatMap((d) => [d.rename.to, d.rename.from]));
    return fix.changes.some((c) =>
      c.textChanges.some((t) =>
        [...names].some((n) => new RegExp(`(^|[^\\w$])${n}([^\\w$]|$)`).test(t.newText)),
      ),
    );
  }

  /**
   * A fix that respells the name of `export { x }` (no `as`) changes what the module exports:
   * its importers lose `x` (immer's barrel re-exported `Objectish` as `isObjectish`). Only when
   * the diff since the last green commit changed that line is the public name what broke.
   */
  private renamesExport(file: string, d: ts.Diagnostic, fix: ts.CodeFixAction): boolean {
    const sf = this.service.getProgram()?.getSourceFile(file);
    const id = sf && d.start !== undefined ? identifierAt(sf, d.start) : undefined;
    if (!sf || !id || !ts.isExportSpecifier(id.parent) || id.parent.propertyName) return false;
    const start = id.getStart(sf);
    if (inChangedHunk(this.history, this.rel(file), lineOf(sf.text, start))) return false;
    const end = start + id.text.length;
    return fix.changes.some(
      (c) =>
        path.resolve(this.root, c.fileName) === file &&
        c.textChanges.some((t) => t.span.start < end && t.span.start + t.span.length > start),
    );
  }

  private rel(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  /** A JavaScript diagnostic counts when a failure names its file and line, or its name. */
  private pointedAt(file: string, text: string, d: ts.Diagnostic): boolean {
    const rel = path.relative(this.root, file).split(path.sep).join('/');
    const line = lineOf(text, d.start ?? 0);
    const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(d.start ?? 0))?.[0];
    return this.failures.some(
      (f) =>
        (f.file === rel && f.line === line) ||
        (word !== undefined &&
          word.length >= 3 &&
          new RegExp(`(^|[^\\w$.])${word.replace(/\$/g, '\\$')}([^\\w$]|$)`).test(f.message)),
    );
  }
}

function wordAt(text: string, at: number): string {
  return /^[A-Za-z_$][\w$]*/.exec(text.slice(at))?.[0] ?? '';
}
