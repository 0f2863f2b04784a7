// Programmatic breakages of real TypeScript code, found with the compiler API so each one is a real,
// compiling-before, failing-after change of the kind people make.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { HOST_TSCONFIG } from './lib.js';

function program(dir, files) {
  // The host's own tsconfig (TypeScript hosts share HOST_TSCONFIG; JavaScript hosts check JS).
  let config = HOST_TSCONFIG;
  try {
    config = JSON.parse(readFileSync(path.join(dir, 'tsconfig.json'), 'utf8'));
  } catch {
    // keep the shared one
  }
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, dir);
  return ts.createProgram(files, { ...options, noEmit: true });
}

function walk(node, visit) {
  visit(node);
  ts.forEachChild(node, (c) => walk(c, visit));
}

function isDeclarationName(id) {
  const p = id.parent;
  return (
    (ts.isDeclarationStatement?.(p) ||
      ts.isVariableDeclaration(p) ||
      ts.isParameter(p) ||
      ts.isFunctionDeclaration(p) ||
      ts.isClassDeclaration(p) ||
      ts.isInterfaceDeclaration(p) ||
      ts.isTypeAliasDeclaration(p) ||
      ts.isPropertyDeclaration(p) ||
      ts.isPropertySignature(p) ||
      ts.isMethodDeclaration(p) ||
      ts.isMethodSignature(p) ||
      ts.isEnumDeclaration(p) ||
      ts.isEnumMember(p) ||
      ts.isBindingElement(p) ||
      ts.isTypeParameterDeclaration(p) ||
      ts.isPropertyAssignment(p) ||
      ts.isShorthandPropertyAssignment(p) ||
      ts.isImportSpecifier(p) ||
      ts.isExportSpecifier(p) ||
      ts.isImportClause(p) ||
      ts.isNamespaceImport(p) ||
      ts.isGetAccessor(p) ||
      ts.isSetAccessor(p) ||
      ts.isLabeledStatement(p)) &&
    p.name === id
  );
}

/** A plausible typo: drop an inner letter, or swap two inner letters. */
export function typo(name, rand) {
  if (name.length >= 5 && rand() < 0.6) {
    const i = 1 + Math.floor(rand() * (name.length - 2));
    return name.slice(0, i) + name.slice(i + 1);
  }
  if (name.length >= 4) {
    const i = 1 + Math.floor(rand() * (name.length - 3));
    const swapped = name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2);
    return swapped === name ? null : swapped; // two equal letters ("rr"): no typo, no case
  }
  return null;
}

