import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/validation/run-command.js';
import { BIN, git, makeRepo, runCli, statusPorcelain, waitForFile } from '../helpers.js';

const REPORT_KEYS = [
  'schemaVersion',
  'job',
  'runId',
  'status',
  'interrupted',
  'dryRun',
  'failuresBefore',
  'failuresAfter',
  'changedFiles',
  'tasks',
  'repairs',
  'commands',
  'remaining',
  'skippedTiers',
  'cost',
  'branch',
  'durationMs',
  'memory',
].sort();

function json(stdout: string) {
  return JSON.parse(stdout) as Record<string, any>;
}

describe('distiq fix on the bundled fixtures (real CLI, real tools)', () => {
  it('ts-app --build: three breakages repaired at $0, proven by tsc and by the fixture tests', async () => {
    const dir = makeRepo({ fixture: 'ts-app', nodeModules: true });
    const r = await runCli(['fix', '--build', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const report = json(r.stdout);
    expect(Object.keys(report).sort()).toEqual(REPORT_KEYS);
    expect(report).toMatchObject({
      status: 'fixed',
      failuresBefore: 3,
      failuresAfter: 0,
      changedFiles: ['src/report.ts'],
      dryRun: false,
      branch: null,
    });
    expect(report.tasks).toEqual([
      {
        id: 't1',
        title: 'src/report.ts: 3 failures (tsc)',
        tier: 'autofix',
        tierPath: ['autofix'],
        escalations: [],
        escalationRecords: [],
        attempts: 1,
        status: 'fixed',
        failures: 3,
        files: ['src/report.ts'],
        dependsOn: [],
        changedFiles: ['src/report.ts'],
        calls: 0,
        tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        usd: 0,
        failureClass: expect.stringMatching(/^tsc:TS\d+$/),
      },
    ]);
    expect(report).toMatchObject({ job: 'fix', interrupted: false });
    // The same report is kept as the run's file.
    expect(
      JSON.parse(readFileSync(path.join(dir, '.git/distiq/runs', `${report.runId}.json`), 'utf8')),
    ).toEqual(report);
    expect(report.cost).toMatchObject({
      usd: 0,
      byTier: { autofix: { calls: 1, inputTokens: 0, outputTokens: 0, usd: 0 } },
      byModel: [],
      baselineModel: 'anthropic/claude-sonnet-4-5',
    });
    // The all-premium baseline prices what a premium model would have read and written for these repairs.
    expect(report.cost.baselineUsd).toBeGreaterThan(0);
    expect(report.cost.savingUsd).toBe(report.cost.baselineUsd);
    expect(report.commands).toEqual([
      expect.objectContaining({
        kind: 'build',
        command: 'npm run --silent build',
        exitCodeBefore: 2,
        exitCodeAfter: 0,
      }),
    ]);
    const tests = await runCommand('vitest run', { cwd: dir, timeoutMs: 60_000 });
    expect(tests.exitCode).toBe(0);
    // The second run has nothing left to do.
    git(dir, 'commit', '-qam', 'fixed');
    const again = await runCli(['fix', '--build', '--json'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(json(again.stdout).status).toBe('nothing-to-fix');
  });

  it('ts-app --test: runtime failures in vitest lead to the same $0 repairs', async () => {
    const dir = makeRepo({ fixture: 'ts-app', nodeModules: true });
    const r = await runCli(['fix', '--test', '--json'], { cwd: dir });
    const report = json(r.stdout);
    expect(report.status).toBe('fixed');
    expect(report.failuresBefore).toBe(3);
    expect(report.remaining).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('lint-app --lint: eslint --fix, then prettier once eslint passes', async () => {
    const dir = makeRepo({ fixture: 'lint-app', nodeModules: true });
    const r = await runCli(['fix', '--lint', '--json'], { cwd: dir });
    const report = json(r.stdout);
    expect(report.status).toBe('fixed');
    expect(report.repairs.map((x: any) => [x.fixer, x.outcome])).toEqual([
      ['eslint', 'kept'],
      ['prettier', 'kept'],
    ]);
    expect(report.changedFiles).toEqual(['src/cart.js', 'src/format.js']);
    expect(r.code).toBe(0);
    expect(
      (await runCommand('npm run --silent lint && npm test', { cwd: dir, timeoutMs: 60_000 }))
        .exitCode,
    ).toBe(0);
  });

  it('rust-app --build: rustc suggestion applied, proven by cargo', async () => {
    const dir = makeRepo({ fixture: 'rust-app' });
    const r = await runCli(['fix', '--build', '--json'], { cwd: dir });
    const report = json(r.stdout);
    expect(report).toMatchObject({
      status: 'fixed',
      failuresBefore: 1,
      failuresAfter: 0,
      changedFiles: ['src/main.rs'],
    });
    expect(readFileSync(path.join(dir, 'src/main.rs'), 'utf8')).toContain('    total\n}');
    expect(r.code).toBe(0);
  });

  it('rolls back a repair that makes a passing test fail, and says so', async () => {
    const dir = makeRepo({
      nodeModules: true,
      files: {
        'package.json': JSON.stringify({
          type: 'module',
          scripts: { build: 'tsc -p tsconfig.json', test: 'vitest run' },
        }),
        'tsconfig.json': JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: 'ES2022',
            module: 'NodeNext',
            types: [],
          },
          include: ['src'],
        }),
        'src/limits.ts':
          'export const maxRetries = 3;\nexport function label(): string {\n  return `retries=${maxRetrys}`;\n}\n',
        // A test that pins today's (broken) behaviour: any repair of the build breaks it.
        'test/limits.test.ts':
          "import { expect, it } from 'vitest';\nimport { label } from '../src/limits.js';\nit('throws', () => { expect(() => label()).toThrow(); });\n",
      },
    });
    const before = readFileSync(path.join(dir, 'src/limits.ts'), 'utf8');
    const r = await runCli(['fix', '--json'], { cwd: dir });
    const report = json(r.stdout);
    expect(r.code).toBe(1);
    expect(report.status).toBe('failed');
    expect(report.repairs[0]).toMatchObject({
      fixer: 'typescript',
      outcome: 'rejected',
      reason: expect.stringContaining('new failure'),
    });
    expect(readFileSync(path.join(dir, 'src/limits.ts'), 'utf8')).toBe(before);
    expect(statusPorcelain(dir)).toBe('');
  });
});

describe('distiq fix: refusals and bad input', () => {
  it('refuses a dirty tree (exit 2) and touches nothing', async () => {
    const dir = makeRepo({ fixture: 'ts-app', nodeModules: true });
    writeFileSync(
      path.join(dir, 'src/math.ts'),
      '// my unsaved work\n' + readFileSync(path.join(dir, 'src/math.ts'), 'utf8'),
    );
    const r = await runCli(['fix', '--build'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('uncommitted changes: src/math.ts');
    expect(r.stderr).toContain('--allow-dirty');
    expect(readFileSync(path.join(dir, 'src/report.ts'), 'utf8')).toContain('totalAmout');
  });

  it('--allow-dirty keeps the user’s uncommitted and untracked work exactly', async () => {
    const dir = makeRepo({ fixture: 'ts-app', nodeModules: true });
    const mathEdit = '// my unsaved work\n' + readFileSync(path.join(dir, 'src/math.ts'), 'utf8');
    writeFileSync(path.join(dir, 'src/math.ts'), mathEdit);
    writeFileSync(path.join(dir, 'notes.txt'), 'untracked notes\n');
    const r = await runCli(['fix', '--build', '--allow-dirty', '--json'], { cwd: dir });
    expect(json(r.stdout).status).toBe('fixed');
    expect(readFileSync(path.join(dir, 'src/math.ts'), 'utf8')).toBe(mathEdit);
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('untracked notes\n');
  });

  it('a bad config names the file, the key, what was expected and found (exit 2), also as JSON', async () => {
    const dir = makeRepo({
      fixture: 'ts-app',
      files: { '.distiqrc.yaml': 'commands:\n  build:\n    run: tsc\n    timeoutSec: soon\n' },
    });
    const r = await runCli(['fix', '--build'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(path.join(dir, '.distiqrc.yaml'));
    expect(r.stderr).toContain('commands.build');
    const j = await runCli(['fix', '--build', '--json'], { cwd: dir });
    expect(j.code).toBe(2);
    expect(json(j.stdout)).toMatchObject({
      status: 'error',
      error: {
        type: 'ConfigError',
        exitCode: 2,
        message: expect.stringContaining('.distiqrc.yaml'),
      },
    });
  });

  it('no build command: clear error, exit 2', async () => {
    const dir = makeRepo({ files: { 'README.md': '# nothing to build\n' } });
    const r = await runCli(['fix', '--build'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('No build command');
    expect(r.stderr).toContain('commands.build');
  });

  it('a command that cannot be found: clear error, exit 2', async () => {
    const dir = makeRepo({
      files: { '.distiqrc.json': '{"commands":{"build":"definitely-not-a-real-tool --flag"}}' },
    });
    const r = await runCli(['fix', '--build'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('could not be run');
  });

  it('a hanging command is killed at its timeout and reported (exit 1)', async () => {
    const dir = makeRepo({
      files: { '.distiqrc.json': '{"commands":{"build":{"run":"sleep 300","timeoutSec":1}}}' },
    });
    const started = Date.now();
    const r = await runCli(['fix', '--build', '--json'], { cwd: dir });
    expect(Date.now() - started).toBeLessThan(150_000); // far below the command's own 300 s
    expect(r.code).toBe(1);
    const report = json(r.stdout);
    expect(report.status).toBe('failed');
    expect(report.remaining[0]).toMatchObject({
      code: 'timeout',
      message: expect.stringContaining('timed out after 1s'),
    });
  });

  it('Ctrl-C during validation kills the command tree and exits 130 with nothing changed', async () => {
    // The build marks that it started, in a git-ignored folder of the repo (the sandbox's /tmp is
    // private): Ctrl-C comes during validation, however busy the machine.
    const build = 'mkdir -p dist && touch dist/build-started && sleep 300';
    const dir = makeRepo({ files: { '.distiqrc.json': JSON.stringify({ commands: { build } }) } });
    const started = path.join(dir, 'dist', 'build-started');
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [BIN, 'fix', '--build', '--json'], {
      cwd: dir,
      env: { ...process.env, CI: 'true' },
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitForFile(started);
    const signalled = Date.now();
    child.kill('SIGINT');
    const code = await closed;
    expect(code).toBe(130);
    // Far below the build's 300 s: the command tree was killed, not waited for.
    expect(Date.now() - signalled).toBeLessThan(120_000);
    expect(JSON.parse(stdout)).toMatchObject({
      status: 'error',
      error: { type: 'InterruptedError', exitCode: 130 },
    });
    expect(statusPorcelain(dir)).toBe('');
  });

  it('--dry-run shows planned repairs and changes nothing', async () => {
    const dir = makeRepo({ fixture: 'ts-app', nodeModules: true });
    const r = await runCli(['fix', '--build', '--dry-run', '--json'], { cwd: dir });
    const report = json(r.stdout);
    expect(report).toMatchObject({
      dryRun: true,
      status: 'failed',
      failuresBefore: 3,
      changedFiles: [],
    });
    expect(report.repairs).toEqual([
      expect.objectContaining({
        fixer: 'typescript',
        outcome: 'planned',
        files: ['src/report.ts'],
      }),
    ]);
    expect(report.repairs[0].descriptions.join('\n')).toContain("Change spelling to 'totalAmount'");
    expect(statusPorcelain(dir)).toBe('');
  });

  it('--branch commits only the repaired files on a new branch', async () => {
    const dir = makeRepo({ fixture: 'ts-app', nodeModules: true });
    const r = await runCli(['fix', '--build', '--branch', 'distiq/fix-build', '--json'], {
      cwd: dir,
    });
    const report = json(r.stdout);
    expect(report.branch).toMatchObject({
      name: 'distiq/fix-build',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(git(dir, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('distiq/fix-build');
    expect(git(dir, 'show', '--name-only', '--format=', 'HEAD').trim()).toBe('src/report.ts');
    expect(git(dir, 'log', '--format=%s', 'main').trim()).toBe('initial');
    expect(statusPorcelain(dir)).toBe('');
    const again = await runCli(['fix', '--build', '--branch', 'distiq/fix-build'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
  });

  it('tiers: unknown names are refused; model tiers are listed as skipped', async () => {
    const dir = makeRepo({ fixture: 'ts-app', nodeModules: true });
    const bad = await runCli(['fix', '--build', '--tiers', 'autofix,gold'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown tier in --tiers: gold');
    const ok = await runCli(['fix', '--build', '--tiers', 'autofix,cheap', '--dry-run', '--json'], {
      cwd: dir,
    });
    expect(json(ok.stdout).skippedTiers).toEqual([{ tier: 'cheap', reason: expect.any(String) }]);
  });

  it('an unknown flag is a usage error (exit 2)', async () => {
    const r = await runCli(['fix', '--bild'], { cwd: makeRepo() });
    expect(r.code).toBe(2);
  });

  it('outside a git repository: exit 2', async () => {
    const r = await runCli(['fix', '--build', '--cwd', '/'], { cwd: '/' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not inside a git repository');
  });
});

describe('distiq config', () => {
  it('prints the resolved config, its file and the commands in use', async () => {
    const dir = makeRepo({
      fixture: 'ts-app',
      files: { '.distiqrc.json': '{"commands":{"lint":"eslint ."},"fix":{"maxAttempts":5}}' },
    });
    const r = await runCli(['config', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const shown = json(r.stdout);
    expect(shown.file).toBe(path.join(dir, '.distiqrc.json'));
    expect(shown.config.fix.maxAttempts).toBe(5);
    expect(shown.commands.lint).toMatchObject({ run: 'eslint .', source: 'config' });
    expect(shown.commands.build).toMatchObject({
      run: 'npm run --silent build',
      source: 'package.json',
    });
    const schema = await runCli(['config', '--schema'], { cwd: dir });
    expect(json(schema.stdout).properties.commands).toBeDefined();
  });
});
