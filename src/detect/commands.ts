import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { COMMAND_KINDS, type CommandKind, type DistiqConfig } from '../config/schema.js';
import { readJson } from '../util-json.js';

export type CommandSource =
  'config' | 'package.json' | 'tsconfig.json' | 'Cargo.toml' | 'go.mod' | 'pytest' | 'Makefile';

export interface ResolvedCommand {
  kind: CommandKind;
  run: string;
  timeoutMs: number;
  source: CommandSource;
  /** A variant limited to files (`{files}` is replaced by them), when the config gives one. */
  scoped?: string;
}

export type ResolvedCommands = Partial<Record<CommandKind, ResolvedCommand>>;

type Detected = Partial<Record<CommandKind, { run: string; source: CommandSource }>>;

/** Config wins key by key; the rest is detected from the files a repo already has. */
export function resolveCommands(root: string, config: DistiqConfig): ResolvedCommands {
  const detected = detectCommands(root);
  const out: ResolvedCommands = {};
  for (const kind of COMMAND_KINDS) {
    const spec = config.commands[kind];
    const defaultMs = config.commandTimeoutSec * 1000;
    if (spec !== undefined) {
      const run = typeof spec === 'string' ? spec : spec.run;
      const timeoutSec = typeof spec === 'string' ? undefined : spec.timeoutSec;
      const scoped = typeof spec === 'string' ? undefined : spec.scoped;
      out[kind] = {
        kind,
        run,
        timeoutMs: timeoutSec ? timeoutSec * 1000 : defaultMs,
        source: 'config',
        ...(scoped ? { scoped } : {}),
      };
    } else if (detected[kind]) {
      out[kind] = { kind, ...detected[kind], timeoutMs: defaultMs };
    }
  }
  return out;
}

export function detectCommands(root: string): Detected {
  // Earlier detectors win; a JS repo with a Makefile keeps its package.json scripts.
  const found: Detected = {};
  for (const detector of [
    fromPackageJson,
    fromTsconfig,
    fromCargo,
    fromGoMod,
    fromPytest,
    fromMakefile,
  ]) {
    const d = detector(root);
    for (const kind of COMMAND_KINDS) if (!found[kind] && d[kind]) found[kind] = d[kind];
  }
  return found;
}

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

function fromPackageJson(root: string): Detected {
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

function fromTsconfig(root: string): Detected {
  return existsSync(path.join(root, 'tsconfig.json'))
    ? { typecheck: { run: 'tsc --noEmit -p tsconfig.json', source: 'tsconfig.json' } }
    : {};
}

function fromCargo(root: string): Detected {
  if (!existsSync(path.join(root, 'Cargo.toml'))) return {};
  return {
    build: { run: 'cargo build --quiet --color never', source: 'Cargo.toml' },
    test: { run: 'cargo test --quiet --color never', source: 'Cargo.toml' },
  };
}

function fromGoMod(root: string): Detected {
  if (!existsSync(path.join(root, 'go.mod'))) return {};
  return {
    build: { run: 'go build ./...', source: 'go.mod' },
    test: { run: 'go test ./...', source: 'go.mod' },
    lint: { run: 'go vet ./...', source: 'go.mod' },
  };
}

function fromPytest(root: string): Detected {
  const has = (f: string) => existsSync(path.join(root, f));
  const pyproject = has('pyproject.toml')
    ? readFileSync(path.join(root, 'pyproject.toml'), 'utf8')
    : '';
  const usesPytest =
    has('pytest.ini') ||
    has('conftest.py') ||
    /\[tool\.pytest/.test(pyproject) ||
    (pyproject !== '' && has('tests'));
  return usesPytest ? { test: { run: 'python3 -m pytest -q', source: 'pytest' } } : {};
}

function fromMakefile(root: string): Detected {
  const file = ['GNUmakefile', 'Makefile', 'makefile']
    .map((f) => path.join(root, f))
    .find(existsSync);
  if (!file) return {};
  const targets = new Set(
    [...readFileSync(file, 'utf8').matchAll(/^([A-Za-z0-9_.-]+)\s*:(?!=)/gm)].map((m) => m[1]),
  );
  const out: Detected = {};
  if (targets.has('build')) out.build = { run: 'make build', source: 'Makefile' };
  else if (targets.has('all')) out.build = { run: 'make all', source: 'Makefile' };
  if (targets.has('test')) out.test = { run: 'make test', source: 'Makefile' };
  else if (targets.has('check')) out.test = { run: 'make check', source: 'Makefile' };
  if (targets.has('lint')) out.lint = { run: 'make lint', source: 'Makefile' };
  return out;
}
