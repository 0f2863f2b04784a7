import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedFiles, parsePushInput } from '../../src/hooks/changed-files.js';
import { git, makeRepo, runCli, tempDir, writeFiles } from '../helpers.js';

// The hook itself does nothing in CI, so pushes in these tests run without CI in their environment.
const envNoCI = () => {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
  };
  delete env.CI;
  delete env.DISTIQ_SKIP_HOOK;
  return env;
};
const push = (dir: string, ...args: string[]) =>
  spawnSync('git', ['push', ...args, 'origin', 'HEAD:main'], {
    cwd: dir,
    encoding: 'utf8',
    env: envNoCI(),
  });

function repoWithRemote(files: Record<string, string> = {}, nodeModules = false) {
  const dir = makeRepo({ files: { 'src/ok.ts': 'export const ok = 1;\n', ...files }, nodeModules });
  const bare = path.join(tempDir(), 'remote.git');
  spawnSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  git(dir, 'remote', 'add', 'origin', bare);
  git(dir, 'push', '-q', 'origin', 'main');
  return { dir, bare };
}
const remoteHead = (bare: string) => git(bare, 'rev-parse', 'main').trim();

function commitBroken(dir: string) {
  writeFiles(dir, { 'src/bad.ts': 'export function f(a: number {\n  return a;\n}\n' });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'broken');
}
function commitFixed(dir: string) {
  writeFiles(dir, { 'src/bad.ts': 'export function f(a: number) {\n  return a;\n}\n' });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'fixed');
}

