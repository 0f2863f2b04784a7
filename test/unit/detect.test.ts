import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { detectCommands, resolveCommands } from '../../src/detect/commands.js';
import { selectCommands } from '../../src/validation/select-commands.js';
import { UsageError } from '../../src/errors.js';
import { tempDir, writeFiles } from '../helpers.js';

const repo = (files: Record<string, string>) => {
  const dir = tempDir();
  writeFiles(dir, files);
  return dir;
};

describe('command detection', () => {
  it('package.json scripts with the package manager from the lockfile; tsconfig gives a type check', () => {
    const d = detectCommands(
      repo({
        'package.json': JSON.stringify({
          scripts: { build: 'tsc', test: 'vitest run', lint: 'eslint .' },
        }),
        'pnpm-lock.yaml': '',
        'tsconfig.json': '{}',
      }),
    );
    expect(d).toEqual({
      build: { run: 'pnpm run --silent build', source: 'package.json' },
      test: { run: 'pnpm run --silent test', source: 'package.json' },
      lint: { run: 'pnpm run --silent lint', source: 'package.json' },
      typecheck: { run: 'tsc --noEmit -p tsconfig.json', source: 'tsconfig.json' },
    });
  });

  it("ignores npm init's placeholder test script", () => {
    expect(
      detectCommands(
        repo({
          'package.json': JSON.stringify({
            scripts: { test: 'echo "Error: no test specified" && exit 1' },
          }),
        }),
      ).test,
    ).toBeUndefined();
  });

  it('Cargo, Go, pytest and Makefile', () => {
    expect(detectCommands(repo({ 'Cargo.toml': '[package]' })).build?.run).toMatch(/^cargo build/);
    expect(detectCommands(repo({ 'go.mod': 'module x' }))).toMatchObject({
      build: { run: 'go build ./...' },
      lint: { run: 'go vet ./...' },
    });
    expect(
      detectCommands(repo({ 'pyproject.toml': '[tool.pytest.ini_options]\n' })).test?.run,
    ).toBe('python3 -m pytest -q');
    expect(
      detectCommands(repo({ Makefile: 'all:\n\tcc x.c\ntest: all\n\t./t\nX := 1\n' })),
    ).toEqual({
      build: { run: 'make all', source: 'Makefile' },
      test: { run: 'make test', source: 'Makefile' },
    });
  });

  it('config wins key by key and carries timeouts', () => {
    const dir = repo({
      'package.json': JSON.stringify({ scripts: { build: 'tsc', test: 'vitest' } }),
    });
    const config = ConfigSchema.parse({
      commands: { build: { run: 'make', timeoutSec: 5 } },
      commandTimeoutSec: 60,
    });
    expect(resolveCommands(dir, config)).toEqual({
      build: { kind: 'build', run: 'make', timeoutMs: 5000, source: 'config' },
      test: {
        kind: 'test',
        run: 'npm run --silent test',
        timeoutMs: 60_000,
        source: 'package.json',
      },
    });
  });

  it('--build uses the type check when there is no build, and a missing command is a usage error', () => {
    const dir = repo({ 'tsconfig.json': '{}' });
    const resolved = resolveCommands(dir, ConfigSchema.parse({}));
    expect(selectCommands(resolved, ['build']).map((c) => c.kind)).toEqual(['typecheck']);
    expect(() => selectCommands(resolved, ['test'])).toThrow(UsageError);
    expect(() => selectCommands(resolveCommands(repo({}), ConfigSchema.parse({})), [])).toThrow(
      /No validation commands/,
    );
  });
});
