import { createRequire } from 'node:module';
import path from 'node:path';
import type { Language, Node, Parser as ParserType } from 'web-tree-sitter';

/**
 * Does a file still parse? tree-sitter (the WASM binding, which bundles into the Action) with the
 * grammars' own .wasm files, reporting ERROR and MISSING nodes. Cheap enough to run on every
 * changed file before a slow build or a push.
 */
const require = createRequire(import.meta.url);

const GRAMMARS: Record<string, [pkg: string, wasm: string]> = {
  '.ts': ['tree-sitter-typescript', 'tree-sitter-typescript.wasm'],
  '.mts': ['tree-sitter-typescript', 'tree-sitter-typescript.wasm'],
  '.cts': ['tree-sitter-typescript', 'tree-sitter-typescript.wasm'],
  '.tsx': ['tree-sitter-typescript', 'tree-sitter-tsx.wasm'],
  '.js': ['tree-sitter-javascript', 'tree-sitter-javascript.wasm'],
  '.mjs': ['tree-sitter-javascript', 'tree-sitter-javascript.wasm'],
  '.cjs': ['tree-sitter-javascript', 'tree-sitter-javascript.wasm'],
  '.jsx': ['tree-sitter-javascript', 'tree-sitter-javascript.wasm'],
  '.py': ['tree-sitter-python', 'tree-sitter-python.wasm'],
  '.go': ['tree-sitter-go', 'tree-sitter-go.wasm'],
  '.rs': ['tree-sitter-rust', 'tree-sitter-rust.wasm'],
  '.java': ['tree-sitter-java', 'tree-sitter-java.wasm'],
};

export interface SyntaxProblem {
  line: number;
  column: number;
  message: string;
}

let parserModule: Promise<typeof import('web-tree-sitter')> | undefined;
const languages = new Map<string, Promise<Language>>();

async function parserFor(file: string): Promise<ParserType | null> {
  const grammar = GRAMMARS[path.extname(file).toLowerCase()];
  if (!grammar) return null;
  parserModule ??= import('web-tree-sitter').then(async (m) => {
    await m.Parser.init();
    return m;
  });
  const m = await parserModule;
  const wasm = path.join(path.dirname(require.resolve(`${grammar[0]}/package.json`)), grammar[1]);
  let lang = languages.get(wasm);
  if (!lang) {
    lang = m.Language.load(wasm);
    languages.set(wasm, lang);
  }
  const parser = new m.Parser();
  parser.setLanguage(await lang);
  return parser;
}

export function isSyntaxCheckable(file: string): boolean {
  return path.extname(file).toLowerCase() in GRAMMARS;
}

/** Syntax problems in `content`, or null when no grammar covers the file type. */
export async function syntaxProblems(file: string, content: string): Promise<SyntaxProblem[] | null> {
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

function collect(node: Node, out: SyntaxProblem[]): void {
  if (node.isMissing) {
    out.push({ line: node.startPosition.row + 1, column: node.startPosition.column + 1, message: `syntax error: missing ${JSON.stringify(node.type)}` });
    return;
  }
  if (node.type === 'ERROR') {
    const text = node.text.split('\n')[0]!.slice(0, 40);
    out.push({ line: node.startPosition.row + 1, column: node.startPosition.column + 1, message: `syntax error: unexpected ${JSON.stringify(text)}` });
    return;
  }
  if (!node.hasError) return;
  for (const child of node.children) if (child) collect(child, out);
}

/** Problems in `after` that `before` did not have (by message, since lines move). */
export async function newSyntaxProblems(file: string, before: string | null, after: string): Promise<SyntaxProblem[]> {
  const now = (await syntaxProblems(file, after)) ?? [];
  if (before === null || now.length === 0) return now;
  const had = new Map<string, number>();
  for (const p of (await syntaxProblems(file, before)) ?? []) had.set(p.message, (had.get(p.message) ?? 0) + 1);
  return now.filter((p) => {
    const n = had.get(p.message) ?? 0;
    if (n > 0) had.set(p.message, n - 1);
    return n === 0;
  });
}
