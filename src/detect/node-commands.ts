// Commands of a JavaScript/TypeScript repo: its package.json scripts, or tsc for a tsconfig.json.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { COMMAND_KINDS, type CommandKind } from '../config/schema.js';
import { readJson } from '../util-json.js';
import type { Detected } from './commands.js';

function packageManager(root: string): string {
  if (existsSync(path.join(root, 'pnpm-lock.yaml'))) return 'pnpm run --silent';
  if (existsSync(path.join(root, 'yarn.lock'))) return 'yarn run';
  if (existsSync(path.join(root, 'bun.lockb')) || existsSync(path.join(root, 'bun.lock')))
    return 'bun run';
  return 'npm run --silent';
}

const SCRIPT_NAMES: Record<CommandKind, string[]> = {
  build: ['build', 'compile'],
  typecheck: ['typecheck', 'type-check', 'check-types', 'tsc'],
  test: ['test'],
  lint: ['lint', 'eslint'],
};

/** package.json scripts, run with the package manager its lockfile names. */
export function fromPackageJson(root: string): Detected {
  const pkg = readJson(path.join(root, 'package.json'));
  const scripts = (pkg?.scripts ?? {}) as Record<string, unknown>;
  const pm = packageManager(root);
  const out: Detected = {};
  for (const kind of COMMAND_KINDS) {
    const name = SCRIPT_NAMES[kind].find(
      (n) => typeof scripts[n] === 'string' && !isNpmPlaceholderTest(scripts[n] as string),
    );
    if (name) out[kind] = { run: `${pm} ${name}`, source: 'package.json' };
  }
  return out;
}

/** `npm init` writes a test script that always fails; it is not a test suite. */
function isNpmPlaceholderTest(script: string): boolean {
  return script.includes('Error: no test specified');
}

export function fromTsconfig(root: string): Detected {
  return existsSync(path.join(root, 'tsconfig.json'))
    ? { typecheck: { run: 'tsc --noEmit -p tsconfig.json', source: 'tsconfig.json' } }
    : {};
}
