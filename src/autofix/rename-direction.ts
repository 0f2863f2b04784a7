import path from 'node:path';
import ts from 'typescript';
import type { Failure } from '../validation/failure.js';
import type { FileEdit, RepairProposal } from './fixer.js';
import type { ChangeHistory, DeclRename } from './history.js';

/** Diagnostics that a use of a name the program no longer declares produces. */
const MISSING_NAME_CODES = new Set([
  2304, 2552, 2305, 2724, 2339, 2551, 2614, 2459, 2460, 2389, 2391,
]);

export interface DirectedRename {
  rename: DeclRename;
  direction: 'back' | 'forward';
  /** Why this direction: what each would have edited. */
  why: string;
  edits: FileEdit[];
}

/**
 * For each declaration the diff renamed and a failure still points at, the smaller of two
 * repairs: rename the declaration back (with every use already moved to the new name), or move
 * the uses that still say the old name to the new one. Ties go back: that is the tree that was
 * green. Nothing here ever renames a declaration the diff did not rename.
 */
export function directedRenames(
  service: ts.LanguageService,
  root: string,
  history: ChangeHistory,
  failures: Failure[],
): DirectedRename[] {
  const program = service.getProgram();
  if (!program) return [];
  const out: DirectedRename[] = [];
  for (const rename of history.renames) {
    if (!failures.some((f) => mentions(f.message, rename.from) || mentions(f.message, rename.to)))
      continue;
    const declFile = path.resolve(root, rename.file);
    const sf = program.getSourceFile(declFile);
    const id = sf && declarationNameAt(sf, rename.line, rename.to);
    if (!sf || !id) continue;
    const found =
      service.findRenameLocations(declFile, id.getStart(sf), false, false, {
        providePrefixAndSuffixTextForRename: false,
      }) ?? [];
    if (found.some((l) => !insideRepo(root, l.fileName))) continue;
    // Only places that say the new name move back (a default export's symbol also spans its
    // overloads and importers' local names); the declaration itself always does.
    const says = (l: { fileName: string; textSpan: ts.TextSpan }) =>
      program
        .getSourceFile(l.fileName)
        ?.text.slice(l.textSpan.start, l.textSpan.start + l.textSpan.length) === rename.to;
    const declSpan = {
      fileName: declFile,
      textSpan: { start: id.getStart(sf), length: id.text.length },
    };
    const back = [
      declSpan,
      ...found.filter(
        (l) =>
          says(l) && !(l.fileName === declFile && l.textSpan.start === declSpan.textSpan.start),
      ),
    ];
    const forward = forwardLocations(program, root, rename, failures);
    const backFiles = new Set(back.map((l) => l.fileName)).size;
    // An overload set is one declaration: its signatures move together and count once.
    const backCost =
      1 +
      back.filter((l) => !(l.fileName === declFile && isDeclarationName(sf, l.textSpan.start)))
        .length;
    const base = history.base.slice(0, 7);
    const said = `the diff since ${base} renamed '${rename.from}' to '${rename.to}' in ${rename.file}`;
    let direction: DirectedRename['direction'];
    let why: string;
    if (forward === undefined || forward.length === 0 || backCost <= forward.length) {
      direction = 'back';
      const other =
        forward === undefined
          ? 'updating its users would change what a module exports'
          : forward.length === 0
            ? 'no use of the new name is missing'
            : `updating ${forward.length} use(s) of '${rename.from}'`;
      why = `${said}; renaming back edits ${backCost} place(s) in ${backFiles} file(s), ${other}`;
    } else {
      direction = 'forward';
      const fwdFiles = new Set(forward.map((l) => l.fileName)).size;
      why = `${said}; updating ${forward.length} use(s) in ${fwdFiles} file(s) is smaller than renaming back ${backCost} place(s)`;
    }
    const locations =
      direction === 'back'
        ? back.map((l) => ({ fileName: l.fileName, span: l.textSpan }))
        : forward!;
    const newText = direction === 'back' ? rename.from : rename.to;
    out.push({ rename, direction, why, edits: editsFor(program, root, locations, newText) });
  }
  return out;
}

export function renameProposals(directed: DirectedRename[]): RepairProposal[] {
  return directed
    .filter((d) => d.edits.length > 0)
    .map((d) => ({
      fixer: 'typescript',
      descriptions: [
        d.direction === 'back'
          ? `${d.rename.file}:${d.rename.line} Rename '${d.rename.to}' back to '${d.rename.from}' (${d.why})`
          : `Use the new name '${d.rename.to}' instead of '${d.rename.from}' (${d.why})`,
      ],
      edits: d.edits,
      why: d.why,
    }));
}

