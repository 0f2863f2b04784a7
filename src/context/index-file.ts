// One file's index entry: its definitions, references and imports, read with tree-sitter.
import type { Node, Parser } from 'web-tree-sitter';
import type { Definition, FileEntry } from './index-types.js';
import { loadLanguage, treeSitter, type LangId } from './languages.js';

export async function indexFile(
  rel: string,
  text: string,
  hash: string,
  lang: LangId,
  parsers: Map<LangId, Parser>,
): Promise<FileEntry> {
  const { language, query } = await loadLanguage(lang);
  let parser = parsers.get(lang);
  if (!parser) {
    const m = await treeSitter();
    parser = new m.Parser();
    parser.setLanguage(language);
    parsers.set(lang, parser);
  }
  const tree = parser.parse(text);
  if (!tree) throw new Error('parser returned no tree');
  const lines = text.split('\n');
  const defs: Definition[] = [];
  const refNames: string[] = [];
  const refLines: number[] = [];
  const imports: string[] = [];
  const seenDefs = new Map<string, Definition>();
  try {
    for (const match of query.matches(tree.rootNode)) {
      let name: Node | undefined;
      let kind: string | undefined;
      let node: Node | undefined;
      for (const c of match.captures) {
        if (c.name === 'name') name = c.node;
        else if (c.name === 'import') imports.push(c.node.text.replace(/^["'`]|["'`]$/g, ''));
        else if (c.name.startsWith('definition.') || c.name.startsWith('reference.')) {
          kind = c.name;
          node = c.node;
        }
      }
      if (!name || !kind || !node) continue;
      if (kind.startsWith('definition.')) {
        const key = `${name.text}:${node.startPosition.row}`;
        const seen = seenDefs.get(key);
        if (seen) {
          // `export const f = () => …` matches as a constant and as a function: it is a function.
          if (seen.kind === 'constant' && kind === 'definition.function') seen.kind = 'function';
          continue;
        }
        const def: Definition = {
          name: name.text,
          kind: kind.slice('definition.'.length),
          startLine: node.startPosition.row + 1,
          endLine: node.endPosition.row + 1,
          signature: signatureOf(lines, node.startPosition.row),
        };
        seenDefs.set(key, def);
        defs.push(def);
      } else {
        refNames.push(name.text);
        refLines.push(name.startPosition.row + 1);
      }
    }
  } finally {
    tree.delete();
  }
  // The import header: where a dropped or wrong import is repaired.
  let importEnd = 0;
  for (let i = 0; i < Math.min(lines.length, 400); i++) {
    if (!/^\s*(import\b|from\s+\S+\s+import\b|use\s|package\s)/.test(lines[i]!)) continue;
    // A multi-line import runs to its module specifier (or a closing parenthesis in Python/Go).
    let end = i;
    while (
      end < lines.length - 1 &&
      end - i < 60 &&
      !/(from\s*['"][^'"]*['"]|^\s*\)|;)\s*$/.test(lines[end]!) &&
      !/^\s*(import|use)\b.*['"]\s*;?\s*$/.test(lines[end]!)
    )
      end++;
    importEnd = end + 1;
    i = end;
  }
  return {
    path: rel,
    hash,
    lines: lines.length,
    importEnd,
    defs,
    refs: { names: refNames, lines: refLines },
    imports: [...new Set(imports)],
    resolved: [],
  };
}

/** The head of a definition: up to its opening brace or arrow, across at most 4 lines, whitespace folded. */
function signatureOf(lines: string[], row: number): string {
  let head = '';
  for (let i = row; i < Math.min(lines.length, row + 4); i++) {
    head += ' ' + lines[i]!.trim();
    if (/[{:=]\s*$|=>|;\s*$/.test(lines[i]!) || (i === row && /\)\s*[:{]/.test(lines[i]!))) break;
  }
  head = head
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/\s*\{\s*$/, '');
  return head.length > 200 ? `${head.slice(0, 197)}...` : head;
}
