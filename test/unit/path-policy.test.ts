import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadPathPolicy,
  type PathPolicy,
  type RefusalCode,
  refusedPath,
} from '../../src/edits/path-policy.js';
import { git, makeRepo } from '../helpers.js';

const TRACKED = [
  'src/a.ts',
  'src/b.test.ts',
  'src/c.tsx',
  'src/d.mjs',
  'src/e.cjs',
  'src/f.jsx',
  'README.md',
  'docs/guide.md',
  'docs/notes.txt',
  'lib/x.py',
  'cmd/main.go',
  'src/lib.rs',
  'src/App.java',
  'src/Ünï.ts',
  'package.json',
  'packages/web/package.json',
  'packages/web/src/index.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'jsconfig.json',
  'vitest.config.ts',
  'jest.config.js',
  'eslint.config.mjs',
  'prettier.config.js',
  'babel.config.js',
  'webpack.config.js',
  'vite.config.ts',
  'rollup.config.mjs',
  'vitest.setup.ts',
  'jest.setup.js',
  'src/setupTests.ts',
  'test/global-setup.ts',
  'Makefile',
  'rules.mk',
  'Cargo.toml',
  'build.rs',
  'go.mod',
  'pyproject.toml',
  'setup.cfg',
  'setup.py',
  'tests/conftest.py',
  '.envrc',
  '.gitmodules',
  '.npmrc',
  '.yarnrc.yml',
  '.vscode/settings.json',
  '.config/distiqrc.cjs',
  '.github/workflows/ci.yml',
  '.husky/pre-push',
  '.distiqrc.json',
  'scripts/check.js',
  'scripts/helper.js',
  'data.json',
  'image.png',
  'Dockerfile',
  'githooks/pre-commit.js',
  'src/.hidden.ts',
  'webpack.prod.js',
  'src/config.ts',
  'src/my.config.ts',
  'node_modules_docs.md',
];

let policy: PathPolicy;
let widened: PathPolicy;
let dir: string;

