import path from 'node:path';
import type { Node, Parser as ParserType } from 'web-tree-sitter';
import { languageOf, loadGrammar, treeSitter } from './languages.js';

/**
 * Does a file still parse? tree-sitter (the WASM binding, which bundles into the Action) with the
 * grammars' own .wasm files, reporting ERROR and MISSING nodes. Cheap enough to run on every
 * changed file before a slow build or a push.
 */
export interface SyntaxProblem {
  line: number;
  column: number;
  message: string;
}

async function parserFor(file: string): Promise<ParserType | null> {
  const id = languageOf(file);
  if (!id) return null;
  const [m, language] = await Promise.all([treeSitter(), loadGrammar(id)]);
  const parser = new m.Parser();
  parser.setLanguage(language);
  return parser;
}

export function isSyntaxCheckable(file: string): boolean {
  return languageOf(file) !== undefined;
}

const TS_KINDS: Record<string, number> = {
  '.ts': 3,
  '.mts': 3,
  '.cts': 3,
  '.tsx': 4,
  '.js': 1,
  '.mjs': 1,
  '.cjs': 1,
  '.jsx': 2,
}; // ts.ScriptKind

/**
 * Syntax problems in `content`, or null when no grammar covers the file type.
 * tree-sitter is the fast screen; its grammars are not perfect (tree-sitter-typescript 0.23 rejects
 * newline-separated call signatures, which real code such as effect uses), so for TypeScript and
 * JavaScript a reported problem is confirmed by TypeScript's own parser, whose verdict wins.
 */
export async function syntaxProblems(
  file: string,
  content: string,
): Promise<SyntaxProblem[] | null> {
  const raw = await treeSitterProblems(file, content);
  if (raw === null) return null;
  const kind = TS_KINDS[path.extname(file).toLowerCase()];
  return raw.length > 0 && kind !== undefined ? typescriptSyntax(file, content, kind) : raw;
}

/** tree-sitter's ERROR and MISSING nodes, unconfirmed. */
export async function treeSitterProblems(
  file: string,
  content: string,
): Promise<SyntaxProblem[] | null> {
  const parser = await parserFor(file);
  if (!parser) return null;
  const tree = parser.parse(content);
  try {
    if (!tree) return [{ line: 1, column: 1, message: 'the parser gave up on this file' }];
    const out: SyntaxProblem[] = [];
    collect(tree.rootNode, out);
    return out;
  } finally {
    tree?.delete(); // WASM memory is not garbage-collected
    parser.delete();
  }
}

async function typescriptSyntax(
  file: string,
  content: string,
  kind: number,
): Promise<SyntaxProblem[]> {
  const { default: ts } = await import('typescript');
  const sf = ts.createSourceFile(
    file,
    content,
    ts.ScriptTarget.Latest,
    false,
    kind as import('typescript').ScriptKind,
  );
  // parseDiagnostics: the syntax errors of this one file, without a program or type check.
  const diags =
    (sf as unknown as { parseDiagnostics: import('typescript').DiagnosticWithLocation[] })
      .parseDiagnostics ?? [];
  return diags.map((d) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(d.start);
    return {
      line: line + 1,
      column: character + 1,
      message: `syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')} (TS${d.code})`,
    };
  });
}

function collect(node: Node, out: SyntaxProblem[]): void {
  if (node.isMissing) {
    out.push({
      line: node.startPosition.row + 1,
      column: node.startPosition.column + 1,
      message: `syntax error: missing ${JSON.stringify(node.type)}`,
    });
    return;
  }
  if (node.type === 'ERROR') {
    const text = node.text.split('\n')[0]!.slice(0, 40);
    out.push({
      line: node.startPosition.row + 1,
      column: node.startPosition.column + 1,
      message: `syntax error: unexpected ${JSON.stringify(text)}`,
    });
    return;
  }
  if (!node.hasError) return;
  for (const child of node.children) if (child) collect(child, out);
}

/**
 * Problems in `after` that `before` did not have (by message, since lines move). tree-sitter's raw
 * findings are compared first, so a grammar gap present in both versions costs nothing; only new
 * raw findings are confirmed (TypeScript's parser for TS/JS).
 */
export async function newSyntaxProblems(
  file: string,
  before: string | null,
  after: string,
): Promise<SyntaxProblem[]> {
  const rawAfter = (await treeSitterProblems(file, after)) ?? [];
  if (rawAfter.length === 0) return [];
  const rawBefore = before === null ? [] : ((await treeSitterProblems(file, before)) ?? []);
  if (subtract(rawAfter, rawBefore).length === 0) return [];
  const kind = TS_KINDS[path.extname(file).toLowerCase()];
  if (kind === undefined) return subtract(rawAfter, rawBefore);
  return subtract(
    await typescriptSyntax(file, after, kind),
    before === null ? [] : await typescriptSyntax(file, before, kind),
  );
}

function subtract(now: SyntaxProblem[], had: SyntaxProblem[]): SyntaxProblem[] {
  const counts = new Map<string, number>();
  for (const p of had) counts.set(p.message, (counts.get(p.message) ?? 0) + 1);
  return now.filter((p) => {
    const n = counts.get(p.message) ?? 0;
    if (n > 0) counts.set(p.message, n - 1);
    return n === 0;
  });
}
