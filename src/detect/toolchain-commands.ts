// Commands other toolchains imply: Cargo, Go modules, pytest and Makefile targets.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Detected } from './commands.js';

export function fromCargo(root: string): Detected {
  if (!existsSync(path.join(root, 'Cargo.toml'))) return {};
  return {
    build: { run: 'cargo build --quiet --color never', source: 'Cargo.toml' },
    test: { run: 'cargo test --quiet --color never', source: 'Cargo.toml' },
  };
}

export function fromGoMod(root: string): Detected {
  if (!existsSync(path.join(root, 'go.mod'))) return {};
  return {
    build: { run: 'go build ./...', source: 'go.mod' },
    test: { run: 'go test ./...', source: 'go.mod' },
    lint: { run: 'go vet ./...', source: 'go.mod' },
  };
}

export function fromPytest(root: string): Detected {
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

export function fromMakefile(root: string): Detected {
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
