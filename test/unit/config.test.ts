import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { configJsonSchema } from '../../src/config/schema.js';
import { ConfigError, ConfigSyntaxError } from '../../src/errors.js';
import { ROOT, tempDir, writeFiles } from '../helpers.js';

const withFiles = (files: Record<string, string>) => {
  const dir = tempDir();
  writeFiles(dir, files);
  return dir;
};

async function configError(dir: string): Promise<ConfigError> {
  const err = await loadConfig(dir).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('config', () => {
  it('defaults make a repo without config usable', async () => {
    const { config, file } = await loadConfig(tempDir());
    expect(file).toBeNull();
    expect(config.fix).toEqual({ maxAttempts: 3, tiers: ['autofix', 'memory'] });
    expect(config.commandTimeoutSec).toBe(600);
    expect(config.commands).toEqual({});
  });

  it.each([
    ['.distiqrc', '{"commands":{"build":"make"}}'],
    ['.distiqrc.json', '{"commands":{"build":"make"}}'],
    ['.distiqrc.yaml', 'commands:\n  build: make\n'],
    ['.distiqrc.yml', 'commands:\n  build: make\n'],
    ['.distiqrc.cjs', 'module.exports = { commands: { build: "make" } };'],
    ['.distiqrc.mjs', 'export default { commands: { build: "make" } };'],
    ['distiq.config.mjs', 'export default { commands: { build: "make" } };'],
    [
      'distiq.config.ts',
      'const config: { commands: { build: string } } = { commands: { build: "make" } };\nexport default config;',
    ],
    ['package.json', '{"name":"x","distiq":{"commands":{"build":"make"}}}'],
  ])('reads %s', async (name, content) => {
    const dir = withFiles({ [name]: content });
    const { config, file } = await loadConfig(dir);
    expect(file).toBe(path.join(dir, name));
    expect(config.commands.build).toBe('make');
  });

  it('names the file, the key path, what was expected and what was found', async () => {
    const dir = withFiles({
      '.distiqrc.json': JSON.stringify({
        commands: { build: { run: 'make', timeoutSec: -5 } },
        fix: { maxAttempts: 'three' },
      }),
    });
    const err = await configError(dir);
    expect(err.exitCode).toBe(2);
    expect(err.file).toBe(path.join(dir, '.distiqrc.json'));
    expect(err.problems).toEqual(
      expect.arrayContaining([
        { keyPath: 'commands.build.timeoutSec', expected: '> 0', found: 'number -5' },
        { keyPath: 'fix.maxAttempts', expected: 'number', found: 'string "three"' },
      ]),
    );
    expect(err.message).toContain(path.join(dir, '.distiqrc.json'));
    expect(err.message).toContain('fix.maxAttempts: expected number, found string "three"');
  });

  it('rejects unknown keys (typos) and unknown tiers', async () => {
    const err = await configError(
      withFiles({ '.distiqrc.yaml': 'comands:\n  build: make\nfix:\n  tiers: [autofix, gold]\n' }),
    );
    const byKey = Object.fromEntries(err.problems.map((p) => [p.keyPath, p]));
    expect(byKey['comands']).toMatchObject({ found: 'unknown key "comands"' });
    expect(byKey['fix.tiers.1']).toMatchObject({
      expected: expect.stringContaining('"autofix", "memory", "local", "cheap", "premium"'),
      found: 'string "gold"',
    });
  });

  it('reports a config file that does not parse, with the parser line and column', async () => {
    const dir = withFiles({ '.distiqrc.json': '{"commands": {' });
    const err = (await loadConfig(dir).catch((e: unknown) => e)) as ConfigSyntaxError;
    expect(err).toBeInstanceOf(ConfigSyntaxError);
    expect(err.file).toBe(path.join(dir, '.distiqrc.json'));
    expect([err.line, err.column]).toEqual([1, 15]); // just after the last "{"
    expect(err.message).toContain("Expected property name or '}'");
    expect(err.exitCode).toBe(2);
  });

  it('an explicit --config file wins over the search', async () => {
    const dir = withFiles({
      '.distiqrc': '{"commands":{"build":"a"}}',
      'other.yaml': 'commands:\n  build: b\n',
    });
    expect((await loadConfig(dir, 'other.yaml')).config.commands.build).toBe('b');
  });

  it('the published JSON Schema is current', () => {
    const published = JSON.parse(
      readFileSync(path.join(ROOT, 'schema', 'distiq.schema.json'), 'utf8'),
    );
    expect(published).toEqual(configJsonSchema());
  });
});