/** Candidate breakages: misspelled references, dropped named imports, renamed exported declarations. */
export function findBreakages(dir, files, rand) {
  const prog = program(dir, files);
  const checker = prog.getTypeChecker();
  const inProject = (decl) =>
    decl &&
    !decl.getSourceFile().isDeclarationFile &&
    decl.getSourceFile().fileName.startsWith(dir);
  const misspell = [];
  const dropImport = [];
  const rename = [];
  const renameFar = [];
  const overloadImpl = [];
  const requireDrop = [];
  const seenRenames = new Set();
  for (const file of files) {
    const sf = prog.getSourceFile(file);
    if (!sf) continue; // not part of the host's program (e.g. a .js file beside TypeScript)
    const rel = path.relative(dir, file);
    const text = sf.text;
    const allNames = new Set();
    walk(sf, (n) => ts.isIdentifier(n) && allNames.add(n.text));
    walk(sf, (node) => {
      if (
        ts.isIdentifier(node) &&
        node.text.length >= 4 &&
        !isDeclarationName(node) &&
        !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) &&
        !ts.isQualifiedName(node.parent) &&
        !ts.isJsxAttribute?.(node.parent) &&
        !ts.findAncestor(node, ts.isJSDoc) // a name in a doc comment is not code
      ) {
        const sym = checker.getSymbolAtLocation(node);
        if (sym && sym.declarations?.some(inProject)) {
          const bad = typo(node.text, rand);
          if (bad && !allNames.has(bad))
            misspell.push({
              kind: 'misspelled identifier',
              file: rel,
              start: node.getStart(sf),
              end: node.getEnd(),
              replacement: bad,
              note: `${node.text} → ${bad}`,
            });
        }
      }
      if (
        ts.isImportDeclaration(node) &&
        ts.isStringLiteral(node.moduleSpecifier) &&
        node.moduleSpecifier.text.startsWith('.') &&
        !node.importClause?.isTypeOnly
      ) {
        const named = node.importClause?.namedBindings;
        if (named && ts.isNamedImports(named)) {
          for (const spec of named.elements) {
            if (spec.isTypeOnly || spec.propertyName) continue;
            const name = spec.name.text;
            const uses = [...text.matchAll(new RegExp(`\\b${name}\\b`, 'g'))].length;
            if (uses < 2) continue;
            let start;
            let end;
            if (named.elements.length === 1) {
              start = node.getFullStart();
              end = node.getEnd();
            } else {
              const idx = named.elements.indexOf(spec);
              start = idx === 0 ? spec.getStart(sf) : named.elements[idx - 1].getEnd();
              end = idx === 0 ? named.elements[1].getStart(sf) : spec.getEnd();
            }
            dropImport.push({
              kind: 'dropped import',
              file: rel,
              start,
              end,
              replacement: '',
              note: `import { ${name} } from '${node.moduleSpecifier.text}'`,
            });
          }
        }
      }
      const js = /\.c?js$/.test(file);
      // `const X = require('./x')` used at least twice: the CommonJS form of a named import.
      if (
        js &&
        ts.isVariableStatement(node) &&
        node.parent === sf &&
        node.declarationList.declarations.length === 1
      ) {
        const d = node.declarationList.declarations[0];
        const init = d.initializer;
        if (
          ts.isIdentifier(d.name) &&
          init &&
          ts.isCallExpression(init) &&
          ts.isIdentifier(init.expression) &&
          init.expression.text === 'require' &&
          ts.isStringLiteral(init.arguments[0]) &&
          init.arguments[0].text.startsWith('.')
        ) {
          const uses = [...text.matchAll(new RegExp(`\\b${d.name.text}\\b`, 'g'))].length;
          if (uses >= 3)
            requireDrop.push({
              kind: 'dropped import',
              file: rel,
              start: node.getFullStart(),
              end: node.getEnd(),
              replacement: '',
              note: `const ${d.name.text} = require('${init.arguments[0].text}')`,
            });
        }
      }
      // Overloads: rename only the implementation, far from its name (`x` → `xImpl`).
      if (ts.isFunctionDeclaration(node) && node.name && node.body && node.parent === sf) {
        const sym = checker.getSymbolAtLocation(node.name);
        const decls = (sym?.declarations ?? []).filter(
          (d) => ts.isFunctionDeclaration(d) && d.getSourceFile() === sf,
        );
        if (decls.length >= 3)
          overloadImpl.push({
            kind: 'overload implementation renamed',
            file: rel,
            start: node.name.getStart(sf),
            end: node.name.getEnd(),
            replacement: `${node.name.text}Impl`,
            note: `${node.name.text} implementation → ${node.name.text}Impl (${decls.length - 1} overloads)`,
          });
      }
      const exportedTop =
        node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ||
        (js && node.parent === sf);
      if (
        (ts.isFunctionDeclaration(node) ||
          ts.isClassDeclaration(node) ||
          ts.isInterfaceDeclaration(node) ||
          ts.isTypeAliasDeclaration(node)) &&
        node.name &&
        exportedTop
      ) {
        const sym = checker.getSymbolAtLocation(node.name);
        const refs = sym ? countExternalReferences(prog, checker, sym, js ? null : file) : 0;
        const bad = typo(node.name.text, rand);
        // Every declaration of the symbol in this file (overloads, merged interfaces) is renamed.
        const names = (sym?.declarations ?? [])
          .filter((d) => d.getSourceFile() === sf && d.name)
          .map((d) => d.name);
        if (refs > 0 && bad && !seenRenames.has(sym)) {
          seenRenames.add(sym);
          rename.push({
            kind: 'renamed declaration',
            file: rel,
            edits: names.map((n) => ({ start: n.getStart(sf), end: n.getEnd(), replacement: bad })),
            note: `${node.name.text} → ${bad} (${refs} use(s) elsewhere)`,
          });
          const far = `${node.name.text}Impl`;
          renameFar.push({
            kind: 'renamed declaration (far: xImpl)',
            file: rel,
            edits: names.map((n) => ({ start: n.getStart(sf), end: n.getEnd(), replacement: far })),
            note: `${node.name.text} → ${far} (${refs} use(s))`,
          });
        }
      }
    });
  }
  // Breakages whose errors show up away from the cause.
  const addParam = [];
  const removeMember = [];
  const changeType = [];
  for (const file of files) {
    const sf = prog.getSourceFile(file);
    if (!sf) continue;
    const rel = path.relative(dir, file);
    walk(sf, (node) => {
      const exported = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (ts.isFunctionDeclaration(node) && node.name && node.body && exported) {
        const sym = checker.getSymbolAtLocation(node.name);
        if (sym && countExternalReferences(prog, checker, sym, file) > 0) {
          const pos = node.parameters.end;
          addParam.push({
            kind: 'added required parameter',
            file: rel,
            start: pos,
            end: pos,
            replacement: node.parameters.length ? ', extraArg: number' : 'extraArg: number',
            note: `${node.name.text}(…, extraArg)`,
            causeLine: sf.getLineAndCharacterOfPosition(pos).line + 1,
          });
        }
      }
      if (ts.isInterfaceDeclaration(node) && exported) {
        for (const m of node.members) {
          if (!ts.isPropertySignature(m) || !ts.isIdentifier(m.name) || m.questionToken) continue;
          const name = m.name.text;
          const usedElsewhere = files.some(
            (f) => f !== file && prog.getSourceFile(f)?.text.includes(`.${name}`),
          );
          if (!usedElsewhere) continue;
          const line = sf.getLineAndCharacterOfPosition(m.getStart(sf)).line + 1;
          removeMember.push({
            kind: 'removed interface member',
            file: rel,
            start: m.getFullStart(),
            end: m.getEnd(),
            replacement: '',
            note: `${node.name.text}.${name} removed`,
            causeLine: line,
          });
          const t = m.type?.kind;
          const swap =
            t === ts.SyntaxKind.StringKeyword
              ? 'number'
              : t === ts.SyntaxKind.NumberKeyword
                ? 'string'
                : t === ts.SyntaxKind.BooleanKeyword
                  ? 'string'
                  : null;
          if (swap)
            changeType.push({
              kind: 'changed property type',
              file: rel,
              start: m.type.getStart(sf),
              end: m.type.getEnd(),
              replacement: swap,
              note: `${node.name.text}.${name}: ${m.type.getText(sf)} → ${swap}`,
              causeLine: line,
            });
        }
      }
    });
  }
  return {
    moveFile: movedFiles(dir, files, prog),
    misspell,
    dropImport: [...dropImport, ...requireDrop],
    rename,
    renameFar,
    overloadImpl,
    addParam,
    removeMember,
    changeType,
  };
}

