import path from 'node:path';
import ts from 'typescript';
import type { Failure } from '../validation/failure.js';
import type { FileEdit, RepairProposal } from './fixer.js';
import type { ChangeHistory, RemovedImport } from './history.js';

/** Messages that say a name has no binding: tsc (TS2304, TS2552, TS2503) and a JavaScript run. */
const MISSING_NAME = [
  /Cannot find name '([\w$]+)'/,
  /Cannot find namespace '([\w$]+)'/,
  /ReferenceError: ([\w$]+) is not defined/,
  /^([\w$]+) is not defined/,
];

/** The names a failure says are unbound. */
function missingName(f: Failure): string | undefined {
  for (const re of MISSING_NAME) {
    const m = re.exec(f.message);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * The imports the diff since the last green commit removed that failures now miss: each is
 * restored from the module the base imported it from, never from a lookalike elsewhere.
 */
export function removedImportsMissed(
  history: ChangeHistory | undefined,
  failures: Failure[],
): RemovedImport[] {
  if (!history) return [];
  const out = new Map<string, RemovedImport>();
  for (const f of failures) {
    const name = missingName(f);
    if (!name) continue;
    const inFile = history.removedImports.filter((r) => r.local === name && r.file === f.file);
    // A test failure may point at the test, not the module that lost the import: then only an
    // unambiguous name counts.
    const anywhere = history.removedImports.filter((r) => r.local === name);
    const pick = inFile.length > 0 ? inFile : anywhere.length === 1 ? anywhere : [];
    for (const r of pick) out.set(`${r.file}\0${r.local}`, r);
  }
  return [...out.values()];
}

export function restoreImportProposals(
  root: string,
  history: ChangeHistory | undefined,
  failures: Failure[],
  read: (abs: string) => string | undefined,
): RepairProposal[] {
  const missed = removedImportsMissed(history, failures);
  if (!history || missed.length === 0) return [];
  const byFile = new Map<string, RemovedImport[]>();
  for (const r of missed) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  const edits: FileEdit[] = [];
  const descriptions: string[] = [];
  const base = history.base.slice(0, 7);
  for (const [file, restores] of byFile) {
    const before = read(path.resolve(root, file));
    if (before === undefined) continue;
    const after = restore(file, before, restores);
    if (after === before) continue;
    edits.push({ path: file, before, after });
    for (const r of restores)
      descriptions.push(
        `${file}:${r.line} Restore the import of '${r.local}' from '${r.specifier}' (the diff since ${base} removed it and '${r.local}' is missing now)`,
      );
  }
  if (edits.length === 0) return [];
  return [
    {
      fixer: 'typescript',
      descriptions,
      edits,
      why: `the diff since ${base} removed these imports; each is restored from the module it came from`,
    },
  ];
}

/** The file with each removed binding back: into an import of the same module, or as its own statement. */
function restore(file: string, text: string, restores: RemovedImport[]): string {
  const sf = ts.createSourceFile(
    file,
    text,
    ts.ScriptTarget.Latest,
    true,
    /\.(c|m)?jsx?$/.test(file) ? ts.ScriptKind.JSX : ts.ScriptKind.TSX,
  );
  const inserts: { at: number; text: string }[] = [];
  const imports = sf.statements.filter(
    (s) => ts.isImportDeclaration(s) || isRequire(s) || ts.isImportEqualsDeclaration(s),
  );
  const lastImport = imports[imports.length - 1];
  const statements = new Map<string, { r: RemovedImport; elements: string[] }>();
  for (const r of restores) {
    const into =
      r.form === 'import' && r.imported !== '*' && r.imported !== 'default' && sameModule(sf, r);
    if (into) {
      const element = /\{ (.*) \}/.exec(r.statement)?.[1];
      const last = into.elements[into.elements.length - 1];
      if (element && last) {
        inserts.push({ at: last.getEnd(), text: `, ${element}` });
        continue;
      }
    }
    // Names one statement gave come back as one statement (a require binds several names).
    const shape = r.statement.replace(/\{ .* \}/, '{}');
    const element = /\{ (.*) \}/.exec(r.statement)?.[1];
    const same = statements.get(shape);
    if (same) {
      if (element && same.elements.length > 0) same.elements.push(element);
      continue;
    }
    statements.set(shape, { r, elements: element ? [element] : [] });
  }
  for (const { r, elements } of statements.values()) {
    const statement =
      elements.length > 0
        ? r.statement.replace(/\{ .* \}/, `{ ${elements.join(', ')} }`)
        : r.statement;
    if (lastImport) inserts.push({ at: lastImport.getEnd(), text: `\n${statement}` });
    else inserts.push({ at: lineStart(sf, r.line), text: `${statement}\n` });
  }
  let out = text;
  for (const i of inserts.sort((a, b) => b.at - a.at))
    out = out.slice(0, i.at) + i.text + out.slice(i.at);
  return out;
}

/** A value import of the same module with named bindings, to add the name to. */
function sameModule(sf: ts.SourceFile, r: RemovedImport): ts.NamedImports | undefined {
  for (const s of sf.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    if (s.moduleSpecifier.text !== r.specifier || s.importClause?.isTypeOnly) continue;
    const named = s.importClause?.namedBindings;
    if (named && ts.isNamedImports(named) && named.elements.length > 0 && !r.typeOnly) return named;
  }
  return undefined;
}

function isRequire(s: ts.Statement): boolean {
  if (!ts.isVariableStatement(s)) return false;
  const init = s.declarationList.declarations[0]?.initializer;
  return Boolean(
    init &&
    ts.isCallExpression(init) &&
    ts.isIdentifier(init.expression) &&
    init.expression.text === 'require',
  );
}

function lineStart(sf: ts.SourceFile, line: number): number {
  const starts = sf.getLineStarts();
  // Never above a shebang: line 1 then means line 2.
  const first = sf.text.startsWith('#!') ? 1 : 0;
  const index = Math.min(Math.max(line - 1, first), starts.length - 1);
  return index < starts.length ? starts[index]! : sf.text.length;
}
