import ts from 'typescript';
import { editDistance } from '../util-edit-distance.js';

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
/** TS2389: "Function implementation name must be 'x'." The compiler names the fix. */
const IMPLEMENTATION_NAME = 2389;
/** TS1225: "Cannot find parameter 'x'." in a type predicate `x is T`. */
const PREDICATE_PARAMETER = 1225;

/**
 * An overloaded function whose implementation lost its overloads' name: rename the
 * implementation (only its own name; nothing can refer to an implementation separately).
 */
function implementationName(
  program: ts.Program,
  file: string,
  diagnostic: ts.Diagnostic,
): ts.CodeFixAction[] {
  const sf = program.getSourceFile(file);
  const wanted = /'([A-Za-z_$][\w$]*)'/.exec(
    ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
  )?.[1];
  const id = sf && identifierAt(sf, diagnostic.start!);
  if (
    !sf ||
    !wanted ||
    !id ||
    !ts.isFunctionLike(id.parent) ||
    (id.parent as ts.FunctionDeclaration).name !== id
  )
    return [];
  return [
    {
      fixName: 'spelling',
      description: `Rename the implementation '${id.text}' to '${wanted}', its overloads' name`,
      changes: [
        {
          fileName: file,
          textChanges: [
            { span: { start: id.getStart(sf), length: id.text.length }, newText: wanted },
          ],
        },
      ],
    },
  ];
}

export function spellingFixes(
  service: ts.LanguageService,
  file: string,
  diagnostic: ts.Diagnostic,
): ts.CodeFixAction[] {
  const program = service.getProgram();
  if (!program) return [];
  if (diagnostic.start === undefined) return [];
  const code = diagnostic.code;
  if (code === IMPLEMENTATION_NAME) return implementationName(program, file, diagnostic);
  if (code === PREDICATE_PARAMETER) {
    // `x is T` names a parameter: only the function's own parameters are candidates.
    const sf = program.getSourceFile(file);
    const id = sf && identifierAt(sf, diagnostic.start);
    const fn = id && ts.isTypePredicateNode(id.parent) && ts.findAncestor(id, ts.isFunctionLike);
    if (!sf || !id || !fn) return [];
    const params = fn.parameters.flatMap((p) => (ts.isIdentifier(p.name) ? [p.name.text] : []));
    return rankedFixes(file, sf, id, params, [], undefined);
  }
  if (!NAME_CODES.has(code) && !PROPERTY_CODES.has(code) && !EXPORT_CODES.has(code)) return [];
  const sf = program.getSourceFile(file);
  if (!sf) return [];
  const id = identifierAt(sf, diagnostic.start);
  if (!id) return [];
  const checker = program.getTypeChecker();
  let names: string[] = [];
  if (
    PROPERTY_CODES.has(code) &&
    (ts.isPropertyAccessExpression(id.parent) || ts.isPropertyAccessChain?.(id.parent))
  ) {
    const type = checker.getTypeAtLocation((id.parent as ts.PropertyAccessExpression).expression);
    names = checker.getPropertiesOfType(checker.getNonNullableType(type)).map((s) => s.name);
  } else if (
    EXPORT_CODES.has(code) &&
    (ts.isImportSpecifier(id.parent) || ts.isExportSpecifier(id.parent))
  ) {
    // `import { X } from './m'` or a barrel's `export { X } from './m'`.
    const moduleSpecifier = ts.isImportSpecifier(id.parent)
      ? importDeclarationOf(id.parent)?.moduleSpecifier
      : id.parent.parent.parent.moduleSpecifier;
    const moduleSymbol = moduleSpecifier ? checker.getSymbolAtLocation(moduleSpecifier) : undefined;
    const exports = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
    // Only the importer is respelled here: renaming the export itself is decided from the diff
    // (rename-direction.ts), never from what the importers happen to say.
    names = exports.map((s) => s.name);
    // The compiler's own suggestion counts whatever its distance (`x` → `xImpl`).
    const suggested = /Did you mean '([A-Za-z_$][\w$]*)'/.exec(
      ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
    )?.[1];
    // Respelling `import { x }` alone would break its uses in the file: they move with it.
    const uses =
      ts.isImportSpecifier(id.parent) && !id.parent.propertyName ? localUses(checker, sf, id) : [];
    return rankedFixes(file, sf, id, names, uses, suggested);
  } else if (NAME_CODES.has(code)) {
    const meaning =
      ts.SymbolFlags.Value | ts.SymbolFlags.Type | ts.SymbolFlags.Namespace | ts.SymbolFlags.Alias;
    names = checker.getSymbolsInScope(id, meaning).map((s) => s.name);
  }
  return rankedFixes(file, sf, id, names);
}

/** Identifiers in the file that refer to the same local import binding as `id`. */
function localUses(checker: ts.TypeChecker, sf: ts.SourceFile, id: ts.Identifier): ts.Identifier[] {
  const alias = checker.getSymbolAtLocation(id);
  if (!alias) return [];
  const out: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isIdentifier(node) &&
      node !== id &&
      node.text === id.text &&
      checker.getSymbolAtLocation(node) === alias
    )
      out.push(node);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function rankedFixes(
  file: string,
  sf: ts.SourceFile,
  id: ts.Identifier,
  names: string[],
  uses: ts.Identifier[] = [],
  suggested?: string,
): ts.CodeFixAction[] {
  const wrong = id.text;
  if (wrong.length < MIN_NAME_LENGTH) return []; // `p.y` → `p.x` would be a guess, not a typo fix
  const limit = wrong.length <= 5 ? 1 : wrong.length <= 10 ? 2 : 3;
  const ranked = [...new Set(names)]
    .filter((n) => n !== wrong && !n.startsWith('__'))
    .map((n) => ({
      n,
      d: editDistance(wrong.toLowerCase(), n.toLowerCase()) + (sameCase(wrong, n) ? 0 : 0.5),
    }))
    .filter((c) => c.d <= limit || c.n === suggested)
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, 5);
  const spans = [id, ...uses].map((u) => ({ start: u.getStart(sf), length: wrong.length }));
  return ranked.map(({ n }) => ({
    fixName: 'spelling',
    description: `Change spelling to '${n}'${uses.length ? ` (and its ${uses.length} use(s) in the file)` : ''}`,
    changes: [{ fileName: file, textChanges: spans.map((span) => ({ span, newText: n })) }],
  }));
}

function importDeclarationOf(spec: ts.ImportSpecifier): ts.ImportDeclaration | undefined {
  const decl = spec.parent.parent.parent;
  return ts.isImportDeclaration(decl) ? decl : undefined;
}

function sameCase(a: string, b: string): boolean {
  return a.toLowerCase() !== a || b.toLowerCase() !== b
    ? editDistance(a, b) === editDistance(a.toLowerCase(), b.toLowerCase())
    : true;
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

export { editDistance };