function mentions(message: string, name: string): boolean {
  return new RegExp(`(^|[^\\w$])${name.replace(/\$/g, '\\$')}([^\\w$]|$)`).test(message);
}

function insideRepo(root: string, abs: string): boolean {
  const rel = path.relative(root, abs);
  return (
    !rel.startsWith('..') && !path.isAbsolute(rel) && !rel.split(path.sep).includes('node_modules')
  );
}

function declarationNameAt(
  sf: ts.SourceFile,
  line: number,
  name: string,
): ts.Identifier | undefined {
  let found: ts.Identifier | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    const named = (node as ts.NamedDeclaration).name;
    if (
      named &&
      ts.isIdentifier(named) &&
      named.text === name &&
      sf.getLineAndCharacterOfPosition(named.getStart(sf)).line + 1 === line
    )
      found = named;
    else ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

interface Location {
  fileName: string;
  span: ts.TextSpan;
}

/**
 * Uses of the old name that fail now, in the files failures name (and the declaring file),
 * each with the local uses of a failing import. Undefined when a use cannot be moved by a plain
 * rename (a barrel's re-export would only move the break to its importers).
 */
function forwardLocations(
  program: ts.Program,
  root: string,
  rename: DeclRename,
  failures: Failure[],
): Location[] | undefined {
  const checker = program.getTypeChecker();
  const files = new Set([
    rename.file,
    ...failures.map((f) => f.file).filter((f): f is string => Boolean(f)),
  ]);
  const out: Location[] = [];
  for (const rel of files) {
    const sf = program.getSourceFile(path.resolve(root, rel));
    if (!sf || !insideRepo(root, sf.fileName)) continue;
    const diags = [...program.getSemanticDiagnostics(sf), ...program.getSyntacticDiagnostics(sf)];
    const ids = new Set<ts.Identifier>();
    for (const d of diags) {
      if (d.start === undefined || !MISSING_NAME_CODES.has(d.code)) continue;
      const id = identifierAt(sf, d.start);
      if (id?.text === rename.from) ids.add(id);
    }
    for (const id of ids) {
      if (ts.isExportSpecifier(id.parent)) return undefined;
      if (ts.isImportSpecifier(id.parent)) {
        if (id.parent.propertyName) {
          out.push({
            fileName: sf.fileName,
            span: { start: id.getStart(sf), length: id.text.length },
          });
          continue;
        }
        const alias = checker.getSymbolAtLocation(id.parent.name);
        for (const use of identifiersNamed(sf, rename.from)) {
          if (use !== id && checker.getSymbolAtLocation(use) !== alias) continue;
          if (ts.isExportSpecifier(use.parent)) return undefined; // `export { x }`: a public name
          out.push({
            fileName: sf.fileName,
            span: { start: use.getStart(sf), length: use.text.length },
          });
        }
        continue;
      }
      out.push({ fileName: sf.fileName, span: { start: id.getStart(sf), length: id.text.length } });
    }
  }
  return out;
}

function isDeclarationName(sf: ts.SourceFile, pos: number): boolean {
  const id = identifierAt(sf, pos);
  return Boolean(
    id &&
    (id.parent as ts.NamedDeclaration).name === id &&
    !ts.isImportSpecifier(id.parent) &&
    !ts.isExportSpecifier(id.parent),
  );
}

function identifiersNamed(sf: ts.SourceFile, name: string): ts.Identifier[] {
  const out: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === name) out.push(node);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

export function identifierAt(sf: ts.SourceFile, pos: number): ts.Identifier | undefined {
  let found: ts.Identifier | undefined;
  const visit = (node: ts.Node): void => {
    if (pos < node.getFullStart() || pos >= node.getEnd()) return;
    if (ts.isIdentifier(node) && pos >= node.getStart(sf)) found = node;
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function editsFor(
  program: ts.Program,
  root: string,
  locations: Location[],
  newText: string,
): FileEdit[] {
  const byFile = new Map<string, ts.TextSpan[]>();
  for (const l of locations) byFile.set(l.fileName, [...(byFile.get(l.fileName) ?? []), l.span]);
  const edits: FileEdit[] = [];
  for (const [abs, spans] of byFile) {
    const before = program.getSourceFile(abs)?.text;
    if (before === undefined || !insideRepo(root, abs)) continue;
    let after = before;
    const unique = [...new Map(spans.map((s) => [s.start, s])).values()].sort(
      (a, b) => b.start - a.start,
    );
    for (const s of unique)
      after = after.slice(0, s.start) + newText + after.slice(s.start + s.length);
    if (after !== before)
      edits.push({ path: path.relative(root, abs).split(path.sep).join('/'), before, after });
  }
  return edits;
}