beforeAll(() => {
  const files = Object.fromEntries(
    TRACKED.map((f) => [
      f,
      f.endsWith('package.json')
        ? JSON.stringify({ scripts: { build: 'node scripts/check.js && tsc' } })
        : 'x\n',
    ]),
  );
  dir = makeRepo({ files });
  symlinkSync('src/a.ts', path.join(dir, 'link.ts'));
  symlinkSync('src', path.join(dir, 'srclink'));
  symlinkSync('/etc', path.join(dir, 'etclink'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'links');
  git(dir, 'config', 'core.hooksPath', 'githooks');
  policy = loadPathPolicy(dir, { commands: ['npm run build', 'node tools/verify.py'] });
  widened = loadPathPolicy(dir, {
    allowPaths: ['package.json', '.config/**', 'data.json', 'tsconfig.json'],
  });
}, 60_000);

const MATRIX: [string, RefusalCode | null][] = [
  // allowed: tracked source, test and doc files of supported languages
  ['src/a.ts', null],
  ['./src/a.ts', null],
  ['src/../src/a.ts', null],
  ['src//a.ts', null],
  ['src/b.test.ts', null],
  ['src/c.tsx', null],
  ['src/d.mjs', null],
  ['src/e.cjs', null],
  ['src/f.jsx', null],
  ['README.md', null],
  ['docs/guide.md', null],
  ['docs/notes.txt', null],
  ['lib/x.py', null],
  ['cmd/main.go', null],
  ['src/lib.rs', null],
  ['src/App.java', null],
  ['src/Ünï.ts', null],
  ['packages/web/src/index.ts', null],
  ['src/config.ts', null],
  ['node_modules_docs.md', null],
  ['scripts/helper.js', null],
  // outside, invalid
  ['../x.ts', 'outside'],
  ['/etc/passwd', 'outside'],
  ['src/../../x.ts', 'outside'],
  ['C:/x.ts', 'outside'],
  ['..', 'outside'],
  ['.', 'outside'],
  ['', 'invalid'],
  ['src\\a.ts', 'invalid'],
  ['src/a\0.ts', 'invalid'],
  // .git at any depth, in any spelling
  ['.git/config', 'git'],
  ['.git/hooks/pre-commit', 'git'],
  ['sub/.git', 'git'],
  ['sub/.git/config', 'git'],
  ['.GIT/config', 'git'],
  ['.Git/hooks/post-checkout', 'git'],
  ['.git./config', 'git'],
  ['.git /config', 'git'],
  ['.g\u200Cit/config', 'git'],
  ['\uFF0Egit/config', 'git'],
  ['GIT~1/config', 'git'],
  ['vendor/dep/.git/hooks/pre-push', 'git'],
  ['.git/distiq/journal/x.json', 'git'],
  // node_modules, state, hooks path
  ['node_modules/.bin/tsc', 'node_modules'],
  ['packages/web/node_modules/x/index.js', 'node_modules'],
  ['Node_Modules/x.js', 'node_modules'],
  ['.distiq/journal/1.json', 'state'],
  ['.DISTIQ/ledger.jsonl', 'state'],
  ['githooks/pre-commit.js', 'hooks'],
  ['GitHooks/pre-push.js', 'hooks'],
  // CI
  ['.github/workflows/ci.yml', 'workflow'],
  ['.GitHub/workflows/x.yml', 'workflow'],
  ['.github/actions/a/action.yml', 'workflow'],
  // dotfiles and dot-directories
  ['.envrc', 'dotpath'],
  ['.gitmodules', 'dotpath'],
  ['.npmrc', 'dotpath'],
  ['.yarnrc.yml', 'dotpath'],
  ['.vscode/settings.json', 'dotpath'],
  ['.config/distiqrc.cjs', 'dotpath'],
  ['.config/config.cjs', 'dotpath'],
  ['.husky/pre-push', 'dotpath'],
  ['.distiqrc.json', 'dotpath'],
  ['src/.hidden.ts', 'dotpath'],
  ['packages/web/.npmrc', 'dotpath'],
  ['.eslintrc.cjs', 'dotpath'],
  ['.babelrc.js', 'dotpath'],
  // tool configs and build scripts, at any depth and in any case
  ['package.json', 'config'],
  ['packages/web/package.json', 'config'],
  ['Package.JSON', 'config'],
  ['package-lock.json', 'config'],
  ['tsconfig.json', 'config'],
  ['tsconfig.build.json', 'config'],
  ['jsconfig.json', 'config'],
  ['vitest.config.ts', 'config'],
  ['jest.config.js', 'config'],
  ['eslint.config.mjs', 'config'],
  ['prettier.config.js', 'config'],
  ['babel.config.js', 'config'],
  ['webpack.config.js', 'config'],
  ['webpack.prod.js', 'config'],
  ['vite.config.ts', 'config'],
  ['rollup.config.mjs', 'config'],
  ['src/my.config.ts', 'config'],
  ['vitest.setup.ts', 'config'],
  ['jest.setup.js', 'config'],
  ['src/setupTests.ts', 'config'],
  ['test/global-setup.ts', 'config'],
  ['Makefile', 'config'],
  ['makefile', 'config'],
  ['rules.mk', 'config'],
  ['Cargo.toml', 'config'],
  ['build.rs', 'config'],
  ['go.mod', 'config'],
  ['pyproject.toml', 'config'],
  ['setup.cfg', 'config'],
  ['setup.py', 'config'],
  ['tests/conftest.py', 'config'],
  ['Dockerfile', 'config'],
  ['VITEST.CONFIG.TS', 'config'],
  // files the package scripts or validation commands run directly
  ['scripts/check.js', 'script'],
  ['./scripts/check.js', 'script'],
  // symlinks
  ['link.ts', 'symlink'],
  ['srclink/a.ts', 'symlink'],
  ['etclink/passwd.txt', 'symlink'],
  // other file types
  ['data.json', 'language'],
  ['image.png', 'language'],
  ['src/a.sh', 'language'],
  ['src/a.ts.orig', 'language'],
  // untracked (not created by the plan), case variants of tracked files
  ['src/new.ts', 'untracked'],
  ['SRC/a.ts', 'untracked'],
  ['src/A.ts', 'untracked'],
  ['src/Ünï.ts'.normalize('NFD'), 'untracked'],
];

describe('the edit path policy (allowlist)', () => {
  it(`classifies ${MATRIX.length} paths with the right reason`, () => {
    expect(MATRIX.length).toBeGreaterThanOrEqual(80);
    const wrong = MATRIX.map(
      ([p, want]) => [p, want, refusedPath(policy, p)?.code ?? null] as const,
    ).filter(([, want, got]) => want !== got);
    expect(wrong).toEqual([]);
  });

  it('every refusal explains itself (the reason goes back to the model)', () => {
    for (const [p, want] of MATRIX)
      if (want) expect(refusedPath(policy, p)!.reason.length, p).toBeGreaterThan(20);
  });

  it('scope: outside the task files is refused; files the plan creates are allowed although untracked', () => {
    expect(refusedPath(policy, 'src/c.tsx', { files: ['src/a.ts'] })?.code).toBe('scope');
    expect(refusedPath(policy, 'src/a.ts', { files: ['src/a.ts'] })).toBeNull();
    expect(
      refusedPath(policy, 'src/new.ts', { files: ['src/a.ts'], created: ['src/new.ts'] }),
    ).toBeNull();
    expect(
      refusedPath(policy, '.github/workflows/new.yml', { created: ['.github/workflows/new.yml'] })
        ?.code,
    ).toBe('workflow');
    expect(refusedPath(policy, 'src/.x.ts', { created: ['src/.x.ts'] })?.code).toBe('dotpath');
  });

  it('execute.allowPaths widens deliberately, but never for .git, node_modules, hooks or symlinks', () => {
    expect(refusedPath(widened, 'package.json')).toBeNull();
    expect(refusedPath(widened, 'tsconfig.json')).toBeNull();
    expect(refusedPath(widened, 'data.json')).toBeNull();
    expect(refusedPath(widened, '.config/distiqrc.cjs')).toBeNull();
    expect(refusedPath(widened, 'packages/web/package.json')?.code).toBe('config');
    const all = loadPathPolicy(dir, { allowPaths: ['**'] });
    for (const [p, code] of [
      ['.git/config', 'git'],
      ['sub/.git', 'git'],
      ['node_modules/x.js', 'node_modules'],
      ['githooks/pre-commit.js', 'hooks'],
      ['link.ts', 'symlink'],
      ['../x', 'outside'],
      ['.distiq/x', 'state'],
    ] as const) {
      expect(refusedPath(all, p)?.code, p).toBe(code);
    }
  });
});
