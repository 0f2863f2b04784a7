import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Files that a tool's configuration loads by name: vitest/jest setup and global setup files,
 * mocha/ava `require`, test environments, reporters and transforms, tsconfig `files` declarations
 * and `typeRoots`. Such a file runs (or changes type-checking) during every proof, whatever its
 * name, so an edit to it could make the proof prove nothing. The configs are read as data: JSON
 * and YAML parsed, JS/TS parsed into a syntax tree by the TypeScript compiler, never executed.
 */

/** Keys whose string values (or the strings inside them) name a module a test tool loads. */
const LOADER_KEYS = new Set([
  'setupfiles',
  'setupfilesafterenv',
  'globalsetup',
  'globalteardown',
  'testenvironment',
  'environment',
  'snapshotresolver',
  'testresultsprocessor',
  'testrunner',
  'testsequencer',
  'sequencer',
  'reporters',
  'reporter',
  'transform',
  'resolver',
  'runner',
  'preset',
  'watchplugins',
  'dependencyextractor',
  'require',
  'file',
  'loader',
  'import',
  'nodearguments',
  'node-option',
]);
/** Config sections inside package.json that belong to a test runner or coverage tool. */
const PACKAGE_SECTIONS = ['jest', 'mocha', 'ava', 'vitest', 'nyc', 'c8'];
const JS_CONFIG =
  /^(vitest|vite|jest|ava)\.(config|workspace)\.[cm]?[jt]sx?$|^\.mocharc\.[cm]?js$|^vitest\.workspace\.[cm]?[jt]s$/;
const DATA_CONFIG = /^\.mocharc\.(json|jsonc|ya?ml)$|^tsconfig.*\.json$|^jsconfig.*\.json$/;
const RESOLVE_EXT = ['', '.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx', '.json'];

/**
 * Tracked files named by a tool config anywhere in the repo, mapped to the config that names them.
 * `tracked` is git's listing (posix paths); only existing tracked files are returned.
 */
export function configReferencedFiles(root: string, tracked: Set<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const cfg of tracked) {
    const base = path.posix.basename(cfg);
    const kind =
      base === 'package.json'
        ? 'package'
        : JS_CONFIG.test(base)
          ? 'js'
          : DATA_CONFIG.test(base)
            ? 'data'
            : null;
    if (!kind) continue;
    let text: string;
    try {
      text = readFileSync(path.join(root, cfg), 'utf8');
    } catch {
      continue;
    }
    const dir = path.posix.dirname(cfg);
    const add = (spec: string) => {
      for (const rel of resolveSpec(dir, spec, tracked)) if (!out.has(rel)) out.set(rel, cfg);
    };
    try {
      if (kind === 'js') for (const s of jsLoaderStrings(cfg, text)) add(s);
      else if (base.startsWith('tsconfig') || base.startsWith('jsconfig'))
        for (const s of typeFiles(dir, readJsonc(cfg, text), tracked)) out.set(s, cfg);
      else {
        const data: unknown = base === 'package.json' ? JSON.parse(text) : readJsonc(cfg, text);
        const sections =
          base === 'package.json'
            ? PACKAGE_SECTIONS.map((k) => (data as Record<string, unknown> | null)?.[k])
            : [data];
        for (const s of sections) for (const v of loaderStrings(s)) add(v);
      }
    } catch {
      // unparsable config: the tool would fail on it too; nothing we can name from it
    }
  }
  return out;
}

function typescript(): typeof import('typescript') {
  return createRequire(import.meta.url)('typescript') as typeof import('typescript');
}

/** JSON with comments and trailing commas (tsconfig, .mocharc.jsonc) as TypeScript reads it; YAML. */
function readJsonc(file: string, text: string): unknown {
  if (/\.ya?ml$/.test(file)) return parseYaml(text);
  const r = typescript().parseConfigFileTextToJson(file, text);
  if (r.error) throw new Error('unparsable');
  return r.config;
}

/** Strings under loader keys, at any depth of a parsed config. */
function loaderStrings(value: unknown, under = false): string[] {
  if (typeof value === 'string') return under ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => loaderStrings(v, under));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) =>
      loaderStrings(v, under || LOADER_KEYS.has(k.toLowerCase())),
    );
  return [];
}

/** The same for a JS/TS config: string literals inside a property named by a loader key. */
function jsLoaderStrings(file: string, text: string): string[] {
  const ts = typescript();
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  const visit = (node: import('typescript').Node, under: boolean) => {
    if (under && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)))
      out.push(node.text);
    // What the config itself imports runs when the tool loads it.
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier))
      out.push(node.moduleSpecifier.text);
    if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    )
      out.push(node.arguments[0].text);
    let inside = under;
    if (ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) {
      const name = node.name.getText(sf).replace(/^['"]|['"]$/g, '');
      inside ||= LOADER_KEYS.has(name.toLowerCase());
    }
    ts.forEachChild(node, (c) => visit(c, inside));
  };
  visit(sf, false);
  return out;
}

/** tsconfig `files` declaration files and every tracked file under a local `typeRoots` folder. */
function typeFiles(dir: string, cfg: unknown, tracked: Set<string>): string[] {
  const c = (cfg ?? {}) as { files?: unknown; compilerOptions?: { typeRoots?: unknown } };
  const out: string[] = [];
  for (const f of Array.isArray(c.files) ? c.files : [])
    if (typeof f === 'string' && /\.d\.[cm]?ts$/.test(f)) out.push(...resolveSpec(dir, f, tracked));
  const roots = c.compilerOptions?.typeRoots;
  for (const r of Array.isArray(roots) ? roots : []) {
    if (typeof r !== 'string') continue;
    const prefix = path.posix.normalize(path.posix.join(dir, r)).replace(/\/?$/, '/');
    if (prefix.startsWith('../') || prefix.includes('node_modules/')) continue;
    for (const t of tracked) if (t.startsWith(prefix)) out.push(t);
  }
  return out;
}

/** `./test/setup`, `<rootDir>/x.js`, `test/setup.ts`: the tracked file it names, if any. */
function resolveSpec(dir: string, spec: string, tracked: Set<string>): string[] {
  const s = spec
    .replace(/^<rootDir>\//, '')
    .replace(/^--(import|require|loader)=/, '')
    .replace(/^file:\/\//, '');
  if (s === '' || s.includes('\n')) return [];
  const b = path.posix.normalize(path.posix.join(dir === '.' ? '' : dir, s));
  const out: string[] = [];
  for (const ext of RESOLVE_EXT)
    for (const cand of [b + ext, `${b}/index${ext}`]) if (tracked.has(cand)) out.push(cand);
  return out;
}
