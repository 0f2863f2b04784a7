import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPathPolicy, refusedPath } from '../../src/edits/path-policy.js';
import { proveEdits } from '../../src/edits/prove.js';
import { startLoopbackOpenAI } from '../loopback-openai.js';
import { git, makeRepo, runCli, statusPorcelain, tempDir } from '../helpers.js';
import { recordFigures } from './figures.js';

const figures: Record<string, number> = { attacksRefused: 0, attacksUndone: 0 };
const note = (k: keyof typeof figures) => {
  figures[k]++;
  recordFigures('boundaryAttacks', figures);
};

/**
 * The attack pass on distiq's own boundary: each test is one class of hostile model answer or
 * hostile build, closed by design (an allowlist, a wider proof surface), with real git and real
 * shell commands as the build.
 */

const ORIGINAL = 'module.exports = 1;\n';
const FIXED = 'module.exports = 2;\n';

/** Proves the edit `src/a.js: 1 → 2` with `build` (a shell command) as the validation. */
async function proveWith(dir: string, build: string) {
  const policy = loadPathPolicy(dir);
  return proveEdits({
    root: dir,
    edits: [{ path: 'src/a.js', before: ORIGINAL, after: FIXED }],
    guard: { policy },
    validate: async () => execFileSync('/bin/sh', ['-c', build], { cwd: dir, encoding: 'utf8' }),
    judge: () => ({ keep: true, reason: 'build passed' }),
  });
}

function repo(files: Record<string, string> = {}) {
  return makeRepo({ files: { 'src/a.js': ORIGINAL, 'README.md': 'readme\n', ...files } });
}

