import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Language, Query } from 'web-tree-sitter';

/** Grammars (their own .wasm and tags.scm from npm) and the extra patterns distiq adds per language. */
const require = createRequire(import.meta.url);

export type LangId = 'typescript' | 'tsx' | 'javascript' | 'python' | 'go' | 'rust' | 'java';

const EXT: Record<string, LangId> = {
  '.ts': 'typescript', '.mts': 'typescript', '.cts': 'typescript', '.tsx': 'tsx',
  '.js': 'javascript', '.mjs': 'javascript', '.cjs': 'javascript', '.jsx': 'javascript',
  '.py': 'python', '.go': 'go', '.rs': 'rust', '.java': 'java',
};

const GRAMMAR: Record<LangId, { pkg: string; wasm: string; tags: string[] }> = {
  // TypeScript's tags.scm covers only what JavaScript's does not: both are used.
  typescript: { pkg: 'tree-sitter-typescript', wasm: 'tree-sitter-typescript.wasm', tags: ['tree-sitter-javascript/queries/tags.scm', 'tree-sitter-typescript/queries/tags.scm'] },
  tsx: { pkg: 'tree-sitter-typescript', wasm: 'tree-sitter-tsx.wasm', tags: ['tree-sitter-javascript/queries/tags.scm', 'tree-sitter-typescript/queries/tags.scm'] },
  javascript: { pkg: 'tree-sitter-javascript', wasm: 'tree-sitter-javascript.wasm', tags: ['tree-sitter-javascript/queries/tags.scm'] },
  python: { pkg: 'tree-sitter-python', wasm: 'tree-sitter-python.wasm', tags: ['tree-sitter-python/queries/tags.scm'] },
  go: { pkg: 'tree-sitter-go', wasm: 'tree-sitter-go.wasm', tags: ['tree-sitter-go/queries/tags.scm'] },
  rust: { pkg: 'tree-sitter-rust', wasm: 'tree-sitter-rust.wasm', tags: ['tree-sitter-rust/queries/tags.scm'] },
  java: { pkg: 'tree-sitter-java', wasm: 'tree-sitter-java.wasm', tags: ['tree-sitter-java/queries/tags.scm'] },
};

const TS_EXTRA = `
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(export_statement (lexical_declaration (variable_declarator name: (identifier) @name) @definition.constant))
(type_identifier) @name @reference.type
(import_statement source: (string (string_fragment) @import))
(export_statement source: (string (string_fragment) @import))
`;
const EXTRA: Record<LangId, string> = {
  typescript: TS_EXTRA,
  tsx: TS_EXTRA,
  javascript: `
(export_statement (lexical_declaration (variable_declarator name: (identifier) @name) @definition.constant))
(import_statement source: (string (string_fragment) @import))
(export_statement source: (string (string_fragment) @import))
`,
  python: `
(import_from_statement module_name: (_) @import)
(import_statement name: (dotted_name) @import)
`,
  go: `(import_spec path: (interpreted_string_literal) @import)`,
  rust: `(mod_item name: (identifier) @import)`,
  java: `(import_declaration (scoped_identifier) @import)`,
};

export function languageOf(file: string): LangId | undefined {
  return EXT[path.extname(file).toLowerCase()];
}

let mod: Promise<typeof import('web-tree-sitter')> | undefined;
const loaded = new Map<LangId, Promise<{ language: Language; query: Query }>>();

export function treeSitter(): Promise<typeof import('web-tree-sitter')> {
  mod ??= import('web-tree-sitter').then(async (m) => {
    await m.Parser.init();
    return m;
  });
  return mod;
}

/** The language and its compiled tags query, loaded once per process. */
export function loadLanguage(id: LangId): Promise<{ language: Language; query: Query }> {
  let p = loaded.get(id);
  if (!p) {
    p = (async () => {
      const m = await treeSitter();
      const g = GRAMMAR[id];
      const language = await m.Language.load(path.join(path.dirname(require.resolve(`${g.pkg}/package.json`)), g.wasm));
      const source = [...g.tags.map((t) => readFileSync(require.resolve(t), 'utf8')), EXTRA[id]].join('\n');
      return { language, query: new m.Query(language, source) };
    })();
    loaded.set(id, p);
  }
  return p;
}
