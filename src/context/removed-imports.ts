import ts from 'typescript';

/** An import binding present at the last green commit and gone now (the file still exists). */
export interface RemovedImport {
  /** Repo-relative POSIX path of the importing file. */
  file: string;
  /** The local name the binding gave. */
  local: string;
  /** The module specifier, as written at the base. */
  specifier: string;
  /** What it imported: an export name, `default`, or `*` (namespace and `require`). */
  imported: string;
  form: 'import' | 'require';
  typeOnly: boolean;
  /** A statement that binds only this name, in the base's quote and semicolon style. */
  statement: string;
  /** 1-based line of the statement at the base. */
  line: number;
}

type Binding = Omit<RemovedImport, 'file'>;

/**
 * Import bindings (ES `import` and top-level `require`) at the base that no import, require or
 * top-level declaration of the file gives now. Only relative and bare specifiers the base wrote
 * are reported; what they were is read, never guessed.
 */
export function removedImports(file: string, before: string, now: string): RemovedImport[] {
  const current = bindings(file, now);
  const declaredNow = topLevelNames(file, now);
  return bindings(file, before)
    .filter((b) => !current.some((c) => c.local === b.local) && !declaredNow.has(b.local))
    .map((b) => ({ file, ...b }));
}

function parse(file: string, text: string): ts.SourceFile {
  const kind = /\.(c|m)?jsx?$/.test(file)
    ? ts.ScriptKind.JSX
    : /x$/.test(file)
      ? ts.ScriptKind.TSX
      : ts.ScriptKind.TS;
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
}

function bindings(file: string, text: string): Binding[] {
  const sf = parse(file, text);
  const out: Binding[] = [];
  for (const st of sf.statements) {
    const line = sf.getLineAndCharacterOfPosition(st.getStart(sf)).line + 1;
    const semi = st.getText(sf).trimEnd().endsWith(';') ? ';' : '';
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.importClause) {
      const spec = st.moduleSpecifier.getText(sf); // with its quotes
      const clause = st.importClause;
      const typeOnly = clause.isTypeOnly;
      const kw = typeOnly ? 'import type' : 'import';
      const base = { specifier: st.moduleSpecifier.text, form: 'import' as const, line };
      if (clause.name)
        out.push({
          ...base,
          local: clause.name.text,
          imported: 'default',
          typeOnly,
          statement: `${kw} ${clause.name.text} from ${spec}${semi}`,
        });
      const named = clause.namedBindings;
      if (named && ts.isNamespaceImport(named))
        out.push({
          ...base,
          local: named.name.text,
          imported: '*',
          typeOnly,
          statement: `${kw} * as ${named.name.text} from ${spec}${semi}`,
        });
      if (named && ts.isNamedImports(named))
        for (const el of named.elements) {
          const elType = typeOnly || el.isTypeOnly;
          const element = el.getText(sf).replace(/^type\s+/, '');
          out.push({
            ...base,
            local: el.name.text,
            imported: el.propertyName?.text ?? el.name.text,
            typeOnly: elType,
            statement: `${elType ? 'import type' : 'import'} { ${element} } from ${spec}${semi}`,
          });
        }
    }
    if (ts.isVariableStatement(st) && st.declarationList.declarations.length === 1) {
      const d = st.declarationList.declarations[0]!;
      const init = d.initializer;
      if (
        !init ||
        !ts.isCallExpression(init) ||
        !ts.isIdentifier(init.expression) ||
        init.expression.text !== 'require' ||
        !init.arguments[0] ||
        !ts.isStringLiteral(init.arguments[0])
      )
        continue;
      const spec = init.arguments[0].text;
      const names = ts.isIdentifier(d.name)
        ? [d.name.text]
        : ts.isObjectBindingPattern(d.name)
          ? d.name.elements.flatMap((e) => (ts.isIdentifier(e.name) ? [e.name.text] : []))
          : [];
      // One binding restores the whole statement: a require is one line the author wrote.
      for (const local of names)
        out.push({
          local,
          specifier: spec,
          imported: '*',
          form: 'require',
          typeOnly: false,
          statement: st.getText(sf),
          line,
        });
    }
  }
  return out;
}

function topLevelNames(file: string, text: string): Set<string> {
  const sf = parse(file, text);
  const names = new Set<string>();
  for (const st of sf.statements) {
    if (
      (ts.isFunctionDeclaration(st) ||
        ts.isClassDeclaration(st) ||
        ts.isInterfaceDeclaration(st) ||
        ts.isTypeAliasDeclaration(st) ||
        ts.isEnumDeclaration(st)) &&
      st.name
    )
      names.add(st.name.text);
    if (ts.isVariableStatement(st))
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name)) names.add(d.name.text);
  }
  return names;
}