/**
 * Files other files import by a relative specifier, moved one folder down (`a/x.ts` →
 * `a/moved/x.ts`): importers break, and so do the moved file's own relative imports.
 */
function movedFiles(dir, files, prog) {
  const options = prog.getCompilerOptions();
  const importers = new Map();
  for (const file of files) {
    const text = prog.getSourceFile(file)?.text;
    if (text === undefined) continue;
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const target = ts.resolveModuleName(ref.fileName, file, options, ts.sys).resolvedModule
        ?.resolvedFileName;
      if (!target || !target.startsWith(dir) || target.includes('node_modules')) continue;
      importers.set(target, (importers.get(target) ?? 0) + 1);
    }
  }
  const out = [];
  for (const [target, n] of importers) {
    if (/^index\./.test(path.basename(target)) || target.endsWith('.d.ts')) continue;
    if (!files.includes(target)) continue;
    const from = path.relative(dir, target);
    const to = path.join(path.dirname(from), 'moved', path.basename(from));
    out.push({
      kind: 'moved file',
      file: from,
      move: { from, to },
      note: `${from} → ${to} (${n} importer(s))`,
    });
  }
  return out;
}

function countExternalReferences(prog, checker, symbol, declFile) {
  let n = 0;
  for (const sf of prog.getSourceFiles()) {
    if (sf.isDeclarationFile || sf.fileName === declFile) continue;
    walk(sf, (node) => {
      if (
        ts.isIdentifier(node) &&
        node.text === symbol.name &&
        !(node.parent.name === node && symbol.declarations?.includes(node.parent))
      ) {
        let s = checker.getSymbolAtLocation(node);
        if (s && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
        if (s === symbol) n++;
      }
    });
  }
  return n;
}

export function pick(list, count, rand) {
  const pool = [...list];
  const out = [];
  while (out.length < count && pool.length > 0)
    out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
  return out;
}

export function applyBreakage(dir, b) {
  const abs = path.join(dir, b.file);
  let text = readFileSync(abs, 'utf8');
  const edits = b.edits ?? [{ start: b.start, end: b.end, replacement: b.replacement }];
  for (const e of [...edits].sort((x, y) => y.start - x.start))
    text = text.slice(0, e.start) + e.replacement + text.slice(e.end);
  return { abs, text };
}
