import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Language, Query } from 'web-tree-sitter';

/** Grammars (their own .wasm and tags.scm from npm) and the extra patterns distiq adds per language. */
const require = createRequire(import.meta.url);

export type LangId = 'typescript' | 'tsx' | 'javascript' | 'python' | 'go' | 'rust' | 'java';

const EXT: Record<string, LangId> = {
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.py': 'python',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
};

// TypeScript and JavaScript use distiq's own lean queries instead of the grammars' tags.scm: those are
// predicate-heavy (JavaScript's alone takes ~90 ms to compile, paid by every warm re-index) and miss
// what localization needs (type aliases, enums, exported consts, interface members).
const GRAMMAR: Record<LangId, { pkg: string; wasm: string; tags: string[] }> = {
  typescript: { pkg: 'tree-sitter-typescript', wasm: 'tree-sitter-typescript.wasm', tags: [] },
  tsx: { pkg: 'tree-sitter-typescript', wasm: 'tree-sitter-tsx.wasm', tags: [] },
  javascript: { pkg: 'tree-sitter-javascript', wasm: 'tree-sitter-javascript.wasm', tags: [] },
  python: {
    pkg: 'tree-sitter-python',
    wasm: 'tree-sitter-python.wasm',
    tags: ['tree-sitter-python/queries/tags.scm'],
  },
  go: {
    pkg: 'tree-sitter-go',
    wasm: 'tree-sitter-go.wasm',
    tags: ['tree-sitter-go/queries/tags.scm'],
  },
  rust: {
    pkg: 'tree-sitter-rust',
    wasm: 'tree-sitter-rust.wasm',
    tags: ['tree-sitter-rust/queries/tags.scm'],
  },
  java: {
    pkg: 'tree-sitter-java',
    wasm: 'tree-sitter-java.wasm',
    tags: ['tree-sitter-java/queries/tags.scm'],
  },
};

const JS_COMMON = `
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(class_declaration name: (_) @name) @definition.class
(method_definition name: (property_identifier) @name) @definition.method
(lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function)
(variable_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function)
(export_statement (lexical_declaration (variable_declarator name: (identifier) @name) @definition.constant))
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (member_expression property: (property_identifier) @name)) @reference.call
(new_expression constructor: (identifier) @name) @reference.class
(import_statement source: (string (string_fragment) @import))
(export_statement source: (string (string_fragment) @import))
`;
const TS_EXTRA = `${JS_COMMON}
(function_signature name: (identifier) @name) @definition.function
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(method_signature name: (property_identifier) @name) @definition.method
(abstract_method_signature name: (property_identifier) @name) @definition.method
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(module name: (identifier) @name) @definition.module
(property_signature name: (property_identifier) @name) @definition.property
(public_field_definition name: (property_identifier) @name) @definition.field
(type_identifier) @name @reference.type
`;
const EXTRA: Record<LangId, string> = {
  typescript: TS_EXTRA,
  tsx: TS_EXTRA,
  javascript: JS_COMMON,
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

/** Set by the Action bundle's banner: grammars and the runtime's wasm are copied next to it (no node_modules there). */
const bundled = (globalThis as { __distiqGrammars?: string }).__distiqGrammars;
const resolveAsset = (spec: string) => (bundled ? path.join(bundled, spec) : require.resolve(spec));

let mod: Promise<typeof import('web-tree-sitter')> | undefined;
const loaded = new Map<LangId, Promise<{ language: Language; query: Query }>>();

export function treeSitter(): Promise<typeof import('web-tree-sitter')> {
  mod ??= import('web-tree-sitter').then(async (m) => {
    await m.Parser.init(
      bundled ? { locateFile: (file: string) => path.join(bundled, file) } : undefined,
    );
    return m;
  });
  return mod;
}

const grammars = new Map<LangId, Promise<Language>>();

/** The grammar alone (what a syntax check needs), loaded once per process. */
export function loadGrammar(id: LangId): Promise<Language> {
  let p = grammars.get(id);
  if (!p) {
    const g = GRAMMAR[id];
    p = treeSitter().then((m) =>
      m.Language.load(path.join(path.dirname(resolveAsset(`${g.pkg}/package.json`)), g.wasm)),
    );
    grammars.set(id, p);
  }
  return p;
}

/** The grammar and its compiled tags query (what the index needs), loaded once per process. */
export function loadLanguage(id: LangId): Promise<{ language: Language; query: Query }> {
  let p = loaded.get(id);
  if (!p) {
    p = (async () => {
      const [m, language] = await Promise.all([treeSitter(), loadGrammar(id)]);
      const source = [
        ...GRAMMAR[id].tags.map((t) => readFileSync(resolveAsset(t), 'utf8')),
        EXTRA[id],
      ].join('\n');
      return { language, query: new m.Query(language, source) };
    })();
    loaded.set(id, p);
  }
  return p;
}
