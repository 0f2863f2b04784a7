// The first hour of a new user, through the real CLI: help conventions, errors that keep their
// detail (and one JSON object under --json), one outcome table, and quiet, relevant output.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, git, makeRepo, ROOT, runCli, tempDir, writeFiles } from '../helpers.js';

const NO_KEYS = { DEEPSEEK_API_KEY: '', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' };

/** stdout must be exactly one JSON object: the error, with its type and exit code. */
function oneJsonError(stdout: string) {
  const parsed = JSON.parse(stdout);
  expect(parsed).toMatchObject({
    schemaVersion: 1,
    status: 'error',
    error: { type: expect.any(String), message: expect.any(String) },
  });
  return parsed.error as { type: string; message: string; hint: string | null; exitCode: number };
}

describe('help conventions', () => {
  it('distiq help <command>, -h, --version and -v', async () => {
    const dir = makeRepo();
    const help = await runCli(['help', 'fix'], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--tiers');
    const short = await runCli(['fix', '-h'], { cwd: dir });
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(help.stdout);
    const root = await runCli(['-h'], { cwd: dir });
    expect(root.stdout).toContain('COMMANDS');
    const v = await runCli(['-v'], { cwd: dir });
    expect(v.stdout).toMatch(/^distiq\/0\.\d+\.\d+ /);
    expect((await runCli(['--version'], { cwd: dir })).stdout).toBe(v.stdout);
    // Every argument is described.
    const hook = await runCli(['help', 'hook'], { cwd: dir });
    expect(hook.stdout).toMatch(/REMOTE\]\s+with run: the remote name/);
    expect(hook.stdout).toMatch(/URL\]\s+with run: the remote URL/);
  });
});

