import ts from 'typescript';

/**
 * Spelling candidates for an unknown name, found by the type checker (names in scope, the
 * properties of the object's type, the exports of the imported module) and ranked by edit
 * distance with transpositions. TypeScript's own suggestion misses swapped letters in short
 * names and offers a single candidate; here every close candidate can be tried, and the
 * language service then proves which one (if any) removes the error.
 */
const NAME_CODES = new Set([2304, 2552, 2662, 2663]); // cannot find name (…did you mean / instance / static member)
const PROPERTY_CODES = new Set([2339, 2551]); // property does not exist (…did you mean)
const EXPORT_CODES = new Set([2305, 2724]); // module has no exported member (…did you mean)
const MIN_NAME_LENGTH = 3;

export function spellingFixes(service: ts.LanguageService, file: string, diagnostic: ts.Diagnostic): ts.CodeFixAction[] {
  const program = service.getProgram();
  if (!program) return [];
  if (diagnostic.start === undefined) return [];
  const code = diagnostic.code;
  if (!NAME_CODES.has(code) && !PROPERTY_CODES.has(code) && !EXPORT_CODES.has(code)) return [];
  const sf = program.getSourceFile(file);
  if (!sf) return [];
  const id = identifierAt(sf, diagnostic.start);
  if (!id) return [];
  const checker = program.getTypeChecker();
  let names: string[] = [];
  if (PROPERTY_CODES.has(code) && (ts.isPropertyAccessExpression(id.parent) || ts.isPropertyAccessChain?.(id.parent))) {
    const type = checker.getTypeAtLocation((id.parent as ts.PropertyAccessExpression).expression);
    names = checker.getPropertiesOfType(checker.getNonNullableType(type)).map((s) => s.name);
  } else if (EXPORT_CODES.has(code) && (ts.isImportSpecifier(id.parent) || ts.isExportSpecifier(id.parent))) {
    // `import { X } from './m'` or a barrel's `export { X } from './m'`.
    const moduleSpecifier = ts.isImportSpecifier(id.parent) ? importDeclarationOf(id.parent)?.moduleSpecifier : id.parent.parent.parent.moduleSpecifier;
    const moduleSymbol = moduleSpecifier ? checker.getSymbolAtLocation(moduleSpecifier) : undefined;
    const exports = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
    names = exports.map((s) => s.name);
    // A renamed export breaks every importer; renaming the export back is one edit instead of many.
    const back = renameExportBack(service, checker, exports, id.text);
    if (back) return [back, ...rankedFixes(file, sf, id, names)];
  } else if (NAME_CODES.has(code)) {
    const meaning = ts.SymbolFlags.Value | ts.SymbolFlags.Type | ts.SymbolFlags.Namespace | ts.SymbolFlags.Alias;
    names = checker.getSymbolsInScope(id, meaning).map((s) => s.name);
  }
  return rankedFixes(file, sf, id, names);
}

function rankedFixes(file: string, sf: ts.SourceFile, id: ts.Identifier, names: string[]): ts.CodeFixAction[] {
  const wrong = id.text;
  if (wrong.length < MIN_NAME_LENGTH) return []; // `p.y` → `p.x` would be a guess, not a typo fix
  const limit = wrong.length <= 5 ? 1 : wrong.length <= 10 ? 2 : 3;
  const ranked = [...new Set(names)]
    .filter((n) => n !== wrong && !n.startsWith('__'))
    .map((n) => ({ n, d: editDistance(wrong.toLowerCase(), n.toLowerCase()) + (sameCase(wrong, n) ? 0 : 0.5) }))
    .filter((c) => c.d <= limit)
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, 5);
  return ranked.map(({ n }) => ({
    fixName: 'spelling',
    description: `Change spelling to '${n}'`,
    changes: [{ fileName: file, textChanges: [{ span: { start: id.getStart(sf), length: wrong.length }, newText: n }] }],
  }));
}

function closest(names: string[], wanted: string): string | undefined {
  const limit = wanted.length <= 5 ? 1 : wanted.length <= 10 ? 2 : 3;
  const ranked = names.map((n) => ({ n, d: editDistance(wanted, n) })).filter((c) => c.d > 0 && c.d <= limit).sort((a, b) => a.d - b.d);
  // Only an unambiguous closest export is renamed back.
  return ranked.length > 0 && (ranked.length === 1 || ranked[1]!.d > ranked[0]!.d) ? ranked[0]!.n : undefined;
}

function renameExportBack(service: ts.LanguageService, checker: ts.TypeChecker, exports: ts.Symbol[], wanted: string): ts.CodeFixAction | undefined {
  const name = closest(exports.map((s) => s.name), wanted);
  let symbol = exports.find((s) => s.name === name);
  if (!symbol) return undefined;
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol); // re-exported through an index file
  const decl = symbol.declarations?.find((d) => (d as ts.NamedDeclaration).name && !d.getSourceFile().isDeclarationFile);
  const declName = decl && (decl as ts.NamedDeclaration).name;
  if (!decl || !declName || symbol.name !== name) return undefined;
  const declFile = decl.getSourceFile().fileName;
  // Rename inside the declaring file only: its importers already use the wanted name.
  const locations = service.findRenameLocations(declFile, declName.getStart(), false, false, { providePrefixAndSuffixTextForRename: false }) ?? [];
  const local = locations.filter((l) => l.fileName === declFile);
  if (local.length === 0) return undefined;
  return {
    fixName: 'spelling',
    description: `Rename '${name}' back to '${wanted}', the name its importers use`,
    changes: [{ fileName: declFile, textChanges: local.map((l) => ({ span: l.textSpan, newText: wanted })) }],
  };
}

function importDeclarationOf(spec: ts.ImportSpecifier): ts.ImportDeclaration | undefined {
  const decl = spec.parent.parent.parent;
  return ts.isImportDeclaration(decl) ? decl : undefined;
}

function sameCase(a: string, b: string): boolean {
  return a.toLowerCase() !== a || b.toLowerCase() !== b ? editDistance(a, b) === editDistance(a.toLowerCase(), b.toLowerCase()) : true;
}

function identifierAt(sf: ts.SourceFile, pos: number): ts.Identifier | undefined {
  let found: ts.Identifier | undefined;
  const visit = (node: ts.Node): void => {
    if (pos < node.getFullStart() || pos >= node.getEnd()) return;
    if (ts.isIdentifier(node) && pos >= node.getStart(sf)) found = node;
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