describe('pre-push hook: a real git push to a bare remote', () => {
  it('plain .git/hooks: blocks a syntax error with file:line and the fix command, passes when clean', async () => {
    const { dir, bare } = repoWithRemote();
    const before = remoteHead(bare);
    expect((await runCli(['hook', 'install'], { cwd: dir })).stdout).toContain(
      'pre-push hook installed (hooks-dir)',
    );
    commitBroken(dir);
    const blocked = push(dir);
    expect(blocked.status).not.toBe(0);
    expect(blocked.stderr).toContain('src/bad.ts:1: syntax error');
    // No build or type check in this repo: no `distiq fix --build` to suggest (first-hour.test.ts has one).
    expect(blocked.stderr).toContain('Fix the findings above, then push again.');
    expect(blocked.stderr).toContain('git push --no-verify');
    expect(remoteHead(bare)).toBe(before); // nothing left the machine
    expect(
      spawnSync('git', ['push', 'origin', 'HEAD:main'], {
        cwd: dir,
        env: { ...envNoCI(), DISTIQ_SKIP_HOOK: '1' },
      }).status,
    ).toBe(0); // the bypass
    git(bare, 'update-ref', 'refs/heads/main', before);
    commitFixed(dir);
    const ok = push(dir);
    expect(ok.status).toBe(0);
    expect(remoteHead(bare)).toBe(git(dir, 'rev-parse', 'HEAD').trim());
  });

  it('--no-verify bypasses it, and it does nothing in CI', async () => {
    const { dir } = repoWithRemote();
    await runCli(['hook', 'install'], { cwd: dir });
    commitBroken(dir);
    expect(push(dir, '--no-verify').status).toBe(0);
    writeFiles(dir, { 'src/bad2.ts': 'const = ;\n' });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'more broken');
    expect(
      spawnSync('git', ['push', 'origin', 'HEAD:main'], {
        cwd: dir,
        env: { ...envNoCI(), CI: 'true' },
      }).status,
    ).toBe(0);
  });

  it('an existing hook is chained with the same input, and uninstall restores it byte for byte', async () => {
    const { dir } = repoWithRemote();
    const hook = path.join(dir, '.git', 'hooks', 'pre-push');
    const log = path.join(dir, '.git', 'user-hook.log');
    const original = `#!/bin/sh\n# the user's own hook\ncat > "${log}"\necho "args: $1 $2" >> "${log}"\n`;
    writeFileSync(hook, original);
    chmodSync(hook, 0o750);
    await runCli(['hook', 'install'], { cwd: dir });
    expect(readFileSync(hook, 'utf8')).toContain('distiq pre-push hook');
    commitFixed(dir);
    expect(push(dir).status).toBe(0);
    const seen = readFileSync(log, 'utf8');
    expect(seen).toMatch(/^HEAD [0-9a-f]{40} refs\/heads\/main [0-9a-f]{40}\n/); // exactly the refs git gave distiq
    expect(seen).toContain('args: origin ');
    // Re-installing is idempotent.
    await runCli(['hook', 'install'], { cwd: dir });
    expect((await runCli(['hook', 'install'], { cwd: dir })).stdout).toContain('unchanged');
    const un = await runCli(['hook', 'uninstall'], { cwd: dir });
    expect(un.stdout).toContain('restored exactly');
    expect(readFileSync(hook, 'utf8')).toBe(original);
    expect(statSync(hook).mode & 0o777).toBe(0o750);
    expect(existsSync(`${hook}.distiq-chained`)).toBe(false);
  });

  it('core.hooksPath: installs where git will look', async () => {
    const { dir } = repoWithRemote();
    git(dir, 'config', 'core.hooksPath', '.githooks');
    const r = await runCli(['hook', 'install', '--json'], { cwd: dir });
    expect(JSON.parse(r.stdout)).toMatchObject({
      manager: 'hooks-dir',
      file: path.join(dir, '.githooks', 'pre-push'),
    });
    commitBroken(dir);
    expect(push(dir).status).not.toBe(0);
    await runCli(['hook', 'uninstall'], { cwd: dir });
    expect(existsSync(path.join(dir, '.githooks', 'pre-push'))).toBe(false);
  });

  it('husky: adds a block to .husky/pre-push, keeps the user’s lines, uninstall restores exactly', async () => {
    const { dir, bare } = repoWithRemote(
      { 'package.json': JSON.stringify({ name: 'h', private: true }) },
      true,
    );
    expect(
      spawnSync(path.join(dir, 'node_modules', '.bin', 'husky'), {
        cwd: dir,
        encoding: 'utf8',
        env: envNoCI(),
      }).status,
    ).toBe(0); // real husky v9 init
    const userHook = 'echo "user husky hook ran"\n';
    writeFiles(dir, { '.husky/pre-push': userHook });
    const r = await runCli(['hook', 'install'], { cwd: dir });
    expect(r.stdout).toContain('(husky)');
    expect(readFileSync(path.join(dir, '.husky/pre-push'), 'utf8')).toMatch(
      /^echo "user husky hook ran"\n# >>> distiq/,
    );
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'husky');
    const before = remoteHead(bare);
    commitBroken(dir);
    const blocked = push(dir);
    expect(blocked.status).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain('user husky hook ran');
    expect(blocked.stderr).toContain('src/bad.ts:1: syntax error');
    expect(remoteHead(bare)).toBe(before);
    await runCli(['hook', 'uninstall'], { cwd: dir });
    expect(readFileSync(path.join(dir, '.husky/pre-push'), 'utf8')).toBe(userHook);
  });

  it('lefthook: adds a pre-push command with stdin, real lefthook runs it, uninstall restores the yaml exactly', async () => {
    const yaml = '# team hooks\npre-commit:\n  commands:\n    hello:\n      run: echo hello\n';
    const { dir, bare } = repoWithRemote({ 'lefthook.yml': yaml }, true);
    const r = await runCli(['hook', 'install'], { cwd: dir });
    expect(r.stdout).toContain('(lefthook)');
    const edited = readFileSync(path.join(dir, 'lefthook.yml'), 'utf8');
    expect(edited).toContain('# team hooks');
    expect(edited).toContain('use_stdin: true');
    expect(existsSync(path.join(dir, '.git', 'hooks', 'pre-push'))).toBe(true); // lefthook install ran
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'lefthook', '--no-verify');
    const before = remoteHead(bare);
    commitBroken(dir);
    const blocked = push(dir);
    expect(blocked.status).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain('src/bad.ts:1: syntax error');
    expect(remoteHead(bare)).toBe(before);
    await runCli(['hook', 'uninstall'], { cwd: dir });
    expect(readFileSync(path.join(dir, 'lefthook.yml'), 'utf8')).toBe(
      edited.includes('distiq') ? yaml : edited,
    );
  });

  it('configured cheap commands run on the changed files only and block with their fix command', async () => {
    // commands.lint: the suggested `distiq fix --lint` needs a lint command in this repo.
    const config = {
      commands: { lint: 'eslint src' },
      hooks: {
        prePush: {
          commands: [{ name: 'lint', run: 'eslint --no-warn-ignored', pattern: '\\.js$' }],
        },
      },
    };
    const { dir, bare } = repoWithRemote(
      {
        'package.json': JSON.stringify({ type: 'module' }),
        'eslint.config.js':
          "export default [{ files: ['**/*.js'], rules: { 'no-unused-vars': 'error' } }];\n",
        'src/old.js': 'const unusedButOld = 1;\n', // already on the remote: not this push's business
        '.distiqrc.json': JSON.stringify(config),
      },
      true,
    );
    await runCli(['hook', 'install'], { cwd: dir });
    writeFiles(dir, { 'src/new.js': 'const unusedNew = 2;\nexport const used = 3;\n' });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'new file');
    const before = remoteHead(bare);
    const blocked = push(dir);
    expect(blocked.status).not.toBe(0);
    expect(blocked.stderr).toMatch(
      /src\/new\.js:1: 'unusedNew' is assigned a value but never used \(lint no-unused-vars\)/,
    );
    expect(blocked.stderr).not.toContain('unusedButOld');
    expect(blocked.stderr).toContain('Fix with: distiq fix --lint');
    expect(remoteHead(bare)).toBe(before);
  });
});

