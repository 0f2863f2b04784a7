import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export type LlamaModule = typeof import('node-llama-cpp');

/**
 * Where node-llama-cpp is loaded from: normal module resolution (a CLI install), or an explicit
 * folder holding `node_modules/node-llama-cpp` (the Action's tool-cache install: a bundled
 * Action resolves packages only from its own folder, so NODE_PATH or the workspace never help).
 */
let explicitDir: string | null = null;
let loading: Promise<LlamaModule> | null = null;

/** Load node-llama-cpp from `dir/node_modules/node-llama-cpp` from now on. */
export function useNodeLlamaCppFrom(dir: string | null): void {
  explicitDir = dir;
  loading = null;
}

/** The package entry file inside `dir`, from its own package.json (ESM `exports["."]`). */
export function nodeLlamaCppEntry(dir: string): string {
  const pkgDir = path.join(dir, 'node_modules', 'node-llama-cpp');
  const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as {
    main?: string;
    exports?: Record<string, unknown>;
  };
  const dot = pkg.exports?.['.'];
  const rel =
    typeof dot === 'string'
      ? dot
      : ((dot as Record<string, unknown> | undefined)?.import ??
        (dot as Record<string, unknown> | undefined)?.default ??
        pkg.main ??
        'index.js');
  if (typeof rel !== 'string')
    throw new Error(`cannot find the entry of node-llama-cpp in ${pkgDir}`);
  const file = path.resolve(pkgDir, rel);
  // The entry must stay inside the package folder: package.json is read, not trusted.
  if (!file.startsWith(pkgDir + path.sep))
    throw new Error(`node-llama-cpp in ${pkgDir} names an entry outside its folder`);
  return file;
}

/** node-llama-cpp, imported once (lazily: the CLI and the Action start without it). */
export function loadNodeLlamaCpp(): Promise<LlamaModule> {
  loading ??= (
    explicitDir
      ? import(pathToFileURL(nodeLlamaCppEntry(explicitDir)).href)
      : import('node-llama-cpp')
  ) as Promise<LlamaModule>;
  return loading;
}