describe('Boundary attacks', () => {
  it('an edit path with a control character (newline, NUL, ESC, DEL, C1, line separator) is refused with a reason', () => {
    const dir = repo();
    // git tracks a name with a newline: the refusal must not depend on the file being unknown.
    writeFileSync(path.join(dir, 'src/a\nb.js'), 'x\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'newline name');
    const policy = loadPathPolicy(dir);
    expect(policy.tracked.has('src/a\nb.js')).toBe(true);
    const forged = [
      'src/a\nb.js',
      'src/x\r.js',
      'src/x\0.js',
      'src/\u001b[31mred.js',
      'src/tab\there.js',
      'src/del\u007f.js',
      'src/c1\u0085.js',
      'src/ls\u2028.js',
    ];
    for (const p of forged) {
      const refusal = refusedPath(policy, p, { created: [p] });
      expect(refusal?.code, JSON.stringify(p)).toBe('invalid');
      expect(refusal?.reason).toMatch(/control character/);
      note('attacksRefused');
    }
    expect(refusedPath(policy, 'src/a.js')).toBeNull();
  });

  it('a very long edit path (a name over 255 bytes, a path over 1024) is refused before any folder is made', () => {
    const dir = repo();
    const policy = loadPathPolicy(dir);
    for (const p of [
      `src/${'a'.repeat(300)}.js`,
      `${'deep/'.repeat(210)}x.js`,
      `src/${'é'.repeat(130)}.js`,
    ]) {
      const refusal = refusedPath(policy, p, { created: [p] });
      expect(refusal?.code, p.slice(0, 40)).toBe('invalid');
      expect(refusal?.reason).toMatch(/too long/);
      note('attacksRefused');
    }
    expect(
      refusedPath(policy, `src/${'a'.repeat(200)}.js`, { created: [`src/${'a'.repeat(200)}.js`] }),
    ).toBeNull();
  });

  it('a file a tool config loads by name (setup files, required modules, tsconfig declarations) is refused, whatever its name', () => {
    const dir = repo({
      'vitest.config.ts': `import { defineConfig } from 'vitest/config';
import { extra } from './test/support/extra';
export default defineConfig({ test: { setupFiles: ['./test/support/init.ts'], globalSetup: 'test/support/boot.ts' } });
`,
      'test/support/extra.ts': 'export const extra = 1;\n',
      'test/support/init.ts': 'globalThis.x = 1;\n',
      'test/support/boot.ts': 'export default () => {};\n',
      'test/a.test.ts': 'test("a", () => {});\n',
      'package.json': JSON.stringify({
        name: 'x',
        jest: {
          setupFilesAfterEnv: ['<rootDir>/test/jest/after-env.js'],
          testEnvironment: './test/jest/env.js',
        },
      }),
      'test/jest/after-env.js': '\n',
      'test/jest/env.js': '\n',
      'packages/web/package.json': JSON.stringify({ ava: { require: ['./helpers/register.js'] } }),
      'packages/web/helpers/register.js': '\n',
      '.mocharc.yml':
        'require:\n  - test/mocha/hooks.js\nfile: test/mocha/first.js\nspec: test/mocha/*.spec.js\n',
      'test/mocha/hooks.js': '\n',
      'test/mocha/first.js': '\n',
      'test/mocha/a.spec.js': '\n',
      'tsconfig.json': `{
  // comments and trailing commas, as TypeScript allows
  "files": ["types/global.d.ts", "src/main.ts",],
  "compilerOptions": { "typeRoots": ["./typings"] },
}
`,
      'types/global.d.ts': 'declare var x: any;\n',
      'typings/env/index.d.ts': 'declare var y: any;\n',
      'src/main.ts': 'export {};\n',
    });
    const policy = loadPathPolicy(dir);
    const refused = {
      'test/support/extra.ts': 'vitest.config.ts',
      'test/support/init.ts': 'vitest.config.ts',
      'test/support/boot.ts': 'vitest.config.ts',
      'test/jest/after-env.js': 'package.json',
      'test/jest/env.js': 'package.json',
      'packages/web/helpers/register.js': 'packages/web/package.json',
      'test/mocha/hooks.js': '.mocharc.yml',
      'test/mocha/first.js': '.mocharc.yml',
      'types/global.d.ts': 'tsconfig.json',
      'typings/env/index.d.ts': 'tsconfig.json',
      'TEST/Support/Init.ts': 'vitest.config.ts', // a case variant on a case-insensitive disk
    };
    for (const [p, cfg] of Object.entries(refused)) {
      const refusal = refusedPath(policy, p, { created: [p] });
      expect(refusal?.code, p).toBe('config');
      expect(refusal?.reason, p).toContain(`${cfg} loads this file by name`);
      note('attacksRefused');
    }
    // Ordinary test and source files, even those a config lists as specs or sources, stay editable.
    for (const p of ['test/a.test.ts', 'test/mocha/a.spec.js', 'src/main.ts', 'src/a.js'])
      expect(refusedPath(policy, p), p).toBeNull();
  });

  it('a build that plants a self-ignoring .gitignore (hiding a payload, a conftest.py, an .npmrc) is detected and everything it hid is removed', async () => {
    const dir = repo();
    const r = await proveWith(
      dir,
      `mkdir -p gen/deep && printf '*\\n' > gen/.gitignore && echo 'import os' > gen/conftest.py &&
       echo 'script-shell=/bin/true' > gen/deep/.npmrc && echo 'payload' > gen/deep/payload.js &&
       mkdir -p src/more && printf 'gen2/\\n' > src/more/.gitignore && mkdir -p src/more/gen2 && echo x > src/more/gen2/y.js`,
    );
    expect(r.kept).toBe(false);
    if (r.kept) return;
    expect(r.tampered).toEqual(
      expect.arrayContaining([
        'gen/.gitignore',
        'gen/conftest.py',
        'gen/deep', // hidden as a whole: its .npmrc and payload with it
        'src/more/.gitignore',
        'src/more/gen2',
      ]),
    );
    expect(existsSync(path.join(dir, 'gen'))).toBe(false);
    expect(existsSync(path.join(dir, 'src/more'))).toBe(false);
    expect(readFileSync(path.join(dir, 'src/a.js'), 'utf8')).toBe(ORIGINAL);
    expect(statusPorcelain(dir)).toBe('');
    note('attacksUndone');
  });

  it('ignore files, conftest.py and package manager configs count at any depth even inside an ignored folder; ordinary build output there does not', async () => {
    const dir = repo();
    writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\ndist/\nout/\n');
    git(dir, 'commit', '-qam', 'ignore out/');
    mkdirSync(path.join(dir, 'dist/pkg'), { recursive: true });
    writeFileSync(path.join(dir, 'dist/pkg/.npmrc'), 'registry=https://good.example\n');
    // Output in an ignored folder is what a build makes: kept.
    const ok = await proveWith(
      dir,
      'mkdir -p out && echo built > out/bundle.js && echo 1 > dist/old.js',
    );
    expect(ok.kept, ok.reason).toBe(true);
    git(dir, 'commit', '-qam', 'fixed');
    writeFileSync(path.join(dir, 'src/a.js'), ORIGINAL);
    git(dir, 'commit', '-qam', 'broken again');
    const r = await proveWith(
      dir,
      `echo 'script-shell=/bin/true' > dist/pkg/.npmrc && mkdir -p dist/tests && echo 'import os' > dist/tests/conftest.py &&
       printf '* text eol=crlf\\n' > out/.gitattributes`,
    );
    expect(r.kept).toBe(false);
    if (r.kept) return;
    expect(r.tampered).toEqual(
      expect.arrayContaining(['dist/pkg/.npmrc', 'dist/tests/conftest.py', 'out/.gitattributes']),
    );
    expect(readFileSync(path.join(dir, 'dist/pkg/.npmrc'), 'utf8')).toBe(
      'registry=https://good.example\n',
    );
    expect(existsSync(path.join(dir, 'dist/tests/conftest.py'))).toBe(false);
    expect(existsSync(path.join(dir, 'out/.gitattributes'))).toBe(false);
    note('attacksUndone');
  });

  it("a test tool's self-ignoring cache (.pytest_cache) is build output, not tampering", async () => {
    const dir = repo();
    const r = await proveWith(
      dir,
      `mkdir -p .pytest_cache/v && printf '# Created by pytest automatically.\\n*\\n' > .pytest_cache/.gitignore && echo '{}' > .pytest_cache/v/lastfailed`,
    );
    expect(r.kept, r.reason).toBe(true);
  });

  it("a build that writes into distiq's journal folder (a planted journal, a removed one) is detected and undone", async () => {
    const dir = repo();
    const journal = path.join(dir, '.git/distiq/journal');
    const r = await proveWith(
      dir,
      `for f in "${journal}"/*.json; do mv "$f" "$f.gone"; done; echo '{"body":"{}","mac":"0"}' > "${journal}/1-planted.json"`,
    );
    expect(r.kept).toBe(false);
    if (r.kept) return;
    expect(r.reason).toMatch(/changed files beyond the edit/);
    expect(r.tampered?.some((t) => t.endsWith('1-planted.json'))).toBe(true);
    // Restored, then dropped with the rejected attempt: nothing of the build's is left.
    expect(readdirSync(journal)).toEqual([]);
    expect(readFileSync(path.join(dir, 'src/a.js'), 'utf8')).toBe(ORIGINAL);
    note('attacksUndone');
  });

  it('a build that leaves a FIFO where the integrity check reads (node_modules/.bin, a tracked file) cannot hang the proof', async () => {
    const dir = repo();
    mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
    const r = await proveWith(
      dir,
      'mkfifo node_modules/.bin/tsc && rm README.md && mkfifo README.md',
    );
    expect(r.kept).toBe(false);
    if (r.kept) return;
    expect(r.tampered).toEqual(expect.arrayContaining(['README.md']));
    expect(r.tampered?.some((t) => t.endsWith('node_modules/.bin/tsc'))).toBe(true);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('readme\n');
    expect(existsSync(path.join(dir, 'node_modules/.bin/tsc'))).toBe(false);
    note('attacksUndone');
  });

  it('a build that plants a huge (sparse, 3 GB) file cannot crash the check: it is detected and removed', async () => {
    const dir = repo();
    const r = await proveWith(dir, 'truncate -s 3G src/huge.js && truncate -s 3G README.md');
    expect(r.kept).toBe(false);
    if (r.kept) return;
    expect(r.tampered).toEqual(expect.arrayContaining(['src/huge.js', 'README.md']));
    expect(existsSync(path.join(dir, 'src/huge.js'))).toBe(false);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('readme\n');
    note('attacksUndone');
  });

  it('a build that hides a change from git status (assume-unchanged, skip-worktree) or commits its plantings is undone: index and HEAD restored', async () => {
    const dir = repo({ 'test/a.test.js': 'assert(false);\n' });
    const head = git(dir, 'rev-parse', 'HEAD');
    const r = await proveWith(
      dir,
      `git update-index --assume-unchanged test/a.test.js && echo 'gutted' > test/a.test.js &&
       git update-index --skip-worktree README.md && echo 'changed' > README.md &&
       echo 'evil' > planted.js && git -c user.name=x -c user.email=x@x add planted.js &&
       git -c user.name=x -c user.email=x@x commit -qm planted`,
    );
    expect(r.kept).toBe(false);
    if (r.kept) return;
    expect(r.tampered).toEqual(expect.arrayContaining(['.git/refs/heads/main', '.git/index']));
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(
      git(dir, 'ls-files', '-v')
        .split('\n')
        .filter((l) => /^[hS] /.test(l)),
    ).toEqual([]);
    expect(readFileSync(path.join(dir, 'test/a.test.js'), 'utf8')).toBe('assert(false);\n');
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('readme\n');
    expect(existsSync(path.join(dir, 'planted.js'))).toBe(false);
    expect(readFileSync(path.join(dir, 'src/a.js'), 'utf8')).toBe(ORIGINAL);
    expect(statusPorcelain(dir)).toBe('');
    note('attacksUndone');
  });

  it('a build that replaces a tracked file by a symlink (to a secret outside) or a folder by a symlink is undone', async () => {
    const dir = repo({ 'src/lib/b.js': 'b\n' });
    const r = await proveWith(
      dir,
      'rm README.md && ln -s /etc/hostname README.md && rm -r src/lib && ln -s /etc src/lib',
    );
    expect(r.kept).toBe(false);
    if (r.kept) return;
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('readme\n');
    expect(readFileSync(path.join(dir, 'src/lib/b.js'), 'utf8')).toBe('b\n');
    expect(statusPorcelain(dir)).toBe('');
    note('attacksUndone');
  });
});

describe('Delivery honesty', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  const MATH = 'exports.add = (a, b) => a + b;\n';
  const SUB = 'exports.sub = (a, b) => a - b;\n';
  const MORE = 'exports.more = 1;\n';
  const change = (p: string, action: string, old: string, neu: string) => ({
    path: p,
    action,
    changes: [{ old, new: neu, reason: 'asked' }],
  });
  const planTask = (id: string, items: number[], files: unknown[]) => ({
    id,
    title: `task ${id}`,
    goal: `do ${id}`,
    items,
    dependsOn: [],
    tier: 'cheap',
    acceptance: 'the build passes',
    files,
  });

  async function implementRepo(tasks: unknown[]) {
    const server = await startLoopbackOpenAI(() => ({ content: JSON.stringify({ tasks }) }));
    close = server.close;
    const dir = makeRepo({
      files: {
        'src/math.js': MATH,
        'check.js': "require('./src/math.js');\n",
        'TASK.md': '# Math\n\n- [ ] Add `sub` to src/math.js\n- [ ] Add src/more.js\n',
        '.distiqrc.json': JSON.stringify({
          commands: { build: 'node check.js' },
          providers: { loop: { type: 'openai-compatible', baseURL: server.url } },
          tiers: { cheap: [{ provider: 'loop', model: 'loop-cheap' }] },
          prices: { 'loop-cheap': { input: 1, output: 4 } },
          implement: { tiers: ['cheap'] },
        }),
      },
    });
    // The user's uncommitted work in a file the plan changes.
    writeFileSync(path.join(dir, 'src/math.js'), `// my uncommitted note\n${MATH}`);
    const home = tempDir('distiq-home-test-');
    const run = (branch: string) =>
      runCli(['implement', '--file', 'TASK.md', '--allow-dirty', '--branch', branch, '--json'], {
        cwd: dir,
        env: { HOME: home, XDG_STATE_HOME: path.join(home, '.state') },
      });
    return { dir, run };
  }

  it("implement --allow-dirty --branch commits only distiq's changes: a file also holding the user's work is left out and named", async () => {
    const { dir, run } = await implementRepo([
      planTask('t1', [1], [change('src/math.js', 'modify', MATH, MATH + SUB)]),
      planTask('t2', [2], [change('src/more.js', 'create', '', MORE)]),
    ]);
    const r = await run('distiq/impl-1');
    const report = JSON.parse(r.stdout);
    expect(report.status, r.stderr).toBe('implemented');
    expect(r.stderr).toContain('not committed (they also hold your uncommitted work): src/math.js');
    expect(report.branch).toEqual({
      name: 'distiq/impl-1',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      notCommitted: ['src/math.js'],
    });
    expect(git(dir, 'show', '--name-only', '--format=', report.branch.commit).trim()).toBe(
      'src/more.js',
    );
    // The user's work and distiq's change to that file are both still in the tree, uncommitted.
    expect(readFileSync(path.join(dir, 'src/math.js'), 'utf8')).toBe(
      `// my uncommitted note\n${MATH}${SUB}`,
    );
    expect(statusPorcelain(dir)).toContain(' M src/math.js');
  });

  it("implement --allow-dirty --branch with every changed file holding the user's work: commit null, no branch made", async () => {
    const { dir, run } = await implementRepo([
      planTask('t1', [1, 2], [change('src/math.js', 'modify', MATH, MATH + SUB)]),
    ]);
    const head = git(dir, 'rev-parse', 'HEAD');
    const r = await run('distiq/impl-2');
    const report = JSON.parse(r.stdout);
    expect(report.branch).toEqual({
      name: 'distiq/impl-2',
      commit: null,
      notCommitted: ['src/math.js'],
    });
    expect(git(dir, 'branch', '--list', 'distiq/impl-2')).toBe('');
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
  });
});