describe('errors keep their detail', () => {
  it('an unknown flag under --json is one JSON object (exit 2), no usage dump', async () => {
    const r = await runCli(['fix', '--json', '--bogus'], { cwd: makeRepo() });
    expect(r.code).toBe(2);
    expect(oneJsonError(r.stdout)).toMatchObject({
      type: 'UsageError',
      message: 'Nonexistent flag: --bogus',
      exitCode: 2,
    });
    expect(r.stderr).not.toContain('USAGE');
  });

  it('flag values are quoted as typed: --budget abc, --max-attempts x, a missing value', async () => {
    const dir = makeRepo();
    const budget = await runCli(['fix', '--budget', 'abc'], { cwd: dir });
    expect(budget.code).toBe(2);
    expect(budget.stderr).toContain(
      'distiq: --budget: must be a positive number of USD (e.g. 0.50), got "abc"',
    );
    expect(budget.stderr).not.toContain('NaN');
    for (const bad of ['0', '-1', 'Infinity', '']) {
      const r = await runCli(['implement', '--text', '- [ ] x', '--budget', bad, '--json'], {
        cwd: dir,
      });
      expect(r.code).toBe(2);
      expect(oneJsonError(r.stdout).message).toContain(`got "${bad}"`);
    }
    const attempts = await runCli(['fix', '--max-attempts', 'x', '--json'], { cwd: dir });
    expect(oneJsonError(attempts.stdout).message).toBe(
      '--max-attempts: Expected an integer but received: x',
    );
    const missing = await runCli(['fix', '--budget'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Flag --budget expects a value');
  });

  it('an unknown command is a usage error, and one JSON object under --json', async () => {
    const dir = makeRepo();
    const r = await runCli(['config', 'extra', '--json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(oneJsonError(r.stdout).message).toBe('Unknown command: distiq config extra');
    const plain = await runCli(['fxi'], { cwd: dir });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('distiq: Unknown command: distiq fxi');
  });

  it('a YAML or JSON syntax error names the parser line and column, without the key hint', async () => {
    const yaml = makeRepo({
      files: { '.distiqrc.yaml': 'fix:\n  tiers: [autofix\n  maxAttempts: 3\n' },
    });
    const y = await runCli(['config'], { cwd: yaml });
    expect(y.code).toBe(2);
    expect(y.stderr).toContain(
      '.distiqrc.yaml at line 3, column 3: missed comma between flow collection entries',
    );
    expect(y.stderr).toContain(' 2 |   tiers: [autofix');
    expect(y.stderr).not.toContain('Fix the keys above');
    const json = makeRepo({
      files: { '.distiqrc.json': '{\n  "fix": { "maxAttempts": 3, }\n}\n' },
    });
    const j = await runCli(['fix', '--json'], { cwd: json });
    expect(j.code).toBe(2);
    const err = oneJsonError(j.stdout);
    expect(err.type).toBe('ConfigSyntaxError');
    expect(err.message).toMatch(
      /\.distiqrc\.json at line 2, column 30: Expected double-quoted property name/,
    );
    expect(err.hint).toContain('line 2, column 30');
    // package.json#distiq too: cosmiconfig reads package.json before searching.
    const pkg = makeRepo({ files: { 'package.json': '{"name": "x", "distiq": {' } });
    const p = await runCli(['config'], { cwd: pkg });
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/package\.json at line 1, column 26: Expected property name or '\}'/);
  });

  it("a failing command whose output cannot be parsed shows its last lines (npm's own message)", async () => {
    const dir = makeRepo({
      files: {
        'package.json': '{"name": "x", "version": "1.0.0"}',
        '.distiqrc.yaml': 'commands:\n  build: npm run nosuchscript\n',
      },
    });
    const r = await runCli(['fix', '--build'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /`npm run nosuchscript` exited with code \d+:\n\s+npm error Missing script: "nosuchscript"/,
    );
  });

  it('an early Ctrl-C under --json still prints one JSON object and exits 130', async () => {
    const dir = makeRepo({ files: { '.distiqrc.yaml': 'commands:\n  build: sleep 30\n' } });
    // A preload reports when bin/run.js has armed its SIGINT handler: the test waits on that event.
    const armed =
      "data:text/javascript,const t=setInterval(()=>{if(process.listenerCount('SIGINT')>0){clearInterval(t);process.stderr.write('ARMED\\n')}},1);t.unref()";
    const child = spawn(process.execPath, ['--import', armed, BIN, 'fix', '--build', '--json'], {
      cwd: dir,
      env: { ...process.env, CI: 'true' },
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      if (String(d).includes('ARMED')) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(oneJsonError(stdout)).toMatchObject({ type: 'InterruptedError', exitCode: 130 });
  });
});

describe('one outcome table', () => {
  it('fix --tiers cheap with no usable model is a usage error (exit 2), as in implement', async () => {
    const dir = makeRepo({ fixture: 'ts-app', nodeModules: true });
    const fix = await runCli(['fix', '--build', '--tiers', 'cheap', '--json'], {
      cwd: dir,
      env: NO_KEYS,
    });
    expect(fix.code).toBe(2);
    expect(oneJsonError(fix.stdout).message).toMatch(
      /^No usable model for the requested tiers \(cheap\) of fix: deepseek\/deepseek-chat: DEEPSEEK_API_KEY is not set/,
    );
    const impl = await runCli(
      ['implement', '--text', '- [ ] add x', '--tiers', 'cheap', '--json'],
      { cwd: dir, env: NO_KEYS },
    );
    expect(impl.code).toBe(2);
    expect(oneJsonError(impl.stdout).type).toBe('UsageError');
  });

  it('--branch says the user is left on the new branch and how to go back', async () => {
    const dir = makeRepo({ fixture: 'ts-app', nodeModules: true });
    const r = await runCli(['fix', '--build', '--branch', 'distiq/fix-build'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('on the new branch distiq/fix-build; you are on it now.');
    expect(r.stdout).toContain('Back to where you were: git switch main');
    expect(git(dir, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('distiq/fix-build');
    expect(r.stdout).toMatch(
      /Cost:[\s\S]*spent \$0\.0000 · budget \$1 per run · the same work all on anthropic\/claude-sonnet-4-5 would have cost ~\$0\.\d+ \(comparison\)/,
    );
    expect(r.stdout).not.toMatch(/saved/i);
  });

  it('distiq cost shows every limit, unset ones as such', async () => {
    const dir = makeRepo({ files: { '.distiqrc.json': JSON.stringify({ budget: { daily: 2 } }) } });
    const r = await runCli(['cost'], { cwd: dir });
    expect(r.stdout).toContain('Limits: $1 per run, $2 per day, no monthly limit');
  });
});

describe('quiet, relevant output', () => {
  it('a Python repo: no TypeScript/eslint/prettier/rustc progress, no empty table, a closing hint', async () => {
    const dir = makeRepo({
      files: {
        'pytest.ini': '[pytest]\n',
        'calc.py': 'def add(a, b):\n    return a - b\n',
        'test_calc.py': 'from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n',
      },
    });
    const r = await runCli(['fix'], { cwd: dir, env: NO_KEYS });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/typescript|eslint|prettier|rustc/);
    expect(r.stdout).toContain('no $0 fixer applies to these failures');
    expect(r.stdout).toContain('Cost: spent $0.0000 · budget $1 per run');
    expect(r.stdout).not.toContain('tier  model');
    expect(r.stdout).toMatch(
      /1 failure\(s\) left; `--tiers autofix,memory,cheap` would try a model \(deepseek\/deepseek-chat, est\. \$0\.0\d+\); it is not usable here yet: DEEPSEEK_API_KEY is not set\./,
    );
    const json = JSON.parse((await runCli(['fix', '--json'], { cwd: dir, env: NO_KEYS })).stdout);
    expect(json.nextStep).toMatchObject({
      tiers: 'autofix,memory,cheap',
      failures: 1,
      model: 'deepseek/deepseek-chat',
      usable: false,
      reason: 'DEEPSEEK_API_KEY is not set',
    });
    expect(json.nextStep.estimateUsd).toBeGreaterThan(0);
  });
});

describe('the pre-push hook, quietly', () => {
  /** A repo with a bare remote and the hook installed; returns a push of one more commit. */
  async function pushWith(files: Record<string, string>, broken: Record<string, string>) {
    const remote = tempDir('distiq-remote-');
    git(remote, 'init', '-q', '--bare');
    const dir = makeRepo({ nodeModules: true, files });
    git(dir, 'remote', 'add', 'origin', remote);
    git(dir, 'push', '-q', 'origin', 'main');
    expect((await runCli(['hook', 'install'], { cwd: dir })).code).toBe(0);
    writeFiles(dir, broken);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'broken');
    const env = { ...process.env, CI: '', DISTIQ_SKIP_HOOK: '' };
    return spawnSync('git', ['push', 'origin', 'main'], { cwd: dir, encoding: 'utf8', env });
  }

  it('reports a finding once and names a fix command this repo has', async () => {
    const typed = await pushWith(
      {
        'tsconfig.json': '{"compilerOptions":{"strict":true,"noEmit":true},"include":["src"]}',
        'src/a.ts': 'export const a = 1;\n',
        '.distiqrc.yaml':
          'hooks:\n  prePush:\n    commands:\n      - { name: types, run: tsc --noEmit -p ., scope: repo }\n',
      },
      { 'src/b.ts': 'export const b = (1;\n' },
    );
    expect(typed.status).not.toBe(0);
    expect(typed.stderr.match(/src\/b\.ts:1:/g)).toHaveLength(1);
    expect(typed.stderr).toContain('push blocked (1 finding(s)');
    expect(typed.stderr).toContain('Fix with: distiq fix --build'); // the tsconfig type check exists

    const bare = await pushWith(
      { 'src/a.ts': 'export const a = 1;\n' },
      { 'src/b.ts': 'export const b = (1;\n' },
    );
    expect(bare.status).not.toBe(0);
    expect(bare.stderr).not.toContain('distiq fix --build'); // no build or type check here
    expect(bare.stderr).toContain('Fix the findings above, then push again.');
  });
});

describe('demos', () => {
  it('npm run demo -- lint-app runs fix --lint and ends with the full diff; unknown names list the demos', () => {
    const demo = spawnSync(process.execPath, [path.join(ROOT, 'scripts/demo.js'), 'lint-app'], {
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain('$ distiq fix --lint');
    const diff = demo.stdout.slice(demo.stdout.indexOf('$ git diff'));
    expect(diff).toContain('diff --git a/src/cart.js b/src/cart.js');
    expect(diff).toContain('+  let total = 0;');
    const unknown = spawnSync(process.execPath, [path.join(ROOT, 'scripts/demo.js'), 'nope'], {
      encoding: 'utf8',
    });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('the demos are: ts-app, lint-app, rust-app');
    // Every fixture the README names has a demo.
    const fixtures = readdirSync(path.join(ROOT, 'fixtures')).sort();
    expect(fixtures).toEqual(['lint-app', 'rust-app', 'ts-app']);
  }, 240_000);
});