describe('pre-push hook: no false alarms, optional local review', () => {
  it('valid code that a tree-sitter grammar mis-parses does not block the push', async () => {
    const { dir } = repoWithRemote();
    await runCli(['hook', 'install'], { cwd: dir });
    writeFiles(dir, {
      'src/dual.ts':
        'export const makeBy: {\n  <A>(f: (i: number) => A): (n: number) => Array<A>\n  <A>(n: number, f: (i: number) => A): Array<A>\n} = null as any\n',
    });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'valid ts');
    const r = push(dir);
    expect(r.stderr).not.toContain('syntax error');
    expect(r.status).toBe(0);
  });

  it('review on the local tier only: a real GGUF model reviews the diff at $0 and does not block', async () => {
    const { writeTinyGguf } = await import('../tiny-gguf.js');
    const model = path.join(tempDir(), 'tiny.gguf');
    writeTinyGguf(model);
    const config = {
      providers: { local: { type: 'llama', modelPath: model, gpu: 'off', threads: 1 } },
      tiers: { local: [{ provider: 'local', model: 'tiny' }] },
      hooks: { prePush: { review: { tiers: ['local'] } } },
    };
    const { dir } = repoWithRemote({ '.distiqrc.json': JSON.stringify(config) });
    await runCli(['hook', 'install'], { cwd: dir });
    writeFiles(dir, { 'src/more.ts': 'export const more = 2;\n' });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'more');
    const r = push(dir);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('review skipped');
    const ledger = readFileSync(path.join(dir, '.git', 'distiq', 'ledger.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ledger.filter((e) => e.kind === 'settle')).toEqual([
      expect.objectContaining({ tier: 'local', usd: 0 }),
    ]);
  });
});

describe('pre-push review on a paid tier, listed explicitly', () => {
  it('reviews the whole pushed range and reports findings without blocking', async () => {
    const { startLoopbackOpenAI } = await import('../loopback-openai.js');
    const server = await startLoopbackOpenAI(() => ({
      content: JSON.stringify({
        findings: [{ file: 'src/second.ts', line: 1, message: 'divides by zero when n is 0' }],
      }),
    }));
    try {
      const config = {
        providers: { loop: { type: 'openai-compatible', baseURL: server.url } },
        tiers: { cheap: [{ provider: 'loop', model: 'loop-cheap' }] },
        prices: { 'loop-cheap': { input: 1, output: 4 } },
        hooks: { prePush: { review: { tiers: ['cheap'], budget: 0.01 } } },
      };
      const { dir } = repoWithRemote({ '.distiqrc.json': JSON.stringify(config) });
      await runCli(['hook', 'install'], { cwd: dir });
      writeFiles(dir, { 'src/first.ts': 'export const first = 1;\n' });
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', 'first');
      writeFiles(dir, { 'src/second.ts': 'export const ratio = (n: number) => 1 / n;\n' });
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', 'second');
      // Asynchronous: the loopback server answers from this process, so the push must not block it.
      const { spawn } = await import('node:child_process');
      const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn('git', ['push', 'origin', 'HEAD:main'], { cwd: dir, env: envNoCI() });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (status) => resolve({ status, stderr }));
      });
      expect(r.status).toBe(0); // review findings inform; they do not block unless configured
      expect(r.stderr).toContain('src/second.ts:1: divides by zero when n is 0 [review]');
      expect(server.requests).toHaveLength(1);
      const sent = server.requests[0]!.messages.at(-1)!.content;
      expect(sent).toContain('export const first = 1;'); // both commits of the push
      expect(sent).toContain('export const ratio');
    } finally {
      await server.close();
    }
  });
});

describe('changed files of a push', () => {
  it('update, new branch, deleted branch and force-push', async () => {
    const { dir } = repoWithRemote();
    const base = git(dir, 'rev-parse', 'HEAD').trim();
    writeFiles(dir, { 'a.ts': 'a', 'b.ts': 'b' });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'two');
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const zero = '0'.repeat(40);
    const paths = async (line: string) =>
      (await changedFiles(dir, 'origin', parsePushInput(line))).map((f) => f.path).sort();
    expect(await paths(`refs/heads/main ${head} refs/heads/main ${base}\n`)).toEqual([
      'a.ts',
      'b.ts',
    ]); // fast-forward
    expect(await paths(`refs/heads/feature ${head} refs/heads/feature ${zero}\n`)).toEqual([
      'a.ts',
      'b.ts',
    ]); // new branch: beyond what origin has
    expect(await paths(`(delete) ${zero} refs/heads/old ${base}\n`)).toEqual([]); // deletion
    // Force-push over a commit we never fetched: fall back to what the remote is known to have.
    expect(await paths(`refs/heads/main ${head} refs/heads/main ${'f'.repeat(40)}\n`)).toEqual([
      'a.ts',
      'b.ts',
    ]);
    git(dir, 'rm', '-q', 'a.ts');
    git(dir, 'commit', '-qm', 'rm a');
    const after = git(dir, 'rev-parse', 'HEAD').trim();
    expect(await paths(`refs/heads/main ${after} refs/heads/main ${head}\n`)).toEqual([]); // deletions need no check
  });
});
